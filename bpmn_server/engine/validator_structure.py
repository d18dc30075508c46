"""Constraint rules on process levels (start and end events, unconnected nodes), calls and collaborations."""

from __future__ import annotations

from collections.abc import Iterator

from lxml import etree

from .validator_model import (
    ACTIVITIES,
    CHOREOGRAPHY_ACTIVITIES,
    FLOW_NODES,
    GATEWAYS,
    SUBPROCESSES,
    Model,
    Problem,
    local,
)

_LEVELS = {"process"} | SUBPROCESSES - {"adHocSubProcess"}
_PROPERTY_OWNERS = {"process", "startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent",
                    "boundaryEvent"} | ACTIVITIES


def _is_event_subprocess(el: etree._Element) -> bool:
    return local(el) == "subProcess" and el.get("triggeredByEvent") == "true"


def _is_link(m: Model, el: etree._Element) -> bool:
    return "linkEventDefinition" in m.triggers(el)


def _rule_levels(m: Model) -> Iterator[Problem]:
    """Start and end events come in pairs per level; with them, every node is on a path (EXT.097/105/150/151)."""
    for level in m.of_kind(_LEVELS):
        children = [c for c in level if local(c) in FLOW_NODES]
        names = {local(c) for c in children}
        starts = "startEvent" in names or any(
            local(c) == "receiveTask" and c.get("instantiate") == "true" for c in children)
        if "endEvent" in names and not starts:
            yield level, "end-without-start", "a level that uses end events needs a start event"
        if "startEvent" in names and "endEvent" not in names:
            yield level, "start-without-end", "a level that uses a start event needs an end event"
        for node in children:
            kind = local(node)
            exempt = _is_event_subprocess(node) or node.get("isForCompensation") == "true" or kind == "boundaryEvent"
            if exempt:
                continue
            needs_in = "startEvent" in names and kind not in ("startEvent",) and not (
                kind == "intermediateCatchEvent" and _is_link(m, node)) and not (
                kind == "receiveTask" and node.get("instantiate") == "true") and not (
                kind == "eventBasedGateway" and node.get("instantiate") == "true")
            if needs_in and not m.incoming(node) and (kind in ACTIVITIES or kind in GATEWAYS):
                yield node, "unconnected-node", f"this {kind} has no incoming flow although the level has a start event"
            needs_out = "endEvent" in names and kind != "endEvent" and not (
                kind == "intermediateThrowEvent" and _is_link(m, node))
            if needs_out and not m.outgoing(node) and (kind in ACTIVITIES or kind in GATEWAYS):
                yield node, "unconnected-node", f"this {kind} has no outgoing flow although the level has end events"


def _rule_event_subprocesses(m: Model) -> Iterator[Problem]:
    for sub in m.by_name("subProcess"):
        if not _is_event_subprocess(sub):
            continue
        if m.listed(sub, "incoming") or m.listed(sub, "outgoing"):
            yield sub, "event-subprocess-connected", "an event sub-process must not have sequence flows"
        count = sum(1 for c in sub if local(c) == "startEvent")
        if count != 1:
            yield sub, "event-subprocess-start", f"an event sub-process needs exactly one start event, not {count}"


def _rule_called_processes(m: Model) -> Iterator[Problem]:
    for call in m.by_name("callActivity"):
        called = m.ref(call.get("calledElement"))
        if called is None or local(called) != "process":
            continue  # a process of another file: checked when it is deployed
        starts = [c for c in called if local(c) == "startEvent"]
        if not any(not m.triggers(s) for s in starts):
            yield call, "called-process-start", f"the called process '{called.get('id')}' has no none start event"


def _rule_collaborations(m: Model) -> Iterator[Problem]:
    for el in m.of_kind({"choreography", "globalConversation"}):
        if any(local(c) == "choreographyRef" for c in el):
            yield el, "choreography-ref", f"a {local(el)} must not reference a choreography"
    for conv in m.by_name("globalConversation"):
        banned = {"conversation", "subConversation", "callConversation", "participantAssociation",
                  "messageFlowAssociation", "conversationAssociation", "association", "group", "textAnnotation"}
        if any(local(c) in banned for c in conv):
            yield conv, "global-conversation", ("a global conversation must not contain conversation nodes, "
                                                "associations or artifacts")
    for collab in m.by_name("collaboration"):
        for ref in (c for c in collab if local(c) == "choreographyRef"):
            chor = m.ref(ref.text)
            if chor is not None and chor.get("isClosed", "false") != collab.get("isClosed", "false"):
                yield collab, "choreography-closed", "a collaboration and its choreography must agree on isClosed"
    for mult in m.by_name("participantMultiplicity"):
        low, high = _int(mult.get("minimum"), 0), _int(mult.get("maximum"), 1)
        if low is None or low < 0:
            yield mult, "participant-multiplicity", "the minimum of a participant multiplicity must not be negative"
        elif high is None or high < 1 or high < low:
            yield mult, "participant-multiplicity", "the maximum must be at least 1 and at least the minimum"
    for proc in m.by_name("process"):
        if proc.get("processType") == "Public" and proc.get("isExecutable") == "true":
            yield proc, "public-process-executable", "a public process cannot be executable"
    for level in m.of_kind({"process"} | SUBPROCESSES):
        for child in level:
            if local(child) in CHOREOGRAPHY_ACTIVITIES:
                yield child, "choreography-in-process", f"a {local(level)} cannot contain choreography activities"
    for prop in m.by_name("property"):
        if local(prop.getparent()) not in _PROPERTY_OWNERS:
            yield prop, "misplaced-property", "a property belongs to a process, an activity or an event"


def _rule_resources(m: Model) -> Iterator[Problem]:
    for role in m.of_kind({"resourceRole", "performer", "humanPerformer", "potentialOwner"}):
        names = {local(c) for c in role}
        if "resourceAssignmentExpression" in names and names & {"resourceRef", "resourceParameterBinding"}:
            yield role, "resource-role", "a resource role names a resource or has an assignment expression, not both"
        elif "resourceParameterBinding" in names and "resourceRef" not in names:
            yield role, "resource-role", "parameter bindings need the resource they bind (resourceRef)"


def _int(text: str | None, default: int) -> int | None:
    if text is None:
        return default
    try:
        return int(text.strip())
    except ValueError:
        return None


STRUCTURE_RULES = [_rule_levels, _rule_event_subprocesses, _rule_called_processes, _rule_collaborations,
                   _rule_resources]
