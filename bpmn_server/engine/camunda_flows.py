"""Sequence flow rules where Camunda 7 is more lenient than SpiffWorkflow, rewritten on the parsed copy.

An exclusive gateway's outgoing flow without a condition (and not the gateway's default) counts as a condition
that is true: Camunda 7 evaluates the outgoing flows in the order of the XML and takes the first one whose
condition is true or absent ("conceptually having a 'true' value", Camunda 7 manual, exclusive gateway).
SpiffWorkflow refuses such a flow; it evaluates the conditions in the same document order, so giving the flow
the condition `True` runs it exactly as Camunda does. An inclusive gateway's unconditioned flow is likewise
always taken (Camunda 7 treats a missing condition as true there too).
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
