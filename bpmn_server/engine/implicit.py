"""Parse-time rewrites of the tree SpiffWorkflow parses (a copy: the uploaded bytes never change).

* Reserved ids: SpiffWorkflow names its internal task specs `Start`, `End`, `Root`, `<process>.EndJoin` and
  `<id>.BoundaryEventSplit/Join`, in the same namespace as the BPMN ids; an element with such an id replaces
  the internal spec (starting fails: "No output task connected"). Such elements get a fresh id here, and
  `restore_ids` puts the original id back as the specs' `bpmn_id`, so tasks and history show the modelled id.
* Implicit splits: an activity or event with several outgoing sequence flows splits the token (BPMN 13.2.1):
  unconditional flows all fire (parallel split), conditional ones fire when true, and the default flow only
  when no conditional flow fires (inclusive split). SpiffWorkflow refuses several outgoing flows on a task, so
  the split becomes an explicit gateway with a generated id right after the element.
* Complex gateways used as splits run as inclusive gateways; joins run as engine/complex_gateway.py.
* Token quantities: completionQuantity="n" (one outgoing flow) sends n tokens through a parallel split and n
  pass-through events; startQuantity="n" puts a counting join (engine/complex_gateway.py) before the activity.

Construct rewrites that run before expressions are translated are in `implicit_constructs`.
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


def local_name(el: Any) -> str:
    return etree.QName(el.tag).localname if isinstance(el.tag, str) else ""


def _is_flow_node(el: Any) -> bool:
    name = local_name(el)
    return name in ACTIVITIES or name.endswith(("Task", "Event", "Gateway"))


def _reserved(value: str | None) -> bool:
    return bool(value) and (value in RESERVED or value.endswith(RESERVED_SUFFIXES))


class NewIds:
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
    ids = NewIds(root)
    renamed: dict[str, str] = {}
    for el in root.iter():
        if isinstance(el.tag, str) and _is_flow_node(el) and _reserved(el.get("id")) \
                and local_name(el.getparent()) in CONTAINERS:
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
        if local_name(el) in REF_TEXTS and (el.text or "").strip() in back:
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


def add_flow(parent: Any, ids: NewIds, source: str, target: str, index: int) -> Any:
    flow = etree.Element(f"{{{BPMN}}}sequenceFlow", id=ids.fresh(f"{source}_implicit_flow"),
                         sourceRef=source, targetRef=target)
    parent.insert(index, flow)
    return flow


def add_gateway(parent: Any, ids: NewIds, kind: str, source: str, index: int) -> Any:
    gateway = etree.Element(f"{{{BPMN}}}{kind}", id=ids.fresh(f"{source}_implicit_split"))
    parent.insert(index, gateway)
    return gateway


def _always(flow: Any) -> None:
    condition = etree.SubElement(flow, f"{{{BPMN}}}conditionExpression")
    condition.text = "True"


def _split(parent: Any, node: Any, flows: list[Any], ids: NewIds) -> None:
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
        gateway = add_gateway(parent, ids, "parallelGateway", node_id, index)
        routed = flows
    elif not plain or default is None:
        # Unconditional flows become always-true conditions: with no default, that is the same split.
        gateway = add_gateway(parent, ids, "inclusiveGateway", node_id, index)
        routed = flows
    else:
        # Unconditional flows always fire; the conditional ones and the default are decided together.
        gateway = add_gateway(parent, ids, "parallelGateway", node_id, index)
        decide = add_gateway(parent, ids, "inclusiveGateway", node_id, index + 1)
        add_flow(parent, ids, gateway.get("id"), decide.get("id"), index + 2)
        for flow in conditional + [f for f in flows if f.get("id") == default]:
            flow.set("sourceRef", decide.get("id"))
        routed = plain
        if default is not None:
            decide.set("default", default)
        default = None
    if default is not None:
        gateway.set("default", default)
    if local_name(gateway) == "inclusiveGateway":
        for flow in routed:
            if flow.get("id") != default and flow.find(f"{{{BPMN}}}conditionExpression") is None:
                _always(flow)
    for flow in routed:
        flow.set("sourceRef", gateway.get("id"))
    add_flow(parent, ids, node_id, gateway.get("id"), index)


def make_splits_explicit(root: Any) -> list[str]:
    """Insert a gateway after every non-gateway flow node with several outgoing flows; the ids changed."""
    ids = NewIds(root)
    changed = []
    for parent in [el for el in root.iter() if isinstance(el.tag, str) and local_name(el) in CONTAINERS]:
        flows: dict[str, list[Any]] = {}
        for flow in parent.findall(f"{{{BPMN}}}sequenceFlow"):
            flows.setdefault(flow.get("sourceRef"), []).append(flow)
        for node in list(parent):
            if not isinstance(node.tag, str) or not _is_flow_node(node) or local_name(node).endswith("Gateway"):
                continue
            outgoing = flows.get(node.get("id"), [])
            if len(outgoing) > 1:
                _split(parent, node, outgoing, ids)
                changed.append(node.get("id"))
    return changed


def complex_join_ok(el: Any) -> bool:
    """A complex gateway joining flows needs an activationCondition (engine/complex_gateway.py)."""
    return complex_split(el) or el.find(f"{{{BPMN}}}activationCondition") is not None


def complex_split(el: Any) -> bool:
    """A complex gateway used as a split: at most one incoming flow, several outgoing, no activationCondition.
    It takes every outgoing flow whose condition holds, or the default: an inclusive split (BPMN 13.3.5)."""
    if local_name(el) != "complexGateway" or el.find(f"{{{BPMN}}}activationCondition") is not None:
        return False
    flows = el.getparent().findall(f"{{{BPMN}}}sequenceFlow")
    incoming = [f for f in flows if f.get("targetRef") == el.get("id")]
    outgoing = [f for f in flows if f.get("sourceRef") == el.get("id")]
    return len(incoming) <= 1 and len(outgoing) > 1


def complex_splits_to_inclusive(root: Any) -> None:
    """Run complex splits as inclusive gateways; unconditional non-default flows always fire."""
    for el in [e for e in root.iter(f"{{{BPMN}}}complexGateway") if complex_split(e)]:
        el.tag = f"{{{BPMN}}}inclusiveGateway"
        for flow in el.getparent().findall(f"{{{BPMN}}}sequenceFlow"):
            if flow.get("sourceRef") == el.get("id") and flow.get("id") != el.get("default") \
                    and flow.find(f"{{{BPMN}}}conditionExpression") is None:
                _always(flow)


def _incoming(parent: Any, node_id: str) -> list[Any]:
    return [f for f in parent.findall(f"{{{BPMN}}}sequenceFlow") if f.get("targetRef") == node_id]


def _quantity(node: Any, attr: str) -> int:
    value = (node.get(attr) or "1").strip()
    return int(value) if value.isdigit() else 1


def token_quantities(root: Any) -> None:
    """completionQuantity="n": n tokens leave on the (single) outgoing flow, through a parallel split into n
    pass-through events; startQuantity="n": a counting join (engine/complex_gateway.py) before the activity
    lets it start once per n tokens. validator_support refuses the shapes this does not cover."""
    ids = NewIds(root)
    for parent in [el for el in root.iter() if isinstance(el.tag, str) and local_name(el) in CONTAINERS]:
        nodes = [n for n in parent if isinstance(n.tag, str) and _is_flow_node(n)]
        for node in nodes:
            count = _quantity(node, "completionQuantity")
            outgoing = [f for f in parent.findall(f"{{{BPMN}}}sequenceFlow") if f.get("sourceRef") == node.get("id")]
            if count > 1 and len(outgoing) == 1:
                target, index = outgoing[0].get("targetRef"), parent.index(node) + 1
                split = add_gateway(parent, ids, "parallelGateway", node.get("id"), index)
                outgoing[0].set("targetRef", split.get("id"))
                for _ in range(count):
                    token = etree.Element(f"{{{BPMN}}}intermediateThrowEvent", id=ids.fresh(f"{node.get('id')}_token"))
                    parent.insert(index + 1, token)
                    add_flow(parent, ids, split.get("id"), token.get("id"), index + 2)
                    add_flow(parent, ids, token.get("id"), target, index + 2)
                del node.attrib["completionQuantity"]
        for node in nodes:
            count = _quantity(node, "startQuantity")
            if count > 1:
                join = add_gateway(parent, ids, "complexGateway", node.get("id"), parent.index(node))
                join.set("startQuantity", str(count))
                for flow in _incoming(parent, node.get("id")):
                    flow.set("targetRef", join.get("id"))
                add_flow(parent, ids, join.get("id"), node.get("id"), parent.index(join) + 1)
                del node.attrib["startQuantity"]
