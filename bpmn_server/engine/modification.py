"""Process instance modification (Camunda's repair tool): move tokens by hand.

Instructions apply in order to a loaded workflow, before the engine runs it:

- `cancel ACTIVITY`: every live token on the activity ends (CANCELLED); an activity with boundary
  events ends with them, a subprocess or call activity with everything inside it.
- `start_before ACTIVITY`: a new token enters the activity. When the activity ran before and its branch
  has no live token left (it waits at a join, or it failed and was cancelled), that branch is started
  again from the activity (SpiffWorkflow's branch reset), so a join counts it once; otherwise a new token
  hangs from the workflow's completed root task, as a concurrent one.
- `start_after ACTIVITY`: a new token on the one outgoing sequence flow of the activity.

Only activities and events of the process itself (not inside subprocesses, multi-instance bodies, event
subprocesses or boundary events) can be started: anything else is refused naming the element. Nothing is
changed when any instruction is refused: the caller loads a fresh copy of the workflow for each try.
"""

from __future__ import annotations

from copy import deepcopy
from dataclasses import dataclass, field
from typing import Any
from uuid import uuid4

from SpiffWorkflow.bpmn.specs.control import BoundaryEventJoin, BoundaryEventSplit, _EndJoin
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import LoopTask
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.specs.Join import Join
from SpiffWorkflow.util.task import TaskState

from . import data

LIVE = TaskState.READY | TaskState.WAITING | TaskState.STARTED | TaskState.ERROR


@dataclass
class Outcome:
    """What a modification did: one entry per token moved, for the history."""

    cancelled: list[dict[str, str]] = field(default_factory=list)
    started: list[dict[str, str]] = field(default_factory=list)
    problems: list[dict[str, Any]] = field(default_factory=list)
    ends: bool = False  # no token is left and none was started: the instance ends (allow_end)
    failed_left: bool = False  # a failed task was not moved: the instance stays failed


def _activity(task: Any) -> str | None:
    return getattr(task.task_spec, "bpmn_id", None)


def _is_token(task: Any) -> bool:
    """A live task that is an activity or event of the diagram (not a join waiting for other branches)."""
    spec = task.task_spec
    return bool(task.state & LIVE) and _activity(task) is not None and not isinstance(spec, (Join, _EndJoin))


def _all_workflows(wf: BpmnWorkflow) -> list[Any]:
    return [wf, *wf.subprocesses.values()]


def _problem(element: str, message: str) -> dict[str, Any]:
    return {"element": element, "activity": element, "message": message}


def known_activities(wf: BpmnWorkflow) -> set[str]:
    """Every BPMN id of the process and its subprocesses."""
    found = set()
    for spec in [wf.spec, *wf.subprocess_specs.values()]:
        found.update(s.bpmn_id for s in spec.task_specs.values() if getattr(s, "bpmn_id", None))
    return found


def _cancel_task(wf: BpmnWorkflow, task: Any) -> None:
    # An activity with boundary events hangs under a split with its events: all end together.
    target = task.parent if isinstance(task.parent.task_spec, BoundaryEventSplit) else task
    for inner in list(target):
        if inner.id in wf.subprocesses:
            wf.cancel(wf.subprocesses[inner.id])
            wf.delete_subprocess(inner)
    if task.state == TaskState.ERROR:
        # A failed task counts as finished to SpiffWorkflow, whose cancel would leave it failed.
        task._set_state(TaskState.CANCELLED)
        task._drop_children(force=True)
    target.cancel()


def cancel(wf: BpmnWorkflow, activity: str, outcome: Outcome) -> None:
    found = [t for w in _all_workflows(wf) for t in w.get_tasks(state=LIVE) if _activity(t) == activity]
    if not found:
        outcome.problems.append(_problem(activity, "no token is on this activity"))
        return
    for task in found:
        if task.state & LIVE:  # an earlier cancel (of its subprocess) may have ended it already
            outcome.cancelled.append({"activity": activity, "task_id": str(task.id)})
            _cancel_task(wf, task)


def _startable(wf: BpmnWorkflow, activity: str) -> tuple[Any, str | None]:
    """The top-level spec of `activity`, or None and why it cannot be started."""
    spec = next((s for s in wf.spec.task_specs.values() if getattr(s, "bpmn_id", None) == activity), None)
    if spec is None:
        return None, "only activities of the process itself can be started (this one is inside a subprocess)"
    if isinstance(spec, LoopTask):
        return None, "a multi-instance activity cannot be started by hand"
    if any(isinstance(p, BoundaryEventSplit) for p in spec.inputs) and isinstance(spec, CatchingEvent):
        return None, "a boundary event cannot be started by hand; it belongs to its activity"
    if spec.name in (wf.spec.start.trigger_specs or []):
        return None, "an event subprocess starts when its event comes, not by hand"
    return spec, None


def _restartable(wf: BpmnWorkflow, spec: Any) -> Any:
    """A finished task of `spec` whose branch has no live token left, or None."""
    for task in wf.get_tasks(spec_name=spec.name):
        if task.state & (TaskState.COMPLETED | TaskState.CANCELLED) and not any(_is_token(t) for t in task):
            return task
    return None


def _rekey(task: Any) -> None:
    """Give a task that runs again a new id: its first run keeps its own (task rows, history refer to it)."""
    wf, old, new = task.workflow, task.id, uuid4()
    wf.tasks[new] = wf.tasks.pop(old)
    task.id = new
    siblings = task.parent._children
    siblings[siblings.index(old)] = new
    for child in task.children:
        child._parent = new


def start_before(wf: BpmnWorkflow, activity: str, variables: dict[str, Any], outcome: Outcome,
                 base: dict[str, Any]) -> None:
    """`base`: the instance's variables before the modification (a new token starts with them)."""
    spec, why = _startable(wf, activity)
    if spec is None:
        outcome.problems.append(_problem(activity, why or "cannot be started"))
        return
    if isinstance(spec.inputs[0] if spec.inputs else None, BoundaryEventSplit):
        spec = spec.inputs[0]  # the activity starts with its boundary events
    values = {**deepcopy(base), **deepcopy(variables)}
    earlier = _restartable(wf, spec)
    if earlier is not None and earlier.parent is not None:
        _rekey(earlier)
        earlier.reset_branch(deepcopy(values))
        task = earlier
    else:
        task = wf.task_tree._add_child(spec, TaskState.FUTURE)
        task.data = deepcopy(values)
        task._ready()
    # Becoming ready merges the parent's data over the task's: the given variables go in afterwards.
    task.data.update(values)
    outcome.started.append({"activity": activity, "task_id": str(task.id)})


def start_after(wf: BpmnWorkflow, activity: str, variables: dict[str, Any], outcome: Outcome,
                base: dict[str, Any]) -> None:
    spec, why = _startable(wf, activity)
    if spec is None:
        outcome.problems.append(_problem(activity, why or "cannot be started"))
        return
    nexts = [s for s in spec.outputs if not isinstance(s, BoundaryEventJoin)]
    if isinstance(spec.outputs[0] if spec.outputs else None, BoundaryEventJoin):
        nexts = spec.outputs[0].outputs
    nexts = [s for s in nexts if not isinstance(s, _EndJoin)]
    flows = [s for s in nexts if getattr(s, "bpmn_id", None)]
    if len(flows) != 1:
        outcome.problems.append(_problem(activity, f"start_after needs exactly one outgoing sequence flow; "
                                                   f"this activity has {len(flows)}: use start_before"))
        return
    start_before(wf, flows[0].bpmn_id, variables, outcome, base)


def modify(wf: BpmnWorkflow, instructions: list[dict[str, Any]], allow_end: bool) -> Outcome:
    """Apply the instructions in place. With problems, the workflow is to be thrown away."""
    outcome = Outcome()
    known = known_activities(wf)
    # Read before anything moves: reading them asks SpiffWorkflow whether the workflow is complete, and
    # its answer sticks (a workflow whose last token was just cancelled would stay "completed").
    base = data.merged(wf)
    for item in instructions:
        kind, activity = next((k, item[k]) for k in ("cancel", "start_before", "start_after") if k in item)
        if activity not in known:
            outcome.problems.append(_problem(activity, "no activity with this id in the process"))
            continue
        if kind == "cancel":
            cancel(wf, activity, outcome)
        elif kind == "start_before":
            start_before(wf, activity, item.get("variables") or {}, outcome, base)
        else:
            start_after(wf, activity, item.get("variables") or {}, outcome, base)
    if outcome.problems:
        return outcome
    outcome.failed_left = any(w.get_tasks(state=TaskState.ERROR) for w in _all_workflows(wf))
    if not any(_is_token(t) for w in _all_workflows(wf) for t in w.get_tasks(state=LIVE)):
        outcome.ends = True
        if not allow_end:
            outcome.problems.append(_problem(None, "no token would be left: the instance would end; "
                                                   "send \"allow_end\": true to end it"))
    return outcome
