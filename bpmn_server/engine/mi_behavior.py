"""Multi-instance behaviour events (BPMN 2.0 10.3.8, `behavior` of multiInstanceLoopCharacteristics).

- `All` (the default): no event.
- `None`: the event `noneBehaviorEventRef` names is thrown each time an instance completes.
- `One`: the event `oneBehaviorEventRef` names is thrown when the first instance completes.
- `Complex`: each `complexBehaviorDefinition` is checked when an instance completes: when its condition holds,
  its event (if any) is thrown, the remaining instances are cancelled and the activity completes.

SpiffWorkflow reads none of this. At deploy, `read` collects each activity's behaviour from the (translated)
tree and `attach` stores it in the multi-instance spec's `extensions` (serialized with it); `after_instance`,
called by our multi-instance specs (engine/multiinstance.py) when an instance completes, throws. The event is
meant for the activity's own boundary events (the modeler draws a catching boundary event on the activity):
those take it without interrupting it, which is the point of an event per instance (an interrupting catch
would end the activity at the first one); each starts its outgoing path as a token of its own. Everyone
else waiting for the event (a signal's other catchers, other instances through the relay) gets it as from
a throw event. Signals, messages and escalations can be thrown; other kinds are refused at deploy
(`problems`).
"""

from __future__ import annotations

from copy import deepcopy
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.specs.control import BoundaryEventJoin, BoundaryEventSplit
from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import (
    EscalationEventDefinition,
    SignalEventDefinition,
)
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import BoundaryEvent
from SpiffWorkflow.util.task import TaskState

from .specs import ServerMessageEventDefinition

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
KEY = "mi_behavior"
KINDS = ("signalEventDefinition", "messageEventDefinition", "escalationEventDefinition")
ONE_THROWN = "mi_one_thrown"


def _local(el: Any) -> str:
    return etree.QName(el.tag).localname if isinstance(el.tag, str) else ""


def _event_definition(mi: etree._Element, ids: dict[str, Any], ref: str | None, event: Any) -> Any:
    """The event definition an attribute ref or a complexBehaviorDefinition's `event` names (None if none)."""
    if ref:
        return ids.get(ref.split(":")[-1])
    if event is None:
        return None
    for child in event:
        if _local(child).endswith("EventDefinition"):
            return child
        if _local(child) == "eventDefinitionRef" and child.text:
            return ids.get(child.text.strip().split(":")[-1])
    return None


def _events(mi: etree._Element, ids: dict[str, Any]) -> list[tuple[str | None, Any]]:
    """(condition text or None, event definition element or None) per event the behaviour throws."""
    behavior = mi.get("behavior", "All")
    if behavior in ("None", "One"):
        ref = mi.get(f"{behavior.lower()}BehaviorEventRef")
        return [(None, _event_definition(mi, ids, ref, None))] if ref else []
    if behavior == "Complex":
        found = []
        for definition in mi.findall(f"{{{BPMN}}}complexBehaviorDefinition"):
            condition = definition.find(f"{{{BPMN}}}condition")
            text = (condition.text or "").strip() if condition is not None else ""
            found.append((text or "False", _event_definition(mi, ids, None, definition.find(f"{{{BPMN}}}event"))))
        return found
    return []


def problems(root: etree._Element) -> list[dict[str, Any]]:
    """Behaviour events this engine cannot throw (a kind other than signal, message, escalation, or a ref to
    nothing), naming the activity."""
    ids = {el.get("id"): el for el in root.iter() if isinstance(el.tag, str) and el.get("id")}
    found = []
    for mi in root.iter(f"{{{BPMN}}}multiInstanceLoopCharacteristics"):
        activity = mi.getparent()
        for _condition, definition in _events(mi, ids):
            if definition is None and mi.get("behavior") in ("None", "One"):
                message = f"{mi.get('behavior').lower()}BehaviorEventRef does not name an event definition"
            elif definition is not None and _local(definition) not in KINDS:
                message = (f"a multi-instance behaviour event can be a signal, a message or an escalation, "
                           f"not a {_local(definition)}")
            else:
                continue
            found.append({"line": mi.sourceline, "element": activity.get("id"),
                          "message": f"[unsupported-mi-behavior-event] {message}"})
    return found


def read(tree: etree._Element) -> dict[str, dict[str, Any]]:
    """Per multi-instance activity id with events to throw: {"behavior", "events": [{condition, kind, name,
    code}]} (names resolved from the signal, message and escalation elements)."""
    ids = {el.get("id"): el for el in tree.iter() if isinstance(el.tag, str) and el.get("id")}
    result: dict[str, dict[str, Any]] = {}
    for mi in tree.iter(f"{{{BPMN}}}multiInstanceLoopCharacteristics"):
        behavior = mi.get("behavior", "All")
        events = []
        for condition, definition in _events(mi, ids):
            entry: dict[str, Any] = {"condition": condition, "kind": None, "name": None, "code": None}
            if definition is not None:
                kind = _local(definition).replace("EventDefinition", "")
                ref = ids.get(definition.get(f"{kind}Ref") or "")
                entry.update(kind=kind, name=(ref.get("name") or ref.get("id")) if ref is not None else None,
                             code=ref.get("escalationCode") if ref is not None else None)
            events.append(entry)
        if events:
            result[mi.getparent().get("id")] = {"behavior": behavior, "events": events}
    return result


def attach(specs: list[Any], found: dict[str, dict[str, Any]]) -> None:
    """Store each activity's behaviour in the `extensions` of its multi-instance spec."""
    for spec in specs:
        for task_spec in spec.task_specs.values():
            behavior = found.get(getattr(task_spec, "bpmn_id", None) or "")
            if behavior and isinstance(getattr(task_spec, "task_spec", None), str):
                extensions = getattr(task_spec, "extensions", None)
                task_spec.extensions = {**(extensions if isinstance(extensions, dict) else {}), KEY: behavior}


def _definition(entry: dict[str, Any]) -> Any:
    if entry["kind"] == "signal":
        return SignalEventDefinition(entry["name"])
    if entry["kind"] == "message":
        return ServerMessageEventDefinition(entry["name"], {}, None, None)
    return EscalationEventDefinition(entry["name"] or "escalation", entry["code"])


def _catches(caught: Any, thrown: Any) -> bool:
    if isinstance(thrown, SignalEventDefinition):
        return isinstance(caught, SignalEventDefinition) and caught.name == thrown.name
    if isinstance(thrown, MessageEventDefinition):
        return isinstance(caught, MessageEventDefinition) and caught.name == thrown.name
    return isinstance(caught, EscalationEventDefinition) and caught.code in (None, thrown.code)


def _throw(my_task: Any, child: Any, entry: dict[str, Any]) -> None:
    if entry["kind"] is None:
        return
    thrown = _definition(entry)
    split = my_task.parent
    own = [b for b in (split.children if isinstance(split.task_spec, BoundaryEventSplit) else [])
           if isinstance(b.task_spec, BoundaryEvent) and b.state == TaskState.WAITING
           and _catches(b.task_spec.event_definition, thrown)]
    root = my_task.workflow.task_tree
    for boundary in own:  # its outgoing path starts as a token of its own; the activity runs on
        for spec in boundary.task_spec.outputs:
            if isinstance(spec, BoundaryEventJoin):
                continue
            token = root._add_child(spec, TaskState.FUTURE)
            spec._predict(token, mask=TaskState.NOT_FINISHED_MASK)
            token._ready()
            token.data = deepcopy(child.data)
    # The boundary events that took it are no catchers of the throw below, for a moment.
    catchers = my_task.workflow.top_workflow.event_manager.tasks
    hidden = {key: task for key, task in catchers.items() if task in own}
    for key in hidden:
        del catchers[key]
    try:
        thrown.throw(child)
    finally:
        catchers.update(hidden)


def after_instance(spec: Any, child: Any) -> None:
    """An instance `child` of multi-instance `spec` completed: throw what its behaviour says."""
    behavior = (getattr(spec, "extensions", None) or {}).get(KEY)
    my_task = child.parent
    if not behavior or my_task is None or my_task.has_state(TaskState.FINISHED_MASK):
        return
    if behavior["behavior"] == "None":
        for entry in behavior["events"]:
            _throw(my_task, child, entry)
    elif behavior["behavior"] == "One":
        if not my_task.internal_data.get(ONE_THROWN):
            my_task.internal_data[ONE_THROWN] = True
            for entry in behavior["events"]:
                _throw(my_task, child, entry)
    elif behavior["behavior"] == "Complex":
        for entry in behavior["events"]:
            if my_task.workflow.script_engine.evaluate(child, entry["condition"]):
                _throw(my_task, child, entry)
                for other in my_task.children:
                    if other.task_spec.name == spec.task_spec and not other.has_state(TaskState.FINISHED_MASK):
                        other.cancel()
                my_task._set_state(TaskState.READY)  # the activity completes: a token goes on
                return
