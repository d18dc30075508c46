"""Turn a workflow into plain facts that services persist: no SpiffWorkflow object leaves here."""

from __future__ import annotations

import datetime as dt
import decimal
from dataclasses import dataclass, field
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import SignalEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    TimeDateEventDefinition,
    TimerEventDefinition,
)
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState


@dataclass
class OpenTask:
    id: str
    activity: str
    name: str
    data: dict[str, Any]


@dataclass
class WaitingEvent:
    id: str
    type: str  # timer | message | signal
    activity: str
    name: str | None = None
    due_at: dt.datetime | None = None
    kind: str | None = None  # timer kind: date | duration | cycle


@dataclass
class Facts:
    completed: bool
    variables: dict[str, Any]
    open_tasks: list[OpenTask] = field(default_factory=list)
    waiting: list[WaitingEvent] = field(default_factory=list)
    finished: dict[str, str] = field(default_factory=dict)  # task id -> activity id


def plain(value: Any) -> Any:
    """Task data made JSON-safe for clients: dates as ISO strings, sets as lists."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items() if not callable(v)}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [plain(v) for v in value]
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def _bpmn_id(task: Any) -> str | None:
    return getattr(task.task_spec, "bpmn_id", None)


def _due(task: Any, definition: TimerEventDefinition) -> tuple[dt.datetime | None, str]:
    value = task._get_internal_data("event_value")
    try:
        if isinstance(definition, CycleTimerEventDefinition):
            return (dt.datetime.fromisoformat(value["next"]) if isinstance(value, dict) else None), "cycle"
        if value is None:
            return None, "date" if isinstance(definition, TimeDateEventDefinition) else "duration"
        due = TimerEventDefinition.parse_time_or_duration(value) if isinstance(
            definition, TimeDateEventDefinition) else TimerEventDefinition.get_datetime(value)
        return due, "date" if isinstance(definition, TimeDateEventDefinition) else "duration"
    except (ValueError, TypeError, KeyError):
        return None, "date"


def _waiting_event(task: Any) -> WaitingEvent | None:
    definition = task.task_spec.event_definition
    activity = _bpmn_id(task)
    if isinstance(definition, TimerEventDefinition):
        due, kind = _due(task, definition)
        return WaitingEvent(str(task.id), "timer", activity, getattr(definition, "name", None), due, kind)
    if isinstance(definition, MessageEventDefinition):
        return WaitingEvent(str(task.id), "message", activity, definition.name)
    if isinstance(definition, SignalEventDefinition):
        return WaitingEvent(str(task.id), "signal", activity, definition.name)
    return None


def variables_of(wf: BpmnWorkflow) -> dict[str, Any]:
    """The instance's variables: the workflow data, overlaid by the data of its live tasks."""
    if wf.is_completed():
        merged = dict(wf.data)
        end = wf.last_task
        if end is not None:
            merged.update(end.data)
        return merged
    merged: dict[str, Any] = dict(wf.data)
    live = [t for t in wf.get_tasks(state=TaskState.READY | TaskState.WAITING | TaskState.STARTED)]
    for task in sorted(live, key=lambda t: t.last_state_change):
        merged.update(task.data)
    return merged


def derive(wf: BpmnWorkflow, since: float = 0.0) -> Facts:
    """Facts of `wf`; `finished` lists activities completed at or after `since` (a time.time())."""
    completed = wf.is_completed()
    facts = Facts(completed=completed, variables=variables_of(wf))
    for task in wf.get_tasks():
        activity = _bpmn_id(task)
        if activity is None:
            continue
        if task.state == TaskState.COMPLETED:
            if task.last_state_change >= since:
                facts.finished[str(task.id)] = activity
        elif task.state == TaskState.READY and task.task_spec.manual:
            facts.open_tasks.append(OpenTask(str(task.id), activity, task.task_spec.bpmn_name or activity, task.data))
        elif task.state == TaskState.WAITING and isinstance(task.task_spec, CatchingEvent):
            event = _waiting_event(task)
            if event is not None:
                facts.waiting.append(event)
    return facts
