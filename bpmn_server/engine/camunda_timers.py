"""The Camunda 7 extensions that wait for time: retries of a failing script task
(camunda:failedJobRetryTimeCycle) and timeout task listeners. Both are timers the server fires
(services/timers.py) through `engine.fire_timer`; facts.py reports them as waiting timers."""

from __future__ import annotations

import datetime as dt
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition as Timer
from SpiffWorkflow.util.task import TaskState

TIMEOUTS = "c7ext_timeouts"  # the pending timeout listeners of an open user task
RETRY = "c7ext_retry"  # a failed script task waiting for its next attempt


def retry_hook(original: Any, cycle: dict[str, Any]) -> Any:
    """camunda:failedJobRetryTimeCycle "R<n>/<duration>": a failing script runs at most n times, each retry
    after the duration (a timer the server fires); the last failure is the incident."""
    def hook(my_task: Any) -> Any:
        try:
            result = original(my_task)
        except Exception:
            state = my_task.internal_data.get(RETRY) or {"left": cycle["times"]}
            state["left"] -= 1
            if state["left"] <= 0:
                my_task.internal_data.pop(RETRY, None)
                raise
            due = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=cycle["seconds"])
            state["due"], state["waiting"] = due.isoformat(), True
            my_task.internal_data[RETRY] = state
            return None  # STARTED: it waits for the retry timer
        my_task.internal_data.pop(RETRY, None)
        return result
    return hook


def retry_due(task: Any) -> dt.datetime | None:
    """When a failed script task that waits for its next attempt runs again; None if it waits for none."""
    state = task.internal_data.get(RETRY)
    if not state or not state.get("waiting"):
        return None
    return dt.datetime.fromisoformat(state["due"])


def fire_retry(task: Any) -> bool:
    """The retry timer of a failed script task fired: it runs again at the next engine run."""
    if task is None or retry_due(task) is None:
        return False
    task.internal_data[RETRY]["waiting"] = False
    task._set_state(TaskState.READY)
    return True


def _first_due(kind: str, value: str) -> tuple[dt.datetime | None, int | None, float]:
    """(first due time, occurrences left (cycles; -1 for ever), seconds between them) of a timer value."""
    now = dt.datetime.now(dt.UTC)
    if kind == "duration":
        return now + Timer.get_timedelta_from_start(Timer.parse_iso_duration(value), now), None, 0.0
    if kind == "date":
        return Timer.get_datetime(value).astimezone(dt.UTC), None, 0.0
    cycles, start, duration = Timer.parse_iso_recurring_interval(value)
    return (start if cycles != 0 else None), cycles, duration.total_seconds()


def schedule_timeouts(runner: Any, my_task: Any, timeouts: list[dict[str, Any]]) -> None:
    """The timeout task listeners of a user task just created: when each fires."""
    pending = []
    for index, listener in enumerate(timeouts):
        value = runner.value(my_task, {"t": "expr", "src": listener["timer"]["src"]}, my_task.data,
                             "timeout listener timer")
        try:
            due, left, seconds = _first_due(listener["timer"]["kind"], str(value))
        except Exception as exc:  # noqa: BLE001 - SpiffWorkflow raises bare Exceptions for bad values
            raise runner.failure(my_task, f"timeout listener timer {value!r}", exc) from None
        if due is not None:
            pending.append({"i": index, "due": due.isoformat(), "left": left, "seconds": seconds})
    if pending:
        my_task.internal_data[TIMEOUTS] = pending


def fire_next_timeout(runner: Any, settings: dict[str, Any], my_task: Any) -> bool:
    """Run the earliest pending timeout listener; a cycle schedules its next occurrence."""
    pending = sorted(my_task.internal_data.get(TIMEOUTS) or [], key=lambda p: p["due"])
    if not pending:
        return False
    first = pending[0]
    runner.listener(my_task, settings["task_listeners"]["timeout"][first["i"]], my_task.data, "timeout task listener",
                    settings)
    if first["left"] is not None and first["left"] != 1:  # a cycle: -1 repeats for ever
        first["due"] = (dt.datetime.fromisoformat(first["due"]) + dt.timedelta(seconds=first["seconds"])
                        ).isoformat()
        first["left"] = first["left"] - 1 if first["left"] > 0 else -1
    else:
        pending.pop(0)
    my_task.internal_data[TIMEOUTS] = pending
    return True


def timeout_dues(task: Any) -> list[dt.datetime]:
    """When the pending timeout listeners of an open user task fire."""
    return [dt.datetime.fromisoformat(p["due"]) for p in task.internal_data.get(TIMEOUTS) or []]


def fire_timeout(task: Any) -> bool:
    """The earliest pending timeout listener of an open user task runs (the task stays open)."""
    fire = getattr(task.task_spec, "c7ext_fire_timeout", None) if task is not None else None
    return bool(fire and task.internal_data.get(TIMEOUTS) and fire(task))
