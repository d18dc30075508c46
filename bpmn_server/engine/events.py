"""Inputs from outside the workflow: messages, signals, BPMN errors, external work, repairs.

Each function changes a loaded workflow in place; the caller (services/steps.advance) runs the
engine afterwards and persists the outcome. No SpiffWorkflow object leaves this module.
"""

from __future__ import annotations

from copy import deepcopy
from typing import Any

from SpiffWorkflow.bpmn import BpmnEvent
from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import (
    ErrorEventDefinition,
    EscalationEventDefinition,
    SignalEventDefinition,
)
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException, WorkflowException
from SpiffWorkflow.util.task import TaskState

from . import adhoc, camunda_runtime, data, event_subprocesses
from .facts import plain
from .message_events import VARIABLES, ServerMessageEventDefinition
from .runtime import find_task, step_failure

LIVE = TaskState.READY | TaskState.WAITING | TaskState.STARTED | TaskState.ERROR
KINDS = {"message": MessageEventDefinition, "signal": SignalEventDefinition}


def _definitions(task: Any) -> list[Any]:
    definition = task.task_spec.event_definition
    return list(getattr(definition, "event_definitions", None) or [definition])


def _waiting_definition(wf: BpmnWorkflow, kind: str, name: str) -> Any:
    """The event definition of a waiting catcher of message/signal `name`, or None."""
    for task in list(wf.event_manager.tasks.values()):
        if task.state != TaskState.WAITING:
            continue
        for definition in _definitions(task):
            if isinstance(definition, KINDS[kind]) and definition.name == name:
                return definition
    return None


def _payload(definition: Any, variables: dict[str, Any]) -> Any:
    variables = deepcopy(variables)
    if isinstance(definition, ServerMessageEventDefinition):
        return {VARIABLES: variables}
    if hasattr(definition, "result_var"):
        # A spec deployed before our message definition existed: Camunda's payload shape.
        return {"payload": variables, "result_var": definition.result_var}
    return variables


def _catch(wf: BpmnWorkflow, definition: Any, variables: dict[str, Any]) -> None:
    try:
        wf.catch(BpmnEvent(definition, _payload(definition, variables)))
    except (SpiffWorkflowException, WorkflowException) as exc:
        raise step_failure(exc) from None


def deliver(wf: BpmnWorkflow, kind: str, name: str, variables: dict[str, Any]) -> bool:
    """Deliver a message or signal with its variables to every waiting catcher of it. False if none waits."""
    definition = _waiting_definition(wf, kind, name)
    if definition is None:
        handler = event_subprocesses.find(wf, kind, name)
        if handler is None:
            return False
        if handler.interrupting:
            event_subprocesses.interrupt(wf)
        definition = handler.definition
    _catch(wf, definition, variables)
    return True


def set_variables(wf: BpmnWorkflow, values: dict[str, Any], unset: list[str]) -> None:
    """Repair data: set and remove variables in every live task (failed ones included), and in the
    last task of each branch waiting at a join (the join merges their data when it fires)."""
    for name in unset:
        wf.data.pop(name, None)
    targets = {task.id: task for task in wf.get_tasks(state=LIVE)}
    targets.update((task.id, task) for task in data.holders(wf))
    for task in targets.values():
        for name in unset:
            task.data.pop(name, None)
        task.data.update(deepcopy(values))


def retry(wf: BpmnWorkflow) -> int:
    """Make the failed tasks runnable again; the next engine run re-runs them. Returns how many."""
    failed = wf.get_tasks(state=TaskState.ERROR)
    for task in failed:
        task._set_state(TaskState.READY)
    adhoc.refresh(wf)  # a completionCondition that failed is evaluated again
    return len(failed)


def complete_external(wf: BpmnWorkflow, task_id: str, variables: dict[str, Any],
                      local: dict[str, Any] | None = None) -> bool:
    """Complete a READY external service task with the worker's variables (and local variables, for its output
    mapping only: engine/camunda_runtime.py); False if it is not one."""
    task = find_task(wf, task_id)
    if task is None or task.state != TaskState.READY or not getattr(task.task_spec, "external", False):
        return False
    task.data.update(deepcopy(variables))
    camunda_runtime.set_local(task, local or {})
    try:
        task.run()
    except (SpiffWorkflowException, WorkflowException) as exc:
        raise step_failure(exc) from None
    return True


def throw_error(wf: BpmnWorkflow, task_id: str, code: str, variables: dict[str, Any],
                escalation: bool = False, message: str | None = None) -> bool:
    """Throw a BPMN error (or escalation) `code` from a waiting task, as if the task had raised it.

    The nearest boundary event that catches the code handles it. False when nothing would catch it,
    so that the caller can refuse it rather than lose the token.
    """
    task = find_task(wf, task_id)
    if task is None or task.state != TaskState.READY:
        return False
    kind = EscalationEventDefinition if escalation else ErrorEventDefinition
    event = BpmnEvent(kind(code, code), payload=deepcopy(variables), target=task.workflow)
    event.event_definition.message = message  # for camunda:errorMessageVariable (engine/camunda_runtime.py)
    catchers = [t for t in wf.event_manager.tasks.values()
                if t.state == TaskState.WAITING and t.task_spec.catches(t, event)]
    if not catchers:
        return False
    try:
        wf.catch(event)
    except (SpiffWorkflowException, WorkflowException) as exc:
        raise step_failure(exc) from None
    return True


def thrown(wf: BpmnWorkflow) -> list[tuple[str, str, dict[str, Any]]]:
    """(kind, name, variables) of the messages and signals the workflow threw that none of its own catchers took.

    Takes them out of the workflow (SpiffWorkflow's `get_events`), so that each is relayed once; other
    uncaught events (escalations, errors) have no receiver outside the instance and are dropped. The variables
    are a message's payload when its payload expression gave an object (spiff-arena's messagePayload, the
    server's camunda:expression), or the variables a signal's camunda:in chose (Camunda 7's "Passing Variables");
    otherwise none: the thrower's data are not the receiver's business.
    """
    found = []
    for event in wf.get_events():
        for definition in _flatten(event.event_definition):
            kind = next((k for k, cls in KINDS.items() if isinstance(definition, cls)), None)
            # The variables leave the instance as JSON, as those of POST /api/messages or /api/signals arrive.
            if kind == "signal" and definition.name and getattr(event, camunda_runtime.PASSED, False):
                found.append((kind, definition.name, plain(event.payload or {})))  # its camunda:in variables
            elif kind is not None and definition.name:
                payload = event.payload if kind == "message" and isinstance(event.payload, dict) else {}
                value = payload.get("payload") if "result_var" in payload else None
                found.append((kind, definition.name, plain(value) if isinstance(value, dict) else {}))
    return found


def _flatten(definition: Any) -> list[Any]:
    return list(getattr(definition, "event_definitions", None) or [definition])


def throw_from_user_task(wf: BpmnWorkflow, task_id: str, code: str, variables: dict[str, Any],
                         escalation: bool = False) -> bool | None:
    """A BPMN error or escalation `code` reported on an open user task (Camunda's handleBpmnError and
    handleEscalation): the variables become the instance's, then the nearest catcher takes it (a boundary
    event of the task or an enclosing subprocess, or an event subprocess of the process). None: not an open
    user task; False: nothing catches it, and nothing changed."""
    task = find_task(wf, task_id)
    if task is None or task.state != TaskState.READY or not task.task_spec.manual \
            or getattr(task.task_spec, "external", False):
        return None
    kind = EscalationEventDefinition if escalation else ErrorEventDefinition
    definition = kind(code, code)
    event = BpmnEvent(definition, payload=deepcopy(variables), target=task.workflow)
    catchers = [t for t in wf.event_manager.tasks.values()
                if t.state == TaskState.WAITING and t.task_spec.catches(t, event)]
    handler = None if catchers else event_subprocesses.handler_for(wf, definition)
    if not catchers and handler is None:
        return False
    set_variables(wf, variables, [])
    if handler is not None and (not escalation or getattr(handler, "interrupting", True)):
        event_subprocesses.interrupt(wf)  # an error always interrupts; an escalation when its handler does
    try:
        wf.catch(event)
    except (SpiffWorkflowException, WorkflowException) as exc:
        raise step_failure(exc) from None
    return True


def fail_user_task(wf: BpmnWorkflow, task_id: str) -> str | None:
    """Put an open user task into the failed state (an uncaught BPMN error); its activity id, or None."""
    task = find_task(wf, task_id)
    if task is None or task.state != TaskState.READY:
        return None
    task._set_state(TaskState.ERROR)
    return getattr(task.task_spec, "bpmn_id", None)


def failed_user_tasks(wf: BpmnWorkflow) -> list[str]:
    """Ids of the user tasks in the failed state (a retry makes them open again)."""
    return [str(t.id) for t in wf.get_tasks(state=TaskState.ERROR) if t.task_spec.manual
            and not getattr(t.task_spec, "external", False)]
