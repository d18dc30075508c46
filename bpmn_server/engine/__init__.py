"""The engine adapter: the only package that imports SpiffWorkflow.

Services call the functions below and handle workflows as opaque objects. Facts come back as
plain dataclasses (see `facts.py`).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from . import facts as _facts
from . import runtime as _runtime
from . import sandbox
from . import timers as _timers
from .decision_task import DecisionCall, DecisionOutcome, DecisionTaskError
from .decision_task import set_evaluator as set_decision_evaluator
from .errors import BpmnInvalid, BpmnMalformed, StepFailed
from .facts import Facts, OpenTask, WaitingEvent, plain
from .juel_runtime import ExecutionInfo
from .parser import ParsedProcess, build_processes, parse_xml
from .script_resources import inline as inline_script_resources

SERIALIZER_VERSION = _runtime.SERIALIZER_VERSION
Workflow = Any  # an opaque SpiffWorkflow BpmnWorkflow

__all__ = ["BpmnInvalid", "BpmnMalformed", "StepFailed", "Facts", "OpenTask", "WaitingEvent", "ParsedProcess",
           "SERIALIZER_VERSION", "plain", "parse_definitions", "bundle", "compile_bundle", "start", "load", "dump",
           "run",
           "derive", "complete_task", "fire_timer", "evaluate", "set_limits", "set_java_delegates", "now_marker",
           "cancel", "DecisionCall", "DecisionOutcome", "DecisionTaskError", "set_decision_evaluator",
           "inline_script_resources"]


def parse_definitions(data: bytes, filename: str, find_called: Callable[[str], bytes | None]) -> list[ParsedProcess]:
    """Parse, validate and translate an upload; raise BpmnMalformed (400) or BpmnInvalid (422)."""
    root = parse_xml(data)
    return build_processes(root, filename, _runtime.serialize_spec, find_called)


def conformance_errors(data: bytes) -> list[dict[str, Any]]:
    """BPMN 2.0 schema and constraint violations of a file, without deploying it (empty: it conforms).

    Raises BpmnMalformed for bytes that are not XML. Rule ids: `validator_catalogue.RULE_CATALOGUE`.
    """
    from . import validator

    root = parse_xml(data)
    return validator.validate_schema(root) + validator.validate(root)


def idle_notes(data: bytes) -> list[dict[str, Any]]:
    """What of a deployable file does not run (a process marked isExecutable="false", or no process): line,
    element, message; empty when every process runs."""
    from .parser import idle_notes as notes_of

    return notes_of(parse_xml(data))


def process_ids(data: bytes) -> list[str]:
    """The ids of the executable processes of a file (already validated)."""
    from .parser import BPMN

    root = parse_xml(data)
    return [p.get("id") for p in root.findall(f"{{{BPMN}}}process") if p.get("isExecutable", "true") == "true"]


class _BundleCache:
    """Parsed specs by definition id. Definitions never change, so entries never go stale."""

    def __init__(self, size: int = 512):
        self.size = size
        self.items: OrderedDict[str, _runtime.Bundle] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, definition_id: str, stored: Callable[[], str]) -> _runtime.Bundle:
        with self.lock:
            hit = self.items.get(definition_id)
            if hit is not None:
                self.items.move_to_end(definition_id)
                return hit
        import json

        made = _runtime.Bundle(json.loads(stored()))
        with self.lock:
            self.items[definition_id] = made
            while len(self.items) > self.size:
                self.items.popitem(last=False)
        return made


_CACHE = _BundleCache()


def compile_bundle(spec_json: str) -> Any:
    """A definition's stored spec, parsed (uncached: services/definitions.py caches what it compiles)."""
    import json

    return _runtime.Bundle(json.loads(spec_json))


def bundle(definition_id: str, stored: Callable[[], str]) -> Any:
    """The spec of a definition, parsed once per process; `stored()` gives its JSON on a miss."""
    return _CACHE.get(definition_id, stored)


def start(spec_bundle: Any, variables: dict[str, Any], start_event: str | None = None,
          initiator: str | None = None) -> Workflow:
    """A new workflow. `start_event` names the timer start event whose firing starts it; without it
    timer start events are skipped (they belong to the definition: see engine/timers.py). `initiator`:
    the starting user, stored in the variable a start event's camunda:initiator names."""
    try:
        # A timer start has no starting user: the initiator variable is null then, as in Camunda.
        wf = _runtime.new_workflow(spec_bundle, variables, initiator if start_event is None else None)
        _timers.choose_start(wf, start_event)
    except Exception as exc:  # noqa: BLE001 - a spec SpiffWorkflow cannot start is the diagram's problem: a 422
        raise BpmnInvalid("the process cannot be started",
                          errors=[{"line": None, "element": None,
                                   "message": f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"}]
                          ) from None
    return wf


def load(spec_bundle: Any, state: str) -> Workflow:
    return _runtime.load(spec_bundle, state)


def dump(wf: Workflow) -> str:
    return _runtime.dump(wf)


def run(wf: Workflow) -> None:
    """Run engine steps until every token waits; raise StepFailed on a script or gateway failure."""
    _runtime.run_engine(wf)


def derive(wf: Workflow, since: float) -> Facts:
    """Facts of the workflow; `finished` holds the activities completed at or after `since`."""
    return _facts.derive(wf, since)


def now_marker() -> float:
    """The time stamp to pass to `derive` for "completed during this step"."""
    return time.time()


def complete_task(wf: Workflow, task_id: str, data: dict[str, Any], known: dict[str, Any] | None = None) -> bool:
    """Complete an open user task with `data`; `known`: its row's values, for its complete listeners' `task`."""
    return _runtime.complete_task(wf, task_id, data, known)


def task_assigned(wf: Workflow, task_id: str, known: dict[str, Any] | None = None) -> bool:
    """Run the camunda:taskListener event="assignment" listeners of an open user task that got an assignee;
    `known`: its row's values (assignee, name, priority, due, follow_up, groups, users)."""
    from . import camunda_runtime

    try:
        return camunda_runtime.assigned(_runtime.find_task(wf, task_id), known)
    except Exception as exc:  # noqa: BLE001 - a failing listener fails the instance, as a failing script does
        raise StepFailed(None, "script", f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
                         ) from None


def fire_timer(wf: Workflow, task_id: str) -> bool:
    return _runtime.fire_timer(wf, task_id)


def cancel(wf: Workflow) -> None:
    _runtime.cancel(wf)


def evaluate(source: str, data: dict[str, Any], instance_id: str | None = None, business_key: str | None = None,
             activity: str | None = None) -> Any:
    """Evaluate deploy-time translated expression source against data, in the sandbox (`execution` is the
    instance given)."""
    return _runtime.ENVIRONMENT.evaluate(source, data, None, ExecutionInfo(instance_id, business_key, activity))


def render_instructions(template: str, data: dict[str, Any]) -> str:
    """spiff-arena's instructionsForEndUser for these variables (engine/instructions.py), in the time limit."""
    from . import instructions

    return instructions.render(template, data, _runtime.ENVIRONMENT.time_limit)


def bind(wf: Workflow, instance_id: str, business_key: str | None) -> None:
    """Which instance `wf` is (for `execution` in its expressions); call before running it."""
    _runtime.bind(wf, instance_id, business_key)


def set_java_delegates(mode: str) -> None:
    """`refuse` (default) or `external`: what a deploy does with Camunda 7 Java delegates (engine/delegates.py)."""
    from . import delegates

    delegates.set_mode(mode)


def set_limits(time_limit: float, max_variables_bytes: int) -> None:
    """The sandbox's limits: seconds a script or expression may run, and the size of an instance's variables."""
    _runtime.ENVIRONMENT.time_limit = time_limit
    sandbox.LIMITS["max_variables_bytes"] = max_variables_bytes


def variables_ok(value: Any, path: str = "") -> list[str]:
    """Reasons why client variables cannot round-trip through the engine's serializer."""
    problems: list[str] = []
    if isinstance(value, dict):
        if "typename" in value:
            problems.append(f"{path or 'variables'}: objects with a 'typename' key are reserved by the engine")
        for k, v in value.items():
            problems.extend(variables_ok(v, f"{path}.{k}" if path else str(k)))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            problems.extend(variables_ok(v, f"{path}[{i}]"))
    elif not (value is None or isinstance(value, (str, int, float, bool))):
        problems.append(f"{path}: unsupported value type {type(value).__name__}")
    return problems


_ = sandbox  # re-exported for the sandbox's limits in docs and tests


# Messages, signals, BPMN errors, external work and repairs (engine/events.py).
def deliver(wf: Workflow, kind: str, name: str, variables: dict[str, Any]) -> bool:
    """Deliver message or signal `name` (kind "message" | "signal") to its waiting catchers; False if none."""
    from . import events

    return events.deliver(wf, kind, name, variables)


def thrown_events(wf: Workflow) -> list[tuple[str, str, dict[str, Any]]]:
    """(kind, name, variables) of messages and signals thrown in the last steps that no catcher of `wf` took;
    cleared. The variables are an object payload of a message (engine/events.thrown)."""
    from . import events

    return events.thrown(wf)


def set_variables(wf: Workflow, values: dict[str, Any], unset: list[str]) -> None:
    """Repair: set and remove variables in the live (and failed) tasks."""
    from . import events

    events.set_variables(wf, values, unset)


def retry_failed(wf: Workflow) -> int:
    """Make failed tasks runnable again (the next `run` re-runs them); how many there were."""
    from . import events

    return events.retry(wf)


def complete_external(wf: Workflow, task_id: str, variables: dict[str, Any],
                      local: dict[str, Any] | None = None) -> bool:
    from . import events

    return events.complete_external(wf, task_id, variables, local)


def throw_error(wf: Workflow, task_id: str, code: str, variables: dict[str, Any], message: str | None = None) -> bool:
    """Throw BPMN error `code` (with `message`) from a waiting task; False when no boundary event would catch it."""
    from . import events

    return events.throw_error(wf, task_id, code, variables, message=message)


def throw_from_user_task(wf: Workflow, task_id: str, code: str, variables: dict[str, Any],
                         escalation: bool = False) -> bool | None:
    """A BPMN error or escalation reported on an open user task; None: not one, False: nothing catches it."""
    from . import events

    return events.throw_from_user_task(wf, task_id, code, variables, escalation)


def fail_user_task(wf: Workflow, task_id: str) -> str | None:
    """An uncaught BPMN error: the user task fails (retry opens it again). Its activity id, or None."""
    from . import events

    return events.fail_user_task(wf, task_id)


def failed_user_tasks(wf: Workflow) -> list[str]:
    from . import events

    return events.failed_user_tasks(wf)


# Timer start events (engine/timers.py).
StartSchedule = _timers.StartSchedule


def next_cron_start(spec_bundle: Any, activity: str, now: Any) -> Any:
    """The next occurrence after `now` of a timer start event whose cycle is a cron expression (those have no
    fixed interval, so a start timer row cannot carry its schedule); None when it has none."""
    for item in start_schedules(spec_bundle, now):
        if item.activity == activity:
            return item.due_at
    return None


def start_schedules(spec_bundle: Any, now: Any) -> list[StartSchedule]:
    """The first occurrence of each timer start event of a process, worked out at deploy time (the
    values may be `${...}` expressions, but there are no variables yet). BpmnInvalid if one cannot be."""
    found, errors = [], []
    for timer in _timers.start_timers(spec_bundle.spec):
        try:
            schedule = _timers.first_start(timer, _runtime.ENVIRONMENT.evaluate(timer.expression, {}), now)
        except Exception as exc:  # noqa: BLE001 - any evaluation failure is a problem of the diagram
            errors.append({"line": None, "element": timer.activity,
                           "message": f"the timer start event cannot be scheduled: {exc}"})
            continue
        if schedule is not None:
            found.append(schedule)
    if errors:
        raise BpmnInvalid("the diagram cannot be executed", errors=errors)
    return found


def migrate(wf: Workflow, new_bundle: Any) -> tuple[list[dict[str, Any]], dict[str, str], str | None]:
    """Move `wf` onto another version's spec (engine/migration.py).

    Returns (problems, renamed activities, new state). With problems, nothing is to be saved; the new
    state has been checked to load on the new version.
    """
    from . import migration

    problems, renamed = migration.migrate(wf, new_bundle)
    if problems:
        return problems, {}, None
    state = dump(wf)
    try:
        load(new_bundle, state)
    except Exception as exc:  # noqa: BLE001 - whatever SpiffWorkflow trips on, the answer is "cannot migrate"
        reason = f"the instance cannot be restored on the new version ({type(exc).__name__}: {exc})"
        return [{"activity": None, "element": None, "message": reason}], {}, None
    return [], renamed, state


def modify(wf: Workflow, instructions: list[dict[str, Any]], allow_end: bool) -> Any:
    """Move tokens by hand (engine/modification.py): returns an Outcome (cancelled, started, problems, ends).
    With problems, `wf` is half changed and must not be saved."""
    from . import modification

    return modification.modify(wf, instructions, allow_end)


def diff_diagrams(old: bytes | None, new: bytes | None) -> list[dict[str, Any]]:
    """Per process: elements added, removed, changed (with what changed) and moved only in the drawing
    (engine/diagram_diff.py). None for a side: that version does not exist."""
    from . import diagram_diff as _diff

    return [d.as_dict() for d in _diff.diff(old, new)]


def process_properties(xml: bytes, key: str) -> dict[str, str]:
    """A process's own camunda:property values (engine/diagram_facts.py)."""
    from . import diagram_facts as _props

    return _props.properties(xml, key)


def activity_ids(xml: bytes, key: str) -> set[str]:
    from . import diagram_facts as _props

    return _props.activity_ids(xml, key)


def adhoc_open(wf: Workflow, names: dict[str, str]) -> list[dict[str, Any]]:
    """The open ad-hoc subprocesses of a workflow with their enabled and running activities (engine/adhoc.py)."""
    from . import adhoc

    return adhoc.describe(wf, names)


def adhoc_start(wf: Workflow, activity: str, variables: dict[str, Any], scope: str | None = None) -> dict[str, str]:
    """Start an enabled activity of an open ad-hoc subprocess (NotFound, Conflict when it cannot be started)."""
    from . import adhoc

    return adhoc.start(wf, activity, variables, scope)


def adhoc_complete(wf: Workflow, activity: str, scope: str | None = None) -> dict[str, str]:
    """A performer completes an ad-hoc subprocess that has no completionCondition."""
    from . import adhoc

    return adhoc.complete(wf, activity, scope)
