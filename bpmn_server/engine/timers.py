"""Timers under the server's control: SpiffWorkflow never fires a timer by its own wall clock.

Left alone, SpiffWorkflow fires a timer whenever some step of the instance happens after its due
time, which would bypass the `timers` table (no lease, no history, no lag, and a test clock that
cannot be injected). The specs the server restores therefore use the subclasses below: they work
out the due time exactly as SpiffWorkflow does, then wait until `fire` marks them. The services
fire a timer through `fire` only, once, from its claimed row.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.serializer.default.event_definition import TimerConditionalEventDefinitionConverter
from SpiffWorkflow.bpmn.serializer.default.task_spec import EventJoinConverter
from SpiffWorkflow.bpmn.specs.control import BoundaryEventJoin, BpmnStartTask, StartEventSplit
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    DurationTimerEventDefinition,
    TimeDateEventDefinition,
    TimerEventDefinition,
)
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
from SpiffWorkflow.util.task import TaskState

from . import cron

KINDS = {TimeDateEventDefinition: "date", DurationTimerEventDefinition: "duration", CycleTimerEventDefinition: "cycle"}


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# Parsing ISO 8601 values (ValueError on anything else).

def parse_date(value: str) -> dt.datetime:
    """An ISO 8601 date-time (a naive one is local time, as SpiffWorkflow reads it), in UTC."""
    try:
        parsed = TimerEventDefinition.parse_time_or_duration(value)
    except Exception as exc:  # noqa: BLE001 - SpiffWorkflow raises bare Exceptions for bad values
        raise ValueError(f"'{value}' is not an ISO 8601 date-time") from exc
    if not isinstance(parsed, dt.datetime):
        raise ValueError(f"'{value}' is not an ISO 8601 date-time")
    return parsed.astimezone(dt.UTC)


def due_after(value: str, start: dt.datetime) -> dt.datetime:
    """`start` plus an ISO 8601 duration such as `PT2H` or `P1M`."""
    try:
        parsed = TimerEventDefinition.parse_iso_duration(value)
        return start + TimerEventDefinition.get_timedelta_from_start(parsed, start)
    except Exception as exc:  # noqa: BLE001
        raise ValueError(f"'{value}' is not an ISO 8601 duration") from exc


def parse_cycle(value: str, now: dt.datetime) -> tuple[int, dt.datetime, float]:
    """A repeating interval (`R3/PT1H`, `R/2026-01-01T00:00:00Z/P1D`): (occurrences left or -1
    for ever, next occurrence, interval in seconds). Occurrences already past are skipped, as a
    Camunda engine does: deploying "daily since January" must not fire a hundred times at once."""
    if cron.looks_like_cron(value):  # Quartz cron, as Camunda 7 allows in timeCycle: repeats for ever
        following = cron_after(value, now)
        return (-1, following, 0.0) if following is not None else (0, now, 0.0)
    try:
        cycles, start, duration = TimerEventDefinition.parse_iso_recurring_interval(value)
    except Exception as exc:  # noqa: BLE001
        raise ValueError(f"'{value}' is not an ISO 8601 repeating interval") from exc
    interval = duration.total_seconds()
    if interval <= 0:
        raise ValueError(f"'{value}': the interval of a cycle must be longer than zero")
    cycles, start = skip_past(cycles, start.astimezone(dt.UTC), interval, now)
    return cycles, start, interval


def cron_after(value: str, now: dt.datetime) -> dt.datetime | None:
    """The next occurrence of a Quartz cron expression after `now` (ValueError if it is not one)."""
    try:
        return cron.next_fire(value, now)
    except cron.CronError as exc:
        raise ValueError(f"'{value}' is not a valid cron expression: {exc}") from None


def skip_past(cycles: int, start: dt.datetime, interval: float, now: dt.datetime) -> tuple[int, dt.datetime]:
    """Drop the occurrences of a cycle that are already past (each one counts)."""
    if start < now and cycles != 0:
        skip = math.ceil((now - start).total_seconds() / interval)
        if cycles > 0:
            skip = min(skip, cycles)
            cycles -= skip
        start += dt.timedelta(seconds=skip * interval)
    return cycles, start


# The held event definitions.

def _value(my_task: Any, definition: TimerEventDefinition) -> str:
    value = my_task.workflow.script_engine.evaluate(my_task, definition.expression)
    if isinstance(value, dt.datetime):
        value = value.isoformat()
    if not isinstance(value, str):
        raise WorkflowTaskException(f"the timer value must be an ISO 8601 text, not {value!r}", task=my_task)
    return value.strip()


def _checked(my_task: Any, fn: Any, *args: Any) -> Any:
    try:
        return fn(*args)
    except ValueError as exc:
        raise WorkflowTaskException(f"invalid timer: {exc}", task=my_task) from None


class HeldTimeDate(TimeDateEventDefinition):
    def has_fired(self, my_task: Any) -> bool:
        if my_task._get_internal_data("event_value") is None:
            due = _checked(my_task, parse_date, _value(my_task, self))
            my_task._set_internal_data(event_value=due.isoformat())
        return my_task._get_internal_data("event_fired", False)


class HeldDuration(DurationTimerEventDefinition):
    def has_fired(self, my_task: Any) -> bool:
        if my_task._get_internal_data("event_value") is None:
            due = _checked(my_task, due_after, _value(my_task, self), _now())
            my_task._set_internal_data(event_value=due.isoformat())
        return my_task._get_internal_data("event_fired", False)


class HeldCycle(CycleTimerEventDefinition):
    def cycle_complete(self, my_task: Any) -> bool:
        value = my_task._get_internal_data("event_value")
        if value is None:
            text = _value(my_task, self)
            cycles, start, interval = _checked(my_task, parse_cycle, text, _now())
            value = {"cycles": cycles, "next": start.isoformat(), "duration": interval}
            if cron.looks_like_cron(text):
                value["cron"] = text
        ready = False
        if value["cycles"] != 0:
            if my_task.internal_data.pop("cycle_due", False):
                # The next occurrence keeps the schedule; those missed while no server ran are skipped.
                previous = dt.datetime.fromisoformat(value["next"])
                if value.get("cron"):
                    following = cron_after(value["cron"], max(previous, _now()))
                    cycles = -1 if following is not None else 0
                    following = following or previous
                else:
                    following = previous + dt.timedelta(seconds=value["duration"])
                    cycles = value["cycles"] - 1 if value["cycles"] > 0 else -1
                    cycles, following = skip_past(cycles, following, value["duration"], _now())
                value.update(cycles=cycles, next=following.isoformat())
                ready = True
        else:
            my_task._set_internal_data(event_fired=True)
        my_task._set_internal_data(event_value=value)
        return ready


HELD = {TimeDateEventDefinition: HeldTimeDate, DurationTimerEventDefinition: HeldDuration,
        CycleTimerEventDefinition: HeldCycle}


def _unfinished_below(task: Any) -> bool:
    return any(c.has_state(TaskState.NOT_FINISHED_MASK) or _unfinished_below(c) for c in task.children)


class KeepCyclePathsJoin(BoundaryEventJoin):
    """When an activity ends, SpiffWorkflow cancels its waiting boundary events, and with them all
    they started. The paths a non-interrupting cycle already started are not part of the activity
    (BPMN): such a boundary event is ended as done instead, and its paths go on."""

    def _check_threshold_structured(self, my_task: Any) -> Any:
        finished, cancel = super()._check_threshold_structured(my_task)
        if finished:
            for task in [t for t in cancel if _unfinished_below(t) and isinstance(
                    getattr(t.task_spec, "event_definition", None), CycleTimerEventDefinition)]:
                cancel.remove(task)
                task._set_state(TaskState.COMPLETED)
                task.workflow.top_workflow.event_manager.remove_task(task)
        return finished, cancel


def hold(registry: Any) -> None:
    """Make `registry` restore timer event definitions as the held classes (same stored format)."""
    for original, held in HELD.items():
        TimerConditionalEventDefinitionConverter(held, registry, typename=original.__name__)
    EventJoinConverter(KeepCyclePathsJoin, registry, typename=BoundaryEventJoin.__name__)


def kind_of(definition: Any) -> str:
    for cls, kind in KINDS.items():
        if isinstance(definition, cls):
            return kind
    return "date"


def cycle_pending(task: Any) -> bool:
    """A cycle timer with occurrences still to come (an exhausted one waits for nothing)."""
    value = task._get_internal_data("event_value")
    return isinstance(value, dict) and value.get("cycles", 0) != 0 and not task._get_internal_data("event_fired")


def _has_timer(definition: Any) -> bool:
    if isinstance(definition, MultipleEventDefinition):
        return any(isinstance(d, TimerEventDefinition) for d in definition.event_definitions)
    return isinstance(definition, TimerEventDefinition)


def fire(task: Any) -> bool:
    """Fire the timer a WAITING task waits for; False if it waits for no timer (any more)."""
    if task is None or task.state != TaskState.WAITING or not isinstance(task.task_spec, CatchingEvent):
        return False
    definition = task.task_spec.event_definition
    if isinstance(definition, CycleTimerEventDefinition):
        if not cycle_pending(task):
            return False
        task._set_internal_data(cycle_due=True)
        return True
    if not _has_timer(definition) or task._get_internal_data("event_fired", False):
        return False
    # Timer definitions, also inside an event-based gateway, fire when `event_fired` is set.
    task._set_internal_data(event_fired=True)
    return True


# Timer start events: instances are started by the server's start timers, or by hand.

@dataclass
class StartTimer:
    activity: str
    kind: str
    expression: str


def _start_specs(spec: Any) -> list[Any]:
    found = []
    for out in spec.start.outputs:
        found.extend(out.outputs if isinstance(out, StartEventSplit) else [out])
    return [s for s in found if isinstance(s, StartEvent)]


def start_timers(spec: Any) -> list[StartTimer]:
    """The timer start events of a process (not those of its event subprocesses)."""
    return [StartTimer(s.bpmn_id, kind_of(s.event_definition), s.event_definition.expression)
            for s in _start_specs(spec) if isinstance(s.event_definition, TimerEventDefinition)]


def choose_start(wf: Any, start_event: str | None) -> None:
    """Pick the start event of a new instance before it runs.

    A timer start event belongs to the definition (the server starts an instance each time it
    fires), so it never waits inside an instance. Started by a start timer, the instance begins at
    that event and no other; started by hand, it begins at its other start events, or, when every
    start event is a timer, at the first one at once (Camunda: "one more start of the process").
    """
    starts = [t for t in wf.get_tasks() if t.workflow is wf and isinstance(t.task_spec, StartEvent)
              and t.parent is not None and isinstance(t.parent.task_spec, (BpmnStartTask, StartEventSplit))]
    timers = [t for t in starts if isinstance(t.task_spec.event_definition, TimerEventDefinition)]
    if start_event is not None:
        chosen = next((t for t in timers if t.task_spec.bpmn_id == start_event), None)
        if chosen is None:
            raise ValueError(f"'{start_event}' is not a timer start event of this process")
    elif not timers:
        return
    elif len(timers) < len(starts):
        chosen = None
    else:
        chosen = timers[0]
    for task in starts:
        if task is not chosen and (chosen is not None or task in timers):
            task.cancel()
    if chosen is None:
        return
    if isinstance(chosen.task_spec.event_definition, CycleTimerEventDefinition):
        # One occurrence only: behave as a plain timer that has fired. A cycle event does not
        # predict its children (each occurrence adds them), so predict them as for any event.
        chosen._set_internal_data(event_value={"cycles": 0, "next": _now().isoformat(), "duration": 0.0},
                                  event_fired=True)
        super(CatchingEvent, chosen.task_spec)._predict_hook(chosen)
    else:
        chosen._set_internal_data(event_value=_now().isoformat(), event_fired=True)


@dataclass
class StartSchedule:
    """The first occurrence of a timer start event: `repeat` more follow every `interval` seconds
    (-1: for ever)."""

    activity: str
    kind: str
    due_at: dt.datetime
    repeat: int = 0
    interval: float | None = None


def first_start(timer: StartTimer, value: Any, now: dt.datetime) -> StartSchedule | None:
    """Schedule a timer start event from its evaluated value; None if a cycle has nothing left."""
    if isinstance(value, dt.datetime):
        value = value.isoformat()
    if not isinstance(value, str):
        raise ValueError(f"the timer value must be an ISO 8601 text, not {value!r}")
    value = value.strip()
    if timer.kind == "date":
        return StartSchedule(timer.activity, "date", parse_date(value))
    if timer.kind == "duration":
        return StartSchedule(timer.activity, "duration", due_after(value, now))
    cycles, start, interval = parse_cycle(value, now)
    if cycles == 0:
        return None
    return StartSchedule(timer.activity, "cycle", start, cycles - 1 if cycles > 0 else -1, interval)
