"""Valid BPMN this engine would run to a wrong result: refused at deploy instead, with a rule id.

`validator` checks what the BPMN specification forbids; this module checks what the specification allows but
SpiffWorkflow runs wrongly (each rule names the betsy cases that showed it, see docs/COVERAGE.md). Messages
start with `[unsupported-...]` so that a client can tell "your model is wrong" from "this engine cannot run
it". Processes marked isExecutable="false" are not checked.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from lxml import etree

from .validator_model import ACTIVITIES, EVENTS, GATEWAYS, Model, Problem, local

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"

SUPPORT_CATALOGUE: dict[str, str] = {
    "unsupported-mi-behavior-event": "a multi-instance behaviour event (noneBehaviorEventRef, oneBehaviorEventRef, "
                                     "complexBehaviorDefinition) that is not a signal, message or escalation "
                                     "(engine/mi_behavior.py)",
    "unsupported-token-quantity": "completionQuantity above 1 on an activity without exactly one outgoing flow",
    "unsupported-interrupt-from-inside": "an interrupting escalation event subprocess of a process triggered by an "
                                         "intermediate throw in the process: the process runs on after the throw",
    "unsupported-nested-event-subprocess": "a non-interrupting event subprocess with a conditional start event "
                                           "inside a subprocess: never triggered",
    "unsupported-adhoc-content": "inside an ad-hoc subprocess: a gateway or event without an incoming flow (performers "
                                 "start activities only), an event subprocess, or compensation",
}


def _definitions(m: Model, event: etree._Element, kind: str) -> list[etree._Element]:
    """An event's definitions of `kind` (e.g. "signalEventDefinition"), inline or by eventDefinitionRef."""
    found = [c for c in event if local(c) == kind]
    for ref in (c for c in event if local(c) == "eventDefinitionRef"):
        target = m.ref(ref.text)
        if target is not None and local(target) == kind:
            found.append(target)
    return found


def _rule_quantity(m: Model) -> Iterator[Problem]:
    for act in m.of_kind(ACTIVITIES):
        value = (act.get("completionQuantity") or "1").strip()
        if value.isdigit() and int(value) > 1 and len(m.outgoing(act)) != 1:
            yield act, "unsupported-token-quantity", (
                f"completionQuantity={value} is supported on an activity with exactly one outgoing flow only")


def _refs(m: Model, event: etree._Element, kind: str, attr: str) -> set[str | None]:
    return {m.ref_id(d.get(attr)) for d in _definitions(m, event, kind)}


def _thrown_inside(m: Model, scope: etree._Element, kind: str, attr: str) -> set[str | None]:
    """Refs of the `kind` definitions thrown by intermediate events anywhere inside `scope` (an end event that
    throws ends the subprocess anyway, so nothing runs on: those run right)."""
    found: set[str | None] = set()
    for event in scope.iter(f"{{{BPMN}}}intermediateThrowEvent"):
        found |= _refs(m, event, kind, attr)
    return found


def _catches(caught: set[str | None], thrown: set[str | None], kind: str) -> bool:
    # An escalation catcher without a ref catches every escalation.
    return bool(caught & thrown) or (kind == "escalationEventDefinition" and None in caught and bool(thrown))


def _rule_interrupt_from_inside(m: Model) -> Iterator[Problem]:
    # Interrupting boundary events caught from inside run right (engine/specs.py ServerThrowEvent), and so do
    # event subprocesses inside a subprocess (rewritten into those); at the top level SpiffWorkflow never
    # interrupts for an escalation.
    for start in m.by_name("startEvent"):
        handler = start.getparent()
        if handler.get("triggeredByEvent") != "true" or start.get("isInterrupting", "true") == "false":
            continue
        caught = _refs(m, start, "escalationEventDefinition", "escalationRef")
        scope = handler.getparent()
        thrown = _thrown_inside(m, scope, "escalationEventDefinition", "escalationRef") if scope is not None else set()
        if caught and _catches(caught, thrown, "escalationEventDefinition") and local(scope) == "process":
            yield start, "unsupported-interrupt-from-inside", (
                "an interrupting escalation event subprocess triggered by an intermediate throw in its own scope is "
                "not supported: the scope would run on after the throw")


def _rule_nested_event_subprocess(m: Model) -> Iterator[Problem]:
    for start in m.by_name("startEvent"):
        handler = start.getparent()
        if handler.get("triggeredByEvent") != "true" or local(handler.getparent()) == "process" \
                or start.get("isInterrupting", "true") != "false":
            continue  # interrupting ones run as boundary events (engine/implicit_constructs.py)
        # Message and signal ones start while their subprocess runs (engine/event_subprocesses.py).
        if _definitions(m, start, "conditionalEventDefinition"):
            yield start, "unsupported-nested-event-subprocess", (
                "a non-interrupting event subprocess inside a subprocess cannot start on a condition here: it would "
                "never be triggered (on a message or a signal it can, and at the top level of a process it can)")


def _rule_adhoc_content(m: Model) -> Iterator[Problem]:
    # engine/adhoc.py: performers start the activities without incoming flows; the rest follows flows.
    for adhoc in m.by_name("adHocSubProcess"):
        for node in adhoc:
            kind = local(node)
            if kind in ACTIVITIES and node.get("triggeredByEvent") == "true":
                yield node, "unsupported-adhoc-content", (
                    f"an event subprocess inside ad-hoc subprocess '{adhoc.get('id')}' is not supported")
            elif (kind in GATEWAYS or kind in EVENTS - {"boundaryEvent", "startEvent", "endEvent"}) \
                    and not m.incoming(node):  # start and end events break a constraint (adhoc-content)
                yield node, "unsupported-adhoc-content", (
                    f"a {kind} without an incoming flow inside ad-hoc subprocess '{adhoc.get('id')}': performers "
                    "start activities only, so it would never run")
        for node in adhoc.iter(f"{{{BPMN}}}compensateEventDefinition"):
            yield node.getparent(), "unsupported-adhoc-content", (
                f"compensation inside ad-hoc subprocess '{adhoc.get('id')}' is not supported")


RULES = (_rule_adhoc_content, _rule_quantity, _rule_interrupt_from_inside, _rule_nested_event_subprocess)


def unsupported(root: etree._Element) -> list[dict[str, Any]]:
    """What this engine would run wrongly, as `{"line", "element", "message"}` errors."""
    model = Model(root)
    return [{"line": el.sourceline, "element": model.element_id(el), "message": f"[{rule_id}] {message}"}
            for rule in RULES for el, rule_id, message in rule(model) if model.runs(el)]
