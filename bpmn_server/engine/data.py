"""The instance's data: which tasks hold it, and keeping it when the engine rebuilds tasks.

SpiffWorkflow keeps data per task: a task copies its parent's data when it becomes ready, and the
instance's variables are the data of its live tasks (and of the last completed task of a branch that
waits at a join), newest last. Several engine operations rebuild a task's data from its parent's copy,
which is stale once a repair, a task result or a script result went into the live task itself:

- a waiting event (timer, message, signal) re-inherits its parent's data each time the engine updates
  it, until it fires (`TaskSpec._update` merges the parent's data over the task's own);
- a join merges the data of the last task of each branch;
- a migration resets every READY and WAITING task onto the new spec (`Task.reset_branch`), and
- a cancel ends the workflow, whose data then come from its last completed task.

A repair therefore changes every task in `holders` (the parents at the frontier included), so no later
inheritance or join brings an old value back; `kept` (migration) and `cancel` keep the data as it was.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from copy import deepcopy
from typing import Any

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

LIVE = TaskState.NOT_FINISHED_MASK | TaskState.ERROR


def holders(wf: BpmnWorkflow) -> list[Any]:
    """The tasks whose data make the instance's variables, oldest change first (later ones win).

    Every unfinished task that holds data (the waiting ones, and after a failure the task that failed,
    ERROR, or still FUTURE when it failed while starting), and the completed last task of a parallel
    branch that reached a join (the waiting join holds none until it fires): the join merges its data.
    """
    live = [t for t in wf.get_tasks(state=LIVE) if t.data]
    live += [t for t in wf.get_tasks(state=TaskState.COMPLETED)
             if t.data and t.children and any(not c.has_state(TaskState.FINISHED_MASK) for c in t.children)]
    return sorted(live, key=lambda t: t.last_state_change)


def merged(wf: BpmnWorkflow) -> dict[str, Any]:
    """The instance's variables: the workflow data, overlaid by the data of its holders."""
    if wf.is_completed():
        result = dict(wf.data)
        if wf.last_task is not None:
            result.update(wf.last_task.data)
        return result
    result = dict(wf.data)
    for task in holders(wf):
        result.update(task.data)
    return result


@contextmanager
def kept(wf: BpmnWorkflow) -> Iterator[None]:
    """Tasks the body rebuilds (same id, reset from their parent) get back their data and their place
    in the order of changes, so the instance's variables are the same before and after."""
    saved = {task.id: (deepcopy(task.data), task.last_state_change)
             for task in wf.get_tasks(state=LIVE)}
    yield
    for task in wf.get_tasks(state=LIVE):
        before = saved.get(task.id)
        if before is not None:
            task.data, task.last_state_change = before


def cancel(wf: BpmnWorkflow) -> None:
    """End the workflow, keeping the variables it had as its final data (not its last task's copy)."""
    final = deepcopy(merged(wf))
    wf.cancel()
    wf.data = final
    wf.last_task = None
