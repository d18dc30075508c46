"""Conditional catch events (intermediate and boundary) react to variable changes, as in Camunda 7.

SpiffWorkflow evaluates a conditional event once, when it starts waiting, and never again, so a condition
that becomes true later stalls the token. After every engine run, `refresh` evaluates each waiting
conditional event again when the instance's variables changed since it last looked (Camunda evaluates
on variable changes), against the instance-wide variables (Camunda's variables are scope-wide, while
SpiffWorkflow gives each task its own copy). A condition that holds makes the event ready; the caller runs
the engine again. A non-interrupting boundary event fires once per run of its activity (SpiffWorkflow does not
arm it again; Camunda would fire it on each later change that leaves the condition true).
"""

from __future__ import annotations

import hashlib
import json
from copy import deepcopy
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.conditional import ConditionalEventDefinition
from SpiffWorkflow.util.task import TaskState

from . import camunda_conditions
from .facts import variables_of

SEEN = "server_condition_seen"  # internal data: digest of the variables the condition was last evaluated on
MAX_ROUNDS = 20  # conditions that keep firing each other stop here; the rest waits for the next change


def _digest(variables: dict[str, Any]) -> str:
    text = json.dumps(variables, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()


def _waiting_conditions(wf: Any) -> list[Any]:
    # Events that watch one variable (camunda:variableName) are camunda_conditions.py's to evaluate.
    return [t for t in list(wf.event_manager.tasks.values())
            if t.state == TaskState.WAITING and isinstance(t.task_spec.event_definition, ConditionalEventDefinition)
            and camunda_conditions.watched(t.task_spec) is None]


def refresh(wf: Any) -> bool:
    """Evaluate the waiting conditional events whose variables changed; True when one became ready."""
    waiting = _waiting_conditions(wf)
    if not waiting:
        return False
    variables = variables_of(wf)
    seen = _digest(variables)
    fired = False
    for task in waiting:
        last = task.internal_data.get(SEEN)
        task.internal_data[SEEN] = seen
        if last is None or last == seen:
            # None: it started waiting in this run and SpiffWorkflow has just evaluated it.
            continue
        expression = task.task_spec.event_definition.expression
        if wf.script_engine.evaluate(task, expression, external_context=variables):
            task.data.update(deepcopy(variables))
            task._set_internal_data(has_fired=True)
            task._ready()
            fired = True
    return fired


def run_until_stable(wf: Any) -> None:
    """Engine steps, then conditional events re-evaluated, until no condition fires (bounded)."""
    for _ in range(MAX_ROUNDS):
        if not refresh(wf):
            return
        wf.do_engine_steps()
