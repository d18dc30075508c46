"""camunda:variableName / variableEvents on conditional catch events (intermediate and boundary).

Camunda evaluates such a condition when the event is entered, and afterwards only when the named variable
is created, updated or deleted (the kinds listed in variableEvents; all when none are listed). After every
engine run, `refresh` looks at the instance's current variables: when the watched variable changed in a
listed way, the condition is evaluated against them, and the event fires when it holds. A change is a
change of value (setting a variable to the value it has is not seen here).
"""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.util.task import TaskState

from .camunda_config import KEY
from .facts import variables_of

WATCH = "c7ext_watch"  # the watched variable as last seen, in the waiting task's internal_data
FIRE = "c7ext_fire"
MAX_ROUNDS = 100


def _watch(spec: Any) -> dict[str, Any] | None:
    extensions = getattr(spec, "extensions", None)
    settings = extensions.get(KEY) if isinstance(extensions, dict) else None
    return settings.get("watch") if settings else None


def watched(spec: Any) -> dict[str, Any] | None:
    """The variable a conditional event watches (camunda:variableName), or None: it watches them all."""
    return _watch(spec)


def _seen(data: dict[str, Any], name: str) -> list[Any]:
    return [True, data[name]] if name in data else [False, None]


def _change(before: list[Any] | None, after: list[Any]) -> str | None:
    if before is None or before == after:
        return None
    if not before[0]:
        return "create"
    return "update" if after[0] else "delete"


def attach(spec: Any) -> None:
    """Record the watched variable when the event is entered (its condition is evaluated as usual then)."""
    watch = _watch(spec)
    definition = getattr(spec, "event_definition", None)
    if watch is None or definition is None:
        return
    original = definition.has_fired

    def has_fired(my_task: Any) -> bool:
        if my_task.internal_data.pop(FIRE, False):
            my_task._set_internal_data(has_fired=True)
            return True
        fired = original(my_task)
        if WATCH not in my_task.internal_data:
            my_task.internal_data[WATCH] = _seen(my_task.data, watch["variable"])
        return fired

    definition.has_fired = has_fired


def refresh(wf: Any, environment: Any) -> bool:
    """Evaluate the watched conditions whose variable changed; True when one fired (run the engine again)."""
    waiting = [t for t in list(wf.event_manager.tasks.values())
               if t.state == TaskState.WAITING and _watch(t.task_spec) is not None]
    if not waiting:
        return False
    current = variables_of(wf)
    fired = False
    for task in waiting:
        watch = _watch(task.task_spec)
        seen = _seen(current, watch["variable"])
        change = _change(task.internal_data.get(WATCH), seen)
        task.internal_data[WATCH] = seen
        if change is None or (watch["events"] and change not in watch["events"]):
            continue
        scope = {**task.data, **current}
        if environment.evaluate(task.task_spec.event_definition.expression, scope):
            task.data.update(current)
            task.internal_data[FIRE] = True
            task.task_spec._update(task)
            fired = True
    return fired


def run_until_quiet(wf: Any, environment: Any) -> None:
    """After the engine steps: fire what the watched variables now allow, and run on (bounded)."""
    for _ in range(MAX_ROUNDS):
        if not refresh(wf, environment):
            return
        wf.do_engine_steps()
