"""Typed commands, each one input to one instance step, handled by `advance(uow, instance, command)`.

A command says what happens to the workflow (`apply`); `advance` loads the locked instance, applies it, runs
the workflow until every token waits, and persists the outcome (services/steps.py). The result, a
`StepResult`, carries the command's value, the derived facts, the open tasks and incidents when known, and
what the step threw (already in the unit of work's outbox, relayed before commit): nothing travels back on
the model or through closures.
"""

from __future__ import annotations

import abc
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from models import Instance

from .. import engine
from ..exceptions import Conflict
from . import steps
from .definitions import DefinitionInfo, info
from .steps import StepResult
from .uow import UnitOfWork

__all__ = ["AssignTask", "Cancel", "Command", "CompleteExternalTask", "CompleteTask", "Correlate", "FireTimer",
           "Migrated", "Modify", "Retry", "SetVariables", "Start", "StepResult", "ThrowError", "ThrowFromUserTask",
           "advance", "start"]


@dataclass(frozen=True)
class Command(abc.ABC):
    actor: str

    @abc.abstractmethod
    def apply(self, wf: Any) -> Any:
        """Change the loaded workflow; the return value is the step result's `value`."""


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
    known: dict[str, Any] = field(default_factory=dict)  # the row's values, what a JavaScript listener's task shows

    def apply(self, wf: Any) -> bool:
        # SpiffWorkflow's Task.run() does not check state: the engine checks READY and user task.
        if not engine.complete_task(wf, self.task_id, self.data, self.known):
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


@dataclass(frozen=True)
class Cancel(Command):
    """End every token (the caller marked the instance cancelled first: the ended workflow is no completion)."""

    def apply(self, wf: Any) -> None:
        engine.cancel(wf)


@dataclass(frozen=True)
class SetVariables(Command):
    values: dict[str, Any] = field(default_factory=dict)
    unset: tuple[str, ...] = ()

    def apply(self, wf: Any) -> None:
        engine.set_variables(wf, self.values, list(self.unset))


@dataclass(frozen=True)
class Retry(Command):
    """Run the failed tasks again (after a repair)."""

    def apply(self, wf: Any) -> None:
        engine.retry_failed(wf)


@dataclass(frozen=True)
class Migrated(Command):
    """Run a state the caller just moved to another version of its diagram: nothing to apply first."""

    def apply(self, wf: Any) -> None:
        return None


@dataclass(frozen=True)
class AssignTask(Command):
    """The task got an assignee: its assignment listeners run."""

    task_id: str = ""
    known: dict[str, Any] = field(default_factory=dict)  # the row's values, what a JavaScript listener's task shows

    def apply(self, wf: Any) -> None:
        engine.task_assigned(wf, self.task_id, self.known)


@dataclass(frozen=True)
class ThrowError(Command):
    """An external task's worker reports BPMN error `code`; the value says whether a boundary event caught it."""

    task_id: str = ""
    code: str = ""
    variables: dict[str, Any] = field(default_factory=dict)
    message: str | None = None

    def apply(self, wf: Any) -> Any:
        return engine.throw_error(wf, self.task_id, self.code, self.variables, self.message)


@dataclass(frozen=True)
class ThrowFromUserTask(Command):
    """A BPMN error or escalation reported on user task `task_id` (named `task_name`, at `activity`). The value
    says whether a catcher took it. An uncaught escalation changes nothing (409); an uncaught error fails the
    task and the instance (an incident naming the code)."""

    task_id: str = ""
    task_name: str = ""
    activity: str = ""
    code: str = ""
    variables: dict[str, Any] = field(default_factory=dict)
    escalation: bool = False
    message: str | None = None

    def apply(self, wf: Any) -> bool:
        caught = engine.throw_from_user_task(wf, self.task_id, self.code, self.variables, self.escalation)
        if caught is None:
            raise Conflict("the task is no longer waiting for completion")
        if caught:
            return True
        if self.escalation:
            raise Conflict(f"no boundary event or event subprocess catches escalation '{self.code}' thrown from "
                           f"'{self.task_name}'; nothing was changed", escalation_code=self.code)
        engine.fail_user_task(wf, self.task_id)
        raise engine.StepFailed(self.activity, "bpmn-error",
                                f"no boundary event or event subprocess catches BPMN error '{self.code}' thrown "
                                f"from task '{self.task_name}'" + (f": {self.message}" if self.message else ""))


class _NotApplied(Exception):
    """The command found nothing to act on: the step is abandoned before anything is written."""


_NOT_APPLIED = object()


def compute(instance: Instance, command: Command) -> steps.Computed:
    """The engine's part of `advance(uow, instance, command)`, ahead of its writes (read-only, perhaps in
    another transaction): `advance` in a unit of work whose `prepared` holds it writes it at the same
    revision instead of running the engine again."""
    wf = steps.workflow_of(instance)
    try:
        done = steps.compute(instance, wf, command.actor, command.apply, engine.now_marker(), encode=True)
    except _NotApplied:
        done = steps.Computed(wf, _NOT_APPLIED, None, engine.Facts(False, {}), [], None, instance.revision)
    done.command = command
    return done


def start(uow: UnitOfWork, command: Start) -> StepResult:
    """Create and run a new instance until every token waits."""
    return steps.start(command.definition, command.variables, command.actor, command.business_key,
                       command.start_event)


def advance(uow: UnitOfWork, instance: Instance, command: Command) -> StepResult:
    """Apply `command` to the locked instance, run it and persist the outcome, in `uow`."""
    try:
        ready = uow.prepared.pop(instance.id, None)
        if ready is not None and ready.revision == instance.revision and ready.command == command:
            # Computed ahead from this very revision (services/timers.py): only its writes are left.
            if ready.value is _NOT_APPLIED:
                raise _NotApplied()
            return steps.write_step(instance, info(instance.definition_id), ready, command.actor)
        return steps.advance(instance, command.actor, command.apply)
    except _NotApplied:
        return StepResult(instance, value=False, applied=False)
