"""Running compensation (engine/compensation.py): the handlers of a waiting throw, one after the other.

Kept apart from the specs so that the engine loop (engine/runtime.py) can drive it without importing them.
"""

from __future__ import annotations

from copy import deepcopy
from typing import Any
from uuid import UUID

from SpiffWorkflow.util.task import TaskState

STATE = "compensation"  # internal data of the throw task: {"pending": [[task id, handler]], "current": id}
DONE = "compensated"  # internal data of a compensated task
HANDLER_OF = "compensates"  # internal data of a handler task: {"task": id, "snapshot": variables}


def start_next(my_task: Any) -> None:
    state = my_task.internal_data[STATE]
    task_id, handler = state["pending"].pop(0)
    original = my_task.workflow.top_workflow.get_task_from_id(_uuid(task_id))
    spec = my_task.workflow.spec.task_specs[handler]
    child = my_task._add_child(spec, TaskState.LIKELY)
    child.triggered = True  # not one of the throw's outputs: SpiffWorkflow keeps it
    snapshot = deepcopy(original.data) if original is not None else deepcopy(my_task.data)
    child.internal_data[HANDLER_OF] = {"task": task_id, "snapshot": deepcopy(snapshot)}
    # The handler inherits its data from its parent, the throw: lend it the snapshot while it gets ready
    # (a handler subprocess copies it into its own workflow then).
    saved, my_task.data = my_task.data, snapshot
    try:
        # Not `_update`: that checks the spec's inputs, and a handler has none. A subprocess starts here.
        ready = spec._update_hook(child)
    finally:
        my_task.data = saved
    if ready:
        child._set_state(TaskState.READY)
    state["current"] = str(child.id)


def _uuid(value: str) -> Any:
    return UUID(value)


def _merge(my_task: Any, handler: Any) -> None:
    """What the handler changed (against its snapshot) becomes the variables of the throw."""
    snapshot = handler.internal_data.get(HANDLER_OF, {}).get("snapshot", {})
    for key, value in handler.data.items():
        if key not in snapshot or snapshot[key] != value:
            my_task.data[key] = deepcopy(value)


def advance(wf: Any) -> bool:
    """Move every waiting compensation on by one handler; True when something changed."""
    moved = False
    for task in wf.get_tasks(state=TaskState.STARTED):
        spec = task.task_spec
        if not hasattr(spec, "compensates") or STATE not in task.internal_data:
            continue
        current = task.internal_data[STATE]["current"]
        child = next((c for c in task.children if str(c.id) == current), None) if current else None
        if child is not None and child.state != TaskState.COMPLETED:
            continue
        if child is not None:
            _merge(task, child)
            # The handler ran on old variables; what it leaves must not flow into a join (SpiffWorkflow merges
            # the data of completed tasks there) and bring them back.
            child.data = deepcopy(task.data)
        result = spec.step(task)
        if result is True:
            task.complete()
        moved = True
    return moved


def compensated_activities(wf: Any, since: float = 0.0) -> list[tuple[str, str]]:
    """(task id, activity id) of every activity whose handler completed at or after `since`, in that order."""
    done = []
    handlers = [t for t in wf.get_tasks(state=TaskState.COMPLETED) if t.internal_data.get(HANDLER_OF)]
    for task in sorted(handlers, key=lambda t: t.last_state_change):
        info = task.internal_data[HANDLER_OF]
        if task.last_state_change >= since:
            original = wf.get_task_from_id(_uuid(info["task"]))
            if original is not None:
                done.append((info["task"], original.task_spec.bpmn_id))
    return done
