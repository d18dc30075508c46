"""Constraint rules on events: their flows, the triggers each kind of event allows, links, boundaries."""

from __future__ import annotations

from collections.abc import Iterator

from lxml import etree

from .validator_model import ACTIVITIES, Model, Problem, local

_FORBIDDEN = {
    # event kind -> triggers the specification does not allow there
    "top-start": {"linkEventDefinition", "escalationEventDefinition", "errorEventDefinition", "cancelEventDefinition",
                  "compensateEventDefinition", "terminateEventDefinition"},
    "event-subprocess-start": {"linkEventDefinition", "cancelEventDefinition", "terminateEventDefinition"},
    "non-interrupting-start": {"compensateEventDefinition", "errorEventDefinition"},
    "endEvent": {"linkEventDefinition", "conditionalEventDefinition", "timerEventDefinition"},
    "intermediateCatchEvent": {"escalationEventDefinition", "errorEventDefinition", "cancelEventDefinition",
                               "compensateEventDefinition", "terminateEventDefinition"},
    "intermediateThrowEvent": {"timerEventDefinition", "errorEventDefinition", "cancelEventDefinition",
                               "conditionalEventDefinition", "terminateEventDefinition"},
    "boundaryEvent": {"linkEventDefinition", "terminateEventDefinition"},
    "non-interrupting-boundary": {"errorEventDefinition", "cancelEventDefinition", "compensateEventDefinition"},
}


def _short(names: set[str] | list[str]) -> str:
    return ", ".join(sorted(n.replace("EventDefinition", "") for n in names))


def _rule_start_events(m: Model) -> Iterator[Problem]:
    for ev in m.by_name("startEvent"):
        if m.incoming(ev) or m.listed(ev, "incoming"):
            yield ev, "start-event-incoming", "a start event must not have incoming sequence flows"
        triggers = m.triggers(ev)
        parent = ev.getparent()
        if local(parent) == "process":
            bad = set(triggers) & _FORBIDDEN["top-start"]
            if bad:
                yield ev, "start-event-trigger", (f"a process start event cannot be triggered by {_short(bad)}; "
                                                  "only none, message, timer, conditional or signal")
        elif local(parent) == "subProcess" and parent.get("triggeredByEvent") == "true":
            bad = set(triggers) & _FORBIDDEN["event-subprocess-start"]
            if ev.get("isInterrupting") == "false":
                bad |= set(triggers) & _FORBIDDEN["non-interrupting-start"]
            if not triggers:
                yield ev, "event-subprocess-start", "the start event of an event sub-process needs a trigger"
            elif bad:
                yield ev, "event-subprocess-start", f"an event sub-process cannot start on {_short(bad)} here"
        elif local(parent) in ("subProcess", "transaction", "adHocSubProcess") and triggers:
            yield ev, "subprocess-start-trigger", "the start event of a sub-process must not have a trigger"


def _rule_end_events(m: Model) -> Iterator[Problem]:
    for ev in m.by_name("endEvent"):
        if m.outgoing(ev) or m.listed(ev, "outgoing"):
            yield ev, "end-event-outgoing", "an end event must not have outgoing sequence flows"
        triggers = m.triggers(ev)
        bad = set(triggers) & _FORBIDDEN["endEvent"]
        if bad:
            yield ev, "end-event-trigger", f"an end event cannot have a {_short(bad)} result"
        if "cancelEventDefinition" in triggers and not any(local(a) == "transaction" for a in ev.iterancestors()):
            yield ev, "cancel-end-event", "a cancel end event is only allowed inside a transaction"


def _rule_intermediate_events(m: Model) -> Iterator[Problem]:
    for ev in m.of_kind({"intermediateCatchEvent", "intermediateThrowEvent"}):
        kind = local(ev)
        triggers = m.triggers(ev)
        link = "linkEventDefinition" in triggers
        has_in = bool(m.incoming(ev) or m.listed(ev, "incoming"))
        has_out = bool(m.outgoing(ev) or m.listed(ev, "outgoing"))
        if kind == "intermediateCatchEvent":
            if link and has_in:
                yield ev, "intermediate-event-flows", "a link catch event must not have incoming sequence flows"
            if not link and not has_in:
                yield ev, "intermediate-event-flows", "an intermediate catch event needs an incoming sequence flow"
            if not has_out:
                yield ev, "intermediate-event-flows", "an intermediate catch event needs an outgoing sequence flow"
            if not triggers:
                yield ev, "intermediate-catch-trigger", "an intermediate catch event needs a trigger"
        else:
            if link and has_out:
                yield ev, "intermediate-event-flows", "a link throw event must not have outgoing sequence flows"
            if not has_in:
                yield ev, "intermediate-event-flows", "an intermediate throw event needs an incoming sequence flow"
            if not link and not has_out:
                yield ev, "intermediate-event-flows", "an intermediate throw event needs an outgoing sequence flow"
        bad = set(triggers) & _FORBIDDEN[kind]
        if bad:
            what = "catch" if kind == "intermediateCatchEvent" else "throw"
            yield ev, f"intermediate-{what}-trigger", f"an intermediate {what} event cannot use {_short(bad)}"


def _rule_escalation_codes(m: Model) -> Iterator[Problem]:
    for ev in m.of_kind({"endEvent", "intermediateThrowEvent"}):
        for definition in (c for c in ev if local(c) == "escalationEventDefinition"):
            escalation = m.ref(definition.get("escalationRef"))
            if m.executable(ev) and (escalation is None or not escalation.get("escalationCode")):
                yield ev, "escalation-code-missing", "a thrown escalation needs an escalation with an escalationCode"


def _rule_boundary_events(m: Model) -> Iterator[Problem]:
    for ev in m.by_name("boundaryEvent"):
        triggers = m.triggers(ev)
        compensation = "compensateEventDefinition" in triggers
        if m.incoming(ev) or m.listed(ev, "incoming"):
            yield ev, "boundary-event-incoming", "a boundary event must not be the target of a sequence flow"
        has_out = bool(m.outgoing(ev) or m.listed(ev, "outgoing"))
        # Without an outgoing flow the token ends at the boundary event (Camunda 7 runs it so): EXT.113 is not
        # enforced (validator_catalogue.NOT_ENFORCED).
        if has_out and compensation:
            yield ev, "boundary-event-outgoing", "a compensation boundary event must not have outgoing sequence flows"
        bad = set(triggers) & _FORBIDDEN["boundaryEvent"]
        if ev.get("cancelActivity") == "false":
            bad |= set(triggers) & _FORBIDDEN["non-interrupting-boundary"]
        if not triggers:
            yield ev, "boundary-event-trigger", "a boundary event needs a trigger"
        elif bad:
            yield ev, "boundary-event-trigger", f"this boundary event cannot use {_short(bad)}"
        attached = m.ref(ev.get("attachedToRef"))
        if "cancelEventDefinition" in triggers and attached is not None and local(attached) != "transaction":
            yield ev, "cancel-boundary-event", "a cancel boundary event must be attached to a transaction"
        if compensation:
            targets = [m.ref(a.get("targetRef")) for a in m.by_name("association")
                       if m.ref_id(a.get("sourceRef")) == ev.get("id")]
            if not targets:
                yield ev, "compensation-association", "a compensation boundary event needs an association to a handler"
            elif not any(t is not None and local(t) in ACTIVITIES and t.get("isForCompensation") == "true"
                         for t in targets):
                yield ev, "compensation-association", "the handler must be an activity with isForCompensation"


def _links(ev: etree._Element, child: str) -> list[str]:
    return [(c.text or "").strip() for d in ev if local(d) == "linkEventDefinition" for c in d if local(c) == child]


def _rule_links(m: Model) -> Iterator[Problem]:
    # Inline link definitions only: a link shared through eventDefinitionRef cannot pair with anything.
    catches = [e for e in m.by_name("intermediateCatchEvent") if any(local(d) == "linkEventDefinition" for d in e)]
    throws = [e for e in m.by_name("intermediateThrowEvent") if any(local(d) == "linkEventDefinition" for d in e)]

    def names(events: list[etree._Element], parent: etree._Element) -> set[str | None]:
        return {d.get("name") for e in events if e.getparent() is parent for d in e
                if local(d) == "linkEventDefinition"}

    for ev in throws:
        definition = next(d for d in ev if local(d) == "linkEventDefinition")
        targets = _links(ev, "target")
        if len(targets) > 1:
            yield ev, "link-event", "a link throw event must have exactly one target"
        elif not targets:
            if definition.get("name") not in names(catches, ev.getparent()):
                yield ev, "link-event", "a link throw event needs a target (or a catch link of the same name)"
            continue
        target = m.ref(targets[0])
        if target is None or local(target) != "linkEventDefinition":
            continue  # reported as a reference problem
        if definition.get("id") not in [(c.text or "").strip() for c in target if local(c) == "source"]:
            yield ev, "link-event", f"the target link '{targets[0]}' does not name this link as a source"
        if target.getparent().getparent() is not ev.getparent():
            yield ev, "link-event", "a link can only lead to a catch link in the same process level"
    for ev in catches:
        definition = next(d for d in ev if local(d) == "linkEventDefinition")
        if not _links(ev, "source") and definition.get("name") not in names(throws, ev.getparent()):
            yield ev, "link-event", "a link catch event needs a source (or a throw link of the same name)"


def _rule_event_definition_reuse(m: Model) -> Iterator[Problem]:
    referenced = {m.ref_id(r.text) for r in m.by_name("eventDefinitionRef")}
    for ev in m.of_kind({"endEvent", "intermediateThrowEvent"}):
        for definition in ev:
            if definition.get("id") and definition.get("id") in referenced and local(definition).endswith("Definition"):
                yield definition, "event-definition-reuse", ("an event definition inside a throw event cannot be "
                                                             "referenced from another event")


EVENT_RULES = [_rule_start_events, _rule_end_events, _rule_intermediate_events, _rule_escalation_codes,
               _rule_boundary_events, _rule_links, _rule_event_definition_reuse]
