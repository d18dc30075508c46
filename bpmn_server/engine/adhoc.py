"""Ad-hoc subprocesses (BPMN 2.0 10.3.5.3): the performers choose which inner activities run, and when.

SpiffWorkflow's own reading runs every unconnected activity once at the start and cannot run `ordering=
"Sequential"`; here the subprocess waits for its performers instead:

- Deploy: `AdHocScopeParser` parses the subprocess into a workflow spec of its own: Start -> a hub
  (`AdHocHub`) -> End. Each inner activity without an incoming sequence flow is *enabled* (the hub lists the
  spec to start for it: the activity, or the split in front of it when it has boundary events); what follows
  it by sequence flows runs as usual; every path that ends goes to End. The hub holds `ordering`, the
  `completionCondition` and `cancelRemainingInstances`.
- Run: the hub waits. `start` adds a token for an enabled activity (any number of times; with Sequential
  ordering only while no other inner activity runs), on a copy of the subprocess's variables. Each time an
  inner activity completes, the hub merges what it left into the subprocess's variables and evaluates the
  completionCondition; when it holds (or, without a condition, when a performer completes the subprocess
  through `complete`), the hub completes: with `cancelRemainingInstances` (the default) the activities still
  running are cancelled, otherwise End waits for them. End then completes the subprocess with the hub's
  variables.
Everything is in the task tree and the hub's internal data, so a saved instance resumes where it was.
"""

from __future__ import annotations

import time
from copy import deepcopy
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.parser.ProcessParser import ProcessParser
from SpiffWorkflow.bpmn.serializer.default.task_spec import BpmnTaskSpecConverter
from SpiffWorkflow.bpmn.specs.bpmn_task_spec import BpmnTaskSpec
from SpiffWorkflow.bpmn.specs.control import BoundaryEventJoin
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import LoopTask
from SpiffWorkflow.util.task import TaskState

from ..exceptions import Conflict, NotFound
from . import runtime

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
DONE = "adhoc_done"  # hub internal data: the subprocess is complete (condition held, or completed by hand)
SEEN = "adhoc_seen"  # hub internal data: ids of the inner tasks whose variables were merged
LIVE = TaskState.READY | TaskState.WAITING | TaskState.STARTED | TaskState.ERROR
SUFFIX = ".AdHoc"
BASE = "adhoc_base"  # internal data of a started activity's task: the variables it started with


class AdHocHub(BpmnTaskSpec):
    """The waiting heart of an ad-hoc subprocess's workflow (see the module's docstring)."""

    def __init__(self, wf_spec: Any, name: str, ordering: str = "Parallel", condition: str | None = None,
                 cancel_remaining: bool = True, enabled: dict[str, str] | None = None, **kwargs: Any):
        super().__init__(wf_spec, name, **kwargs)
        self.ordering = ordering
        self.condition = condition
        self.cancel_remaining = cancel_remaining
        self.enabled = dict(enabled or {})  # activity id -> name of the spec a start adds

    def _update_hook(self, my_task: Any) -> bool:
        if my_task.state != TaskState.WAITING:  # just reached from Start: the subprocess's variables
            my_task._inherit_data()
        absorb(my_task)
        if not my_task.internal_data.get(DONE):
            my_task._set_state(TaskState.WAITING)
            return False
        if self.cancel_remaining:  # at once: nothing that follows inside runs after the condition held
            for task in busy(my_task):
                if task.state & LIVE:  # cancelling one may have ended another already
                    task.cancel()
        return True


def _inner(task: Any, hub: Any) -> bool:
    """A task of one of the subprocess's own activities (not the hub, a join or one multi-instance turn)."""
    spec = task.task_spec
    return (task is not hub and getattr(spec, "bpmn_id", None) is not None
            and not (task.parent is not None and isinstance(task.parent.task_spec, LoopTask)))


def busy(hub: Any) -> list[Any]:
    """The inner tasks that run or wait (the activities in progress), oldest branch first."""
    return [t for t in hub.workflow.get_tasks(state=LIVE, skip_subprocesses=True) if _inner(t, hub)]


def absorb(hub: Any) -> None:
    """Merge what inner activities completed since the last look into the subprocess's variables (the hub's
    data), in order of completion, evaluating the completionCondition after each."""
    seen = set(hub.internal_data.get(SEEN, []))
    done = [t for t in hub.workflow.get_tasks(state=TaskState.COMPLETED, skip_subprocesses=True)
            if _inner(t, hub) and str(t.id) not in seen]
    for task in sorted(done, key=lambda t: t.last_state_change):
        seen.add(str(task.id))
        base = _base(task)  # only what the branch changed: its copy of the rest may be stale by now
        hub.data.update(deepcopy({k: v for k, v in task.data.items() if k not in base or base[k] != v}))
        if hub.task_spec.condition and not hub.internal_data.get(DONE) and _holds(hub):
            hub.internal_data[DONE] = True
    if done:  # the instance's variables: the hub's data is now the newest (engine/data.py)
        hub.last_state_change = time.time()
    hub.internal_data[SEEN] = sorted(seen)


def _holds(hub: Any) -> bool:
    """The completionCondition on the subprocess's variables. A failure is the ad-hoc subprocess's incident;
    what completed stays unmerged until a retry (`refresh`) evaluates it again."""
    try:
        return bool(hub.workflow.script_engine.evaluate(hub, hub.task_spec.condition))
    except Exception as exc:  # noqa: BLE001 - any failure of the expression is the subprocess's failure
        scope = hub.workflow.top_workflow.get_task_from_id(hub.workflow.parent_task_id)
        raise WorkflowTaskException(f"the completionCondition of ad-hoc subprocess "
                                    f"'{scope.task_spec.bpmn_id}' failed: {exc}", task=scope) from None


def refresh(wf: Any) -> None:
    """Evaluate the completionCondition of every open ad-hoc subprocess again (a retry after a repair)."""
    for _task, hub in open_scopes(wf):
        hub.task_spec._update(hub)


def _base(task: Any) -> dict[str, Any]:
    """The variables the branch of `task` started with (kept by `start` on the branch's first task)."""
    while task.parent is not None and task.parent.parent is not None:
        task = task.parent
    return task.internal_data.get(BASE, {})


class AdHocScopeParser(ProcessParser):
    """Parses an adHocSubProcess element into its own workflow spec (the hub's; see the module's docstring)."""

    def add_tasks(self) -> None:
        targets = {f.get("targetRef") for f in self.node.findall(f"{{{BPMN}}}sequenceFlow")}
        enabled: dict[str, str] = {}
        for node in self.node:
            if not isinstance(node.tag, str) or etree.QName(node.tag).localname in ("boundaryEvent",) \
                    or self.parser._get_parser_class(node.tag)[0] is None or node.get("id") in targets:
                continue
            spec = self.parse_node(node)
            enabled[node.get("id")] = spec.name
        self.data_stores, self.correlation_keys = {}, {}
        condition = self.node.find(f"{{{BPMN}}}completionCondition")
        hub = AdHocHub(self.spec, f"{self.bpmn_id}{SUFFIX}",
                       ordering="Sequential" if (self.node.get("ordering") or "").lower() == "sequential"
                       else "Parallel",
                       condition=(condition.text or "").strip() or None if condition is not None else None,
                       cancel_remaining=(self.node.get("cancelRemainingInstances") or "true").strip() != "false",
                       enabled=enabled)
        self.spec.start.connect(hub)
        hub.connect(self.spec.end)
        for name in enabled.values():  # started from the hub by a performer, not by a flow (one way only)
            self.spec.task_specs[name]._inputs.append(hub.name)
        turns = {s.task_spec for s in self.spec.task_specs.values() if isinstance(s, LoopTask)}
        for spec in list(self.spec.task_specs.values()):
            ours = getattr(spec, "bpmn_id", None) is not None or isinstance(spec, BoundaryEventJoin)
            if ours and spec.name not in turns and not spec.outputs:
                spec.connect(self.spec.end)  # a path that ends, ends the token (no end events inside)


def _hub_of(sub: Any) -> Any:
    waiting = sub.get_tasks(state=TaskState.WAITING, skip_subprocesses=True)  # its own, not a nested one's
    return next((t for t in waiting if isinstance(t.task_spec, AdHocHub)), None)


def open_scopes(wf: Any) -> list[tuple[Any, Any]]:
    """(subprocess task, hub task) of every ad-hoc subprocess waiting for its performers."""
    found = []
    for parent_id, sub in wf.subprocesses.items():
        hub = _hub_of(sub)
        if hub is not None and not hub.internal_data.get(DONE):
            found.append((wf.get_task_from_id(parent_id), hub))
    return found


def started_in(wf: Any) -> list[str]:
    """The ad-hoc subprocesses of a workflow that have run (open or not), by id."""
    return sorted({sub.spec.name for sub in wf.subprocesses.values()
                   if any(isinstance(s, AdHocHub) for s in sub.spec.task_specs.values())})


def describe(wf: Any, names: dict[str, str]) -> list[dict[str, Any]]:
    """What a performer can do: per open ad-hoc subprocess, its enabled activities and those in progress."""
    items = []
    for task, hub in open_scopes(wf):
        spec = hub.task_spec
        active = sorted({t.task_spec.bpmn_id for t in busy(hub)})
        blocked = spec.ordering == "Sequential" and bool(active)
        items.append({"activity": task.task_spec.bpmn_id, "scope": str(task.id),
                      "name": names.get(task.task_spec.bpmn_id), "ordering": spec.ordering,
                      "completion_condition": spec.condition is not None,
                      "cancel_remaining_instances": spec.cancel_remaining,
                      "enabled": [] if blocked else [{"activity": a, "name": names.get(a)} for a in spec.enabled],
                      "active": active, "completable": spec.condition is None})
    return items


def _find(wf: Any, adhoc: str | None, activity: str | None, scope: str | None) -> tuple[Any, Any]:
    """The (subprocess task, hub) meant: by the ad-hoc subprocess's id or by an activity it enables."""
    found = [(t, h) for t, h in open_scopes(wf)
             if (adhoc is None or t.task_spec.bpmn_id == adhoc)
             and (activity is None or activity in h.task_spec.enabled)
             and (scope is None or str(t.id) == scope)]
    if not found:
        what = f"activity '{activity}'" if activity else f"ad-hoc subprocess '{adhoc}'"
        raise NotFound(f"no open ad-hoc subprocess of this instance offers {what}" if activity
                       else f"{what} is not open in this instance")
    if len(found) > 1:
        raise Conflict("several ad-hoc subprocesses are open here: name the one meant with `scope` "
                       f"(one of {', '.join(str(t.id) for t, _ in found)})")
    return found[0]


def start(wf: Any, activity: str, variables: dict[str, Any], scope: str | None = None) -> dict[str, str]:
    """Start enabled `activity` of an open ad-hoc subprocess on a copy of its variables (plus `variables`)."""
    task, hub = _find(wf, None, activity, scope)
    spec = hub.task_spec
    running = busy(hub)
    if spec.ordering == "Sequential" and running:
        names = ", ".join(sorted({t.task_spec.bpmn_id for t in running}))
        raise Conflict(f"ad-hoc subprocess '{task.task_spec.bpmn_id}' runs its activities one at a time "
                       f"(ordering Sequential) and '{names}' has not completed")
    sub = hub.workflow
    target = sub.spec.task_specs[spec.enabled[activity]]
    start_task = next(t for t in sub.get_tasks(spec_name=sub.spec.start.name, skip_subprocesses=True))
    token = start_task._add_child(target, TaskState.FUTURE)
    target._predict(token, mask=TaskState.NOT_FINISHED_MASK)  # the tasks its flows lead to
    token._ready()
    token.data = {**deepcopy(hub.data), **deepcopy(variables)}  # after _ready, which inherits Start's
    token.internal_data[BASE] = deepcopy(hub.data)
    return {"activity": activity, "adhoc": task.task_spec.bpmn_id, "task_id": str(token.id)}


def complete(wf: Any, adhoc: str, scope: str | None = None) -> dict[str, str]:
    """A performer ends an ad-hoc subprocess without a completionCondition."""
    task, hub = _find(wf, adhoc, None, scope)
    if hub.task_spec.condition is not None:
        raise Conflict(f"ad-hoc subprocess '{adhoc}' completes when its completionCondition holds, not by hand")
    hub.internal_data[DONE] = True
    hub.task_spec._update(hub)
    return {"adhoc": adhoc, "task_id": str(task.id)}


class _HubConverter(BpmnTaskSpecConverter):
    def to_dict(self, spec: AdHocHub) -> dict[str, Any]:
        dct = self.get_default_attributes(spec)
        dct.update(ordering=spec.ordering, condition=spec.condition, cancel_remaining=spec.cancel_remaining,
                   enabled=dict(spec.enabled))
        return dct


_HubConverter(AdHocHub, runtime.REGISTRY, "AdHocHub")
