"""Parse-time rewrites of the tree SpiffWorkflow parses (a copy: the uploaded bytes never change).

* Reserved ids: SpiffWorkflow names its internal task specs `Start`, `End`, `Root`, `<process>.EndJoin` and
  `<id>.BoundaryEventSplit/Join`, in the same namespace as the BPMN ids; an element with such an id replaces
  the internal spec (starting fails: "No output task connected"). Such elements get a fresh id here, and
  `restore_ids` puts the original id back as the specs' `bpmn_id`, so tasks and history show the modelled id.
* Implicit splits: an activity or event with several outgoing sequence flows splits the token (BPMN 13.2.1):
  unconditional flows all fire (parallel split), conditional ones fire when true, and the default flow only
  when no conditional flow fires (inclusive split). SpiffWorkflow refuses several outgoing flows on a task, so
  the split becomes an explicit gateway with a generated id right after the element.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
RESERVED = {"Start", "End", "Root"}
RESERVED_SUFFIXES = (".EndJoin", ".BoundaryEventSplit", ".BoundaryEventJoin")
CONTAINERS = {"process", "subProcess", "transaction", "adHocSubProcess"}
ACTIVITIES = {"task", "subProcess", "transaction", "adHocSubProcess", "callActivity"}
# Elements that reference flow nodes by id: attributes, and child elements whose text is an id.
REF_ATTRIBUTES = ("sourceRef", "targetRef", "attachedToRef", "bpmnElement")
REF_TEXTS = {"incoming", "outgoing", "flowNodeRef"}


def _local(el: Any) -> str:
    return etree.QName(el.tag).localname if isinstance(el.tag, str) else ""


def _is_flow_node(el: Any) -> bool:
    name = _local(el)
    return name in ACTIVITIES or name.endswith(("Task", "Event", "Gateway"))


def _reserved(value: str | None) -> bool:
    return bool(value) and (value in RESERVED or value.endswith(RESERVED_SUFFIXES))


class _Ids:
    """Fresh ids that clash with no id of the document."""

    def __init__(self, root: Any):
        self.taken = {el.get("id") for el in root.iter() if isinstance(el.tag, str) and el.get("id")}

    def fresh(self, base: str) -> str:
        n = 1
        while f"{base}_{n}" in self.taken:
            n += 1
        self.taken.add(f"{base}_{n}")
        return f"{base}_{n}"


def rename_reserved(root: Any) -> dict[str, str]:
    """Give flow nodes with ids SpiffWorkflow reserves a fresh id, everywhere they are referenced.

    Returns {new id: original id}.
    """
    ids = _Ids(root)
    renamed: dict[str, str] = {}
    for el in root.iter():
        if isinstance(el.tag, str) and _is_flow_node(el) and _reserved(el.get("id")) \
                and _local(el.getparent()) in CONTAINERS:
            old = el.get("id")
            new = ids.fresh(old.replace(".", "_"))
            renamed[new] = old
            el.set("id", new)
    if not renamed:
        return {}
    back = {old: new for new, old in renamed.items()}
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        for attr in REF_ATTRIBUTES:
            if el.get(attr) in back:
                el.set(attr, back[el.get(attr)])
        if _local(el) in REF_TEXTS and (el.text or "").strip() in back:
            el.text = back[el.text.strip()]
    return renamed


def restore_ids(specs: list[Any], renamed: dict[str, str]) -> None:
    """Show the original ids of renamed elements as the task specs' `bpmn_id` (tasks, history, timers)."""
    if not renamed:
        return
    for spec in specs:
        for task_spec in spec.task_specs.values():
            original = renamed.get(getattr(task_spec, "bpmn_id", None))
            if original is not None:
                task_spec.bpmn_id = original


def _flow(parent: Any, ids: _Ids, source: str, target: str, index: int) -> Any:
    flow = etree.Element(f"{{{BPMN}}}sequenceFlow", id=ids.fresh(f"{source}_implicit_flow"),
                         sourceRef=source, targetRef=target)
    parent.insert(index, flow)
    return flow


def _gateway(parent: Any, ids: _Ids, kind: str, source: str, index: int) -> Any:
    gateway = etree.Element(f"{{{BPMN}}}{kind}", id=ids.fresh(f"{source}_implicit_split"))
    parent.insert(index, gateway)
    return gateway


def _always(flow: Any) -> None:
    condition = etree.SubElement(flow, f"{{{BPMN}}}conditionExpression")
    condition.text = "True"


def _split(parent: Any, node: Any, flows: list[Any], ids: _Ids) -> None:
    """Route `node`'s outgoing `flows` through explicit gateways (see the module docstring)."""
    node_id = node.get("id")
    default = node.attrib.pop("default", None)
    conditional = [f for f in flows if f.find(f"{{{BPMN}}}conditionExpression") is not None
                   and f.get("id") != default]
    plain = [f for f in flows if f not in conditional and f.get("id") != default]
    index = parent.index(node) + 1
    for el in node.findall(f"{{{BPMN}}}outgoing"):
        node.remove(el)
    if not conditional and default is None:
        gateway = _gateway(parent, ids, "parallelGateway", node_id, index)
        routed = flows
    elif not plain or default is None:
        # Unconditional flows become always-true conditions: with no default, that is the same split.
        gateway = _gateway(parent, ids, "inclusiveGateway", node_id, index)
        routed = flows
    else:
        # Unconditional flows always fire; the conditional ones and the default are decided together.
        gateway = _gateway(parent, ids, "parallelGateway", node_id, index)
        decide = _gateway(parent, ids, "inclusiveGateway", node_id, index + 1)
        _flow(parent, ids, gateway.get("id"), decide.get("id"), index + 2)
        for flow in conditional + [f for f in flows if f.get("id") == default]:
            flow.set("sourceRef", decide.get("id"))
        routed = plain
        if default is not None:
            decide.set("default", default)
        default = None
    if default is not None:
        gateway.set("default", default)
    if _local(gateway) == "inclusiveGateway":
        for flow in routed:
            if flow.get("id") != default and flow.find(f"{{{BPMN}}}conditionExpression") is None:
                _always(flow)
    for flow in routed:
        flow.set("sourceRef", gateway.get("id"))
    _flow(parent, ids, node_id, gateway.get("id"), index)


def make_splits_explicit(root: Any) -> list[str]:
    """Insert a gateway after every non-gateway flow node with several outgoing flows; the ids changed."""
    ids = _Ids(root)
    changed = []
    for parent in [el for el in root.iter() if isinstance(el.tag, str) and _local(el) in CONTAINERS]:
        flows: dict[str, list[Any]] = {}
        for flow in parent.findall(f"{{{BPMN}}}sequenceFlow"):
            flows.setdefault(flow.get("sourceRef"), []).append(flow)
        for node in list(parent):
            if not isinstance(node.tag, str) or not _is_flow_node(node) or _local(node).endswith("Gateway"):
                continue
            outgoing = flows.get(node.get("id"), [])
            if len(outgoing) > 1:
                _split(parent, node, outgoing, ids)
                changed.append(node.get("id"))
    return changed
