"""Turn a workflow into plain facts that services persist: no SpiffWorkflow object leaves here."""

from __future__ import annotations

import datetime as dt
import decimal
import math
from dataclasses import dataclass, field
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import SignalEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from . import camunda_task, camunda_timers, compensation_run, data, event_subprocesses, timers


@dataclass
class OpenTask:
    id: str
    activity: str
    name: str
    data: dict[str, Any]
    # What its JavaScript task listeners changed of it since the last step (engine/camunda_task.py).
    changes: dict[str, Any] = field(default_factory=dict)


@dataclass
class WaitingEvent:
    id: str
    type: str  # timer | message | signal
    activity: str
    name: str | None = None
    due_at: dt.datetime | None = None
    kind: str | None = None  # timer kind: date | duration | cycle


@dataclass
class ExternalWork:
    """A READY external service task (camunda:type="external"): work for a worker, not for the task list."""

    id: str
    activity: str
    topic: str
    data: dict[str, Any]


@dataclass
class Facts:
    completed: bool
    variables: dict[str, Any]
    open_tasks: list[OpenTask] = field(default_factory=list)
    waiting: list[WaitingEvent] = field(default_factory=list)
    finished: dict[str, str] = field(default_factory=dict)  # task id -> activity id
    external_tasks: list[ExternalWork] = field(default_factory=list)  # service tasks waiting for a worker
    compensated: dict[str, str] = field(default_factory=dict)  # task id -> activity id, its handler done


def plain(value: Any) -> Any:
    """Task data made JSON-safe for clients: dates as ISO strings, sets as lists, what JSON cannot hold
    exactly (integers beyond 64 bits, NaN) as strings."""
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
    if isinstance(value, int) and not isinstance(value, bool) and not -(2**63) <= value < 2**64:
        return str(value)  # a script's huge integer: JSON encoders and databases keep 64 bits, a string keeps all
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)  # NaN and infinities are not JSON
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def _bpmn_id(task: Any) -> str | None:
    return getattr(task.task_spec, "bpmn_id", None)


def _due(task: Any, definition: TimerEventDefinition) -> tuple[dt.datetime | None, str]:
    """When a waiting timer is due; None for an exhausted cycle (it waits for nothing)."""
    kind = timers.kind_of(definition)
    value = task._get_internal_data("event_value")
    try:
        if kind == "cycle":
            return (dt.datetime.fromisoformat(value["next"]) if timers.cycle_pending(task) else None), kind
        if value is None:
            return None, kind
        return (TimerEventDefinition.get_datetime(value) if kind == "duration" else timers.parse_date(value)), kind
    except (ValueError, TypeError, KeyError):
        return None, kind


def _waiting_event(task: Any) -> WaitingEvent | None:
    definition = task.task_spec.event_definition
    activity = _bpmn_id(task)
    if isinstance(definition, TimerEventDefinition):
        due, kind = _due(task, definition)
        if due is None and kind == "cycle":
            return None
        return WaitingEvent(str(task.id), "timer", activity, getattr(definition, "name", None), due, kind)
    if isinstance(definition, MessageEventDefinition):
        return WaitingEvent(str(task.id), "message", activity, definition.name)
    if isinstance(definition, SignalEventDefinition):
        return WaitingEvent(str(task.id), "signal", activity, definition.name)
    return None


def _gateway_timers(task: Any) -> list[WaitingEvent]:
    """The timer branch of a waiting event-based gateway, named by its catch event."""
    outputs = task.task_spec.outputs
    found = []
    for i, definition in enumerate(task.task_spec.event_definition.event_definitions):
        if isinstance(definition, TimerEventDefinition):
            due, kind = _due(task, definition)
            activity = getattr(outputs[i], "bpmn_id", None) if i < len(outputs) else None
            found.append(WaitingEvent(str(task.id), "timer", activity or _bpmn_id(task), definition.name, due, kind))
    return found


def _gateway_events(task: Any) -> list[WaitingEvent]:
    """The message and signal branches of a waiting event-based gateway, named by their catch events."""
    found = []
    outputs = task.task_spec.outputs
    for i, definition in enumerate(task.task_spec.event_definition.event_definitions):
        kind = "message" if isinstance(definition, MessageEventDefinition) else (
            "signal" if isinstance(definition, SignalEventDefinition) else None)
        if kind is not None:
            activity = getattr(outputs[i], "bpmn_id", None) if i < len(outputs) else None
            found.append(WaitingEvent(str(task.id), kind, activity or _bpmn_id(task), definition.name))
    return found


def variables_of(wf: BpmnWorkflow) -> dict[str, Any]:
    """The instance's variables: the workflow data, overlaid by the data of its live tasks (engine/data.py)."""
    return data.merged(wf)


def derive(wf: BpmnWorkflow, since: float = 0.0) -> Facts:
    """Facts of `wf`; `finished` lists activities completed at or after `since` (a time.time())."""
    completed = wf.is_completed()
    facts = Facts(completed=completed, variables=variables_of(wf))
    finished: list[tuple[float, str, str]] = []
    for task in wf.get_tasks():
        activity = _bpmn_id(task)
        if activity is None:
            continue
        if task.state == TaskState.COMPLETED:
            if task.last_state_change >= since:
                finished.append((task.last_state_change, str(task.id), activity))
        elif task.state == TaskState.READY and getattr(task.task_spec, "external", False):
            topic = getattr(task.task_spec, "topic", None) or activity
            facts.external_tasks.append(ExternalWork(str(task.id), activity, topic, task.data))
            facts.waiting.append(WaitingEvent(str(task.id), "external", activity, topic))
        elif task.state == TaskState.READY and task.task_spec.manual:
            facts.open_tasks.append(OpenTask(str(task.id), activity, task.task_spec.bpmn_name or activity, task.data,
                                             camunda_task.take_changes(task)))
            facts.waiting.extend(WaitingEvent(str(task.id), "timer", activity, "timeout", due, "date")
                                 for due in camunda_timers.timeout_dues(task))  # timeout task listeners
        elif task.state == TaskState.STARTED and camunda_timers.retry_due(task) is not None:
            # A failed script task waiting for its next attempt (camunda:failedJobRetryTimeCycle).
            facts.waiting.append(WaitingEvent(str(task.id), "timer", activity, "retry",
                                              camunda_timers.retry_due(task), "duration"))
        elif task.state == TaskState.WAITING and isinstance(task.task_spec, CatchingEvent):
            event = _waiting_event(task)
            if event is not None:
                facts.waiting.append(event)
            elif isinstance(task.task_spec.event_definition, MultipleEventDefinition):
                facts.waiting.extend(_gateway_events(task))
                facts.waiting.extend(_gateway_timers(task))
    facts.waiting.extend(WaitingEvent(h.id, h.kind, h.activity, h.name) for h in event_subprocesses.starts(wf))
    # In the order they completed (the task tree order puts a call activity before what it called).
    facts.finished = {task_id: activity for _, task_id, activity in sorted(finished, key=lambda f: f[0])}
    facts.compensated = dict(compensation_run.compensated_activities(wf, since))
    return facts
