"""Typed commands, each one input to one instance step, handled by `advance(uow, instance, command)`.

A command says what happens to the workflow (`apply`); `advance` loads the locked instance, applies it, runs
the workflow until every token waits, and persists the outcome (services/steps.py). The result, a
`StepResult`, carries the command's value, the derived facts, the open tasks and incidents when known, and
what the step threw (already in the unit of work's outbox, relayed before commit): nothing travels back on
the model or through closures.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from models import Instance

from .. import engine
from ..exceptions import Conflict
from . import steps
from .definitions import DefinitionInfo
from .steps import StepResult
from .uow import UnitOfWork

__all__ = ["Command", "CompleteExternalTask", "CompleteTask", "Correlate", "FireTimer", "Modify", "Start",
           "StepResult", "advance", "start"]


@dataclass(frozen=True)
class Command:
    actor: str

    def apply(self, wf: Any) -> Any:  # pragma: no cover - every command below says what it does
        raise NotImplementedError


@dataclass(frozen=True)
class Start:
    """A new instance of `definition` (`start_event`: the timer start event that fired to start it)."""

    actor: str
    definition: DefinitionInfo
    variables: dict[str, Any] = field(default_factory=dict)
    business_key: str | None = None
    start_event: str | None = None


@dataclass(frozen=True)
class CompleteTask(Command):
    task_id: str = ""
    data: dict[str, Any] = field(default_factory=dict)

    def apply(self, wf: Any) -> bool:
        # SpiffWorkflow's Task.run() does not check state: the engine checks READY and user task.
        if not engine.complete_task(wf, self.task_id, self.data):
            raise Conflict("the task is no longer waiting for completion")
        return True


@dataclass(frozen=True)
class Correlate(Command):
    """A message or signal for the catcher waiting in the instance; the value says whether one took it."""

    kind: str = "message"
    name: str = ""
    variables: dict[str, Any] = field(default_factory=dict)

    def apply(self, wf: Any) -> bool:
        return bool(engine.deliver(wf, self.kind, self.name, self.variables))


@dataclass(frozen=True)
class FireTimer(Command):
    """The timer of task `task_id` fires; when it no longer waits, nothing is run or written."""

    task_id: str = ""

    def apply(self, wf: Any) -> bool:
        if not engine.fire_timer(wf, self.task_id):
            raise _NotApplied()
        return True


@dataclass(frozen=True)
class CompleteExternalTask(Command):
    task_id: str = ""
    variables: dict[str, Any] = field(default_factory=dict)
    local: dict[str, Any] = field(default_factory=dict)  # Camunda 7's localVariables

    def apply(self, wf: Any) -> bool:
        if not engine.complete_external(wf, self.task_id, self.variables, self.local):
            raise Conflict("the task is no longer waiting for a worker")
        return True


@dataclass(frozen=True)
class Modify(Command):
    """Any other change of the workflow (cancel, variables, retry, a migrated state: `change` None)."""

    change: Callable[[Any], Any] | None = None

    def apply(self, wf: Any) -> Any:
        return self.change(wf) if self.change is not None else None


class _NotApplied(Exception):
    """The command found nothing to act on: the step is abandoned before anything is written."""


def start(uow: UnitOfWork, command: Start) -> StepResult:
    """Create and run a new instance until every token waits."""
    return steps.start(command.definition, command.variables, command.actor, command.business_key,
                       command.start_event)


def advance(uow: UnitOfWork, instance: Instance, command: Command) -> StepResult:
    """Apply `command` to the locked instance, run it and persist the outcome, in `uow`."""
    try:
        return steps.advance(instance, command.actor, command.apply)
    except _NotApplied:
        return StepResult(instance, value=False, applied=False)
