"""Move a running workflow to another version of its process, with SpiffWorkflow's spec diff.

`SpecDiff` aligns the old version's task specs with the new one's: by BPMN id first, then by
position in the flow (so a task whose id was renamed between the same neighbours still maps).
A live token (a READY, WAITING, STARTED or failed task) on an activity that has no counterpart
cannot move: the migration is refused, naming those activities. Finished tasks of removed activities
are cut out of the task tree (their children hang from their parent instead): they are history,
and the history table keeps them. Predicted tasks of removed activities are dropped.
"""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.util.diff import diff_workflow, migrate_workflow
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from . import adhoc, data, runtime

LIVE = TaskState.READY | TaskState.WAITING | TaskState.STARTED | TaskState.ERROR


def _activity(task: Any) -> str:
    return getattr(task.task_spec, "bpmn_id", None) or task.task_spec.name


def _live_in(workflow: Any) -> list[Any]:
    return [t for t in workflow.tasks.values() if t.state & LIVE]


def _check(wf: BpmnWorkflow, top: Any, subs: dict[Any, Any]) -> list[dict[str, Any]]:
    problems = []
    for task in top.removed:
        if task.state & LIVE:
            problems.append({"activity": _activity(task), "element": _activity(task),
                             "message": "a token waits here and the new version has no matching activity"})
    for sp_id, diff in subs.items():
        sp = wf.subprocesses[sp_id]
        if diff is None:
            if _live_in(sp):
                problems.append({"activity": sp.spec.name, "element": sp.spec.name,
                                 "message": "a token is inside this subprocess, which the new version no longer has"})
            continue
        for task in diff.removed:
            if task.state & LIVE:
                problems.append({"activity": _activity(task), "element": _activity(task),
                                 "message": "a token waits here and the new version has no matching activity"})
    return problems


def _prune(workflow: Any) -> None:
    """Cut tasks whose spec is not in the workflow's (new) spec out of its task tree."""
    specs = workflow.spec.task_specs
    for task in list(workflow.tasks.values()):
        if task.id not in workflow.tasks or specs.get(task.task_spec.name) is task.task_spec:
            continue
        parent = workflow.tasks.get(task._parent) if task._parent is not None else None
        if parent is None:
            continue
        at = parent._children.index(task.id)
        if task.state & TaskState.PREDICTED_MASK:
            parent._children.pop(at)
            for gone in list(task):
                workflow.tasks.pop(gone.id, None)
        else:
            parent._children[at:at + 1] = task._children
            for child_id in task._children:
                workflow.tasks[child_id]._parent = parent.id
            workflow.tasks.pop(task.id, None)
    if workflow.last_task is not None and workflow.last_task.id not in workflow.tasks:
        workflow.last_task = None


def migrate(wf: BpmnWorkflow, bundle: runtime.Bundle) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """Move `wf` (in place) onto `bundle`'s spec.

    Returns (problems, renamed): when problems is not empty nothing was changed; `renamed` maps
    old to new activity ids of live tokens that moved to an activity with another id.
    """
    started = adhoc.started_in(wf)
    if started:  # its tokens hang where no flow leads: SpiffWorkflow's diff cannot align them
        return [{"activity": a, "element": a, "message": "an instance whose ad-hoc subprocess has run cannot be "
                 "migrated; let it finish on its version"} for a in started], {}
    top, subs = diff_workflow(runtime.REGISTRY, wf, bundle.spec, bundle.subprocess_specs)
    problems = _check(wf, top, subs)
    if problems:
        return problems, {}
    renamed = {}
    for diff in [top, *[d for d in subs.values() if d is not None]]:
        for task, spec in diff.alignment.items():
            if task.state & LIVE and spec is not None and _activity(task) != (spec.bpmn_id or spec.name):
                renamed[_activity(task)] = spec.bpmn_id or spec.name
    # SpiffWorkflow resets each waiting task from its parent's copy of the data; `kept` gives it back its
    # own (repairs, task and script results went there), so the instance's variables do not change.
    with data.kept(wf):
        for sp_id, diff in subs.items():
            sp = wf.subprocesses[sp_id]
            if diff is None:
                del wf.subprocesses[sp_id]  # finished, and gone from the new version
                continue
            migrate_workflow(diff, sp, bundle.subprocess_specs[sp.spec.name])
            _prune(sp)
        migrate_workflow(top, wf, bundle.spec)
        _prune(wf)
    wf.subprocess_specs = bundle.subprocess_specs
    return [], renamed
