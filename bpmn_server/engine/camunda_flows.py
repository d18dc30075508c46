"""Sequence flow and data store rules where Camunda 7 is more lenient than SpiffWorkflow, rewritten on the
parsed copy.

An exclusive gateway's outgoing flow without a condition (and not the gateway's default) counts as a condition
that is true: Camunda 7 evaluates the outgoing flows in the order of the XML and takes the first one whose
condition is true or absent ("conceptually having a 'true' value", Camunda 7 manual, exclusive gateway).
SpiffWorkflow refuses such a flow; it evaluates the conditions in the same document order, so giving the flow
the condition `True` runs it exactly as Camunda does. An inclusive gateway's unconditioned flow is likewise
always taken (Camunda 7 treats a missing condition as true there too). A data store that is only drawn (no data
association uses it) is documentation, removed from the copy (`drawn_data_stores`).
"""

from __future__ import annotations

from lxml import etree

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"


def unconditioned_exclusive_flows(root: etree._Element) -> list[str]:
    """Give each unconditioned, non-default outgoing flow of a splitting exclusive or inclusive gateway the condition
    `True`; return the ids of the flows changed."""
    outgoing: dict[str, list[etree._Element]] = {}
    for flow in root.iter(f"{{{BPMN}}}sequenceFlow"):
        outgoing.setdefault(flow.get("sourceRef") or "", []).append(flow)
    changed = []
    for gateway in root.iter(f"{{{BPMN}}}exclusiveGateway", f"{{{BPMN}}}inclusiveGateway"):
        flows = outgoing.get(gateway.get("id") or "", [])
        if len(flows) < 2:
            continue
        for flow in flows:
            if flow.get("id") == gateway.get("default") or flow.find(f"{{{BPMN}}}conditionExpression") is not None:
                continue
            condition = etree.SubElement(flow, f"{{{BPMN}}}conditionExpression")
            condition.text = "True"
            changed.append(flow.get("id"))
    return changed


def drawn_data_stores(root: etree._Element) -> list[str]:
    """Remove the data stores that are only drawn: no data association reads or writes any reference to them (an
    `association` line is documentation). Nothing runs them, as in Camunda 7, which gives data stores no meaning;
    SpiffWorkflow would refuse them for lacking a store implementation. Returns the ids of the stores removed.
    A data store a data association uses stays, and is refused by name when it has no implementation."""
    refs: dict[str, list[etree._Element]] = {}
    for ref in root.iter(f"{{{BPMN}}}dataStoreReference"):
        refs.setdefault(ref.get("dataStoreRef") or "", []).append(ref)
    used = {(el.text or "").strip()
            for el in root.iter(f"{{{BPMN}}}sourceRef", f"{{{BPMN}}}targetRef")
            if etree.QName(el.getparent()).localname in ("dataInputAssociation", "dataOutputAssociation")}
    removed = []
    for store in list(root.iter(f"{{{BPMN}}}dataStore")):
        store_id = store.get("id") or ""
        references = refs.get(store_id, [])
        if store_id in used or any(r.get("id") in used for r in references):
            continue
        for el in [store, *references]:
            el.getparent().remove(el)
        removed.append(store_id)
    return removed
