"""Event subprocesses started by a message or a signal, at the top level of a process.

SpiffWorkflow starts such a handler when its workflow catches the event (`update_collaboration`), but keeps no
waiting task for it, so the server saw nothing to subscribe to, and it never interrupts the process for an
interrupting one. Here: `starts` lists the handlers' start events while the process can still be interrupted
(facts.py makes them waiting events, hence subscription rows, so `POST /api/messages`, `/api/signals`, the relay
and the Camunda layer find them); `find` gives the event definition to deliver; `interrupt` cancels everything
the process is doing (its main flow and handlers already running) before an interrupting handler starts, after
which the process waits for no other handler. Handlers inside a subprocess are rewritten at deploy into boundary
events (engine/implicit_constructs.py) and are ordinary waiting catchers.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from copy import deepcopy
from dataclasses import dataclass
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import SignalEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.util.event import EventManager
from SpiffWorkflow.util.task import TaskState

INTERRUPTED = "server_interrupted"  # internal data of the workflow's root task: an interrupting handler started
KINDS = {"message": MessageEventDefinition, "signal": SignalEventDefinition}


@dataclass
class HandlerStart:
    id: str  # stable per instance and start event: the subscription rows' task id
    kind: str
    name: str
    activity: str
    interrupting: bool
    definition: Any
    scope: Any = None  # the running subprocess (a SpiffWorkflow sub-workflow) of a nested handler; None: the process
    spec_name: str = ""


def _flatten(definition: Any) -> list[Any]:
    return list(getattr(definition, "event_definitions", None) or [definition])


def starts(wf: Any) -> Iterator[HandlerStart]:
    """The message and signal start events of the event subprocesses that can fire now: the process's, and the
    non-interrupting ones of each subprocess running now (nested)."""
    if wf.is_completed() or wf.task_tree.internal_data.get(INTERRUPTED):
        return
    yield from _handlers(wf, wf, None)
    for task_id, sub in list(wf.subprocesses.items()):
        task = wf.get_task_from_id(task_id)
        if sub.spec.start.trigger_specs and not sub.is_completed() and task is not None \
                and task.state == TaskState.STARTED:  # a subprocess (or a called process), running
            # Interrupting ones inside a subprocess were rewritten into boundary events at deploy
            # (engine/implicit_constructs.py).
            yield from (h for h in _handlers(wf, sub, sub) if not h.interrupting)


def _handlers(wf: Any, owner: Any, scope: Any) -> Iterator[HandlerStart]:
    for spec_name in owner.spec.start.trigger_specs:
        sub_spec = wf.subprocess_specs.get(spec_name)
        for start in getattr(sub_spec, "bpmn_start_events", []):
            for definition in _flatten(start.event_definition):
                kind = next((k for k, cls in KINDS.items() if isinstance(definition, cls)), None)
                if kind is None or not definition.name:
                    continue
                yield HandlerStart(str(uuid.uuid5(owner.task_tree.id, start.bpmn_id)), kind, definition.name,
                                   start.bpmn_id, getattr(start, "interrupting", True), definition, scope, spec_name)


class ServerEventManager(EventManager):
    """SpiffWorkflow's event manager, which starts the process's own event subprocesses for an event caught by
    the process (`update_collaboration`); this one also starts the non-interrupting event subprocesses of the
    subprocesses running now, so that the event is caught by their start events too: a message or signal from
    outside (the API) and one thrown inside the instance alike."""

    def update_collaboration(self, event: Any) -> None:
        super().update_collaboration(event)
        wf = self.workflow
        for handler in list(starts(wf)):
            if handler.scope is not None and handler.definition == event.event_definition:
                _start_nested(wf, handler)


def arm_nested(wf: Any) -> None:
    """Give a new or loaded workflow the event manager that starts nested event subprocesses."""
    manager = ServerEventManager(wf)
    manager.tasks = wf.event_manager.tasks
    wf.event_manager = manager


def _start_nested(wf: Any, handler: HandlerStart) -> None:
    """Start the nested event subprocess of `handler` in its running subprocess, unless one waits there already,
    as SpiffWorkflow does for the process's own: its start event then waits, and the event being caught reaches
    it."""
    sub = handler.scope
    for candidate in wf.subprocesses.values():
        if candidate.parent_workflow is sub and \
                candidate.get_next_task(state=TaskState.WAITING, spec_name=handler.activity) is not None:
            return
    # The handler starts with the subprocess's variables as they are now (SpiffWorkflow would give it the data
    # the subprocess started with): those of the task that changed last.
    done = [t for t in sub.get_tasks() if t.state in (TaskState.READY, TaskState.WAITING, TaskState.STARTED,
                                                       TaskState.COMPLETED) and t is not sub.task_tree]
    if done:
        sub.task_tree.data.update(deepcopy(max(done, key=lambda t: t.last_state_change).data))
    sub.spec.start.trigger_wf(sub.task_tree, handler.spec_name)


def find(wf: Any, kind: str, name: str) -> HandlerStart | None:
    return next((s for s in starts(wf) if s.kind == kind and s.name == name), None)


def interrupt(wf: Any) -> None:
    """Cancel what the process is doing before an interrupting event subprocess starts."""
    root = wf.task_tree
    for child in list(root.children):
        child.cancel()
    root.internal_data[INTERRUPTED] = True


def handler_for(wf: Any, definition: Any) -> Any:
    """The start event spec of a top-level event subprocess that catches `definition` (an error or escalation
    thrown from a task), while the process can still be interrupted; None otherwise."""
    if wf.is_completed() or wf.task_tree.internal_data.get(INTERRUPTED):
        return None
    for spec_name in wf.spec.start.trigger_specs:
        for start in getattr(wf.subprocess_specs.get(spec_name), "bpmn_start_events", []):
            if any(d == definition for d in _flatten(start.event_definition)):
                return start
    return None


MERGED = "server_merged"  # internal data of a finished handler task: its variables went back to the process
_MISSING = object()


def merge_finished(wf: Any) -> None:
    """Variables an event subprocess set (its message's, its tasks', its scripts'), at the top level or in a
    subprocess, become the process's when it ends, as Camunda's process variables: SpiffWorkflow keeps them in
    the handler's own copy of the data, which nothing reads once it has ended. Only what the handler changed is
    copied, so values the process changed meanwhile are kept."""
    from .events import set_variables  # events imports this module

    for owner in [wf, *wf.subprocesses.values()]:  # the process's handlers, and those nested in subprocesses
        if owner.spec.start.trigger_specs:
            _merge_handlers(wf, owner, set_variables)


def _merge_handlers(wf: Any, owner: Any, set_variables: Any) -> None:
    handlers = {id(owner.spec.task_specs.get(name)) for name in owner.spec.start.trigger_specs}
    for task in list(owner.task_tree.children):
        if id(task.task_spec) not in handlers or not task.has_state(TaskState.COMPLETED) \
                or task.internal_data.get(MERGED):
            continue
        task.internal_data[MERGED] = True
        before = _start_data(wf, task)
        changed = {k: v for k, v in task.data.items() if before.get(k, _MISSING) != v}
        removed = [k for k in before if k not in task.data]
        if changed or removed:
            set_variables(wf, changed, removed)
            wf.data.update(deepcopy(changed))


def _start_data(wf: Any, task: Any) -> dict[str, Any]:
    """The data the handler started with (before its start event caught the event)."""
    sub = wf.subprocesses.get(task.id)
    if sub is None:
        return {}
    start = sub.get_next_task(spec_name="Start")
    if start is None:
        found = [t for t in sub.get_tasks() if t.task_spec.name == "Start"]
        start = found[0] if found else None
    return dict(start.data) if start is not None else {}
