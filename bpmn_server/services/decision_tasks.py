"""The evaluator behind business rule tasks: binds the decision version when the task starts, evaluates inside
the instance's step (same transaction) and records `decision.evaluated` on the instance."""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from typing import Any

from models import Instance

from .. import dmn, engine
from ..exceptions import NotFound
from ..feel import FeelError, to_json
from . import decisions

# The instance whose step is running, and who caused it: the evaluator records its event on that instance.
_CURRENT: contextvars.ContextVar[tuple[Instance, str] | None] = contextvars.ContextVar("decision_instance",
                                                                                       default=None)


@contextlib.contextmanager
def stepping(instance: Instance, actor: str) -> Iterator[None]:
    token = _CURRENT.set((instance, actor))
    try:
        yield
    finally:
        _CURRENT.reset(token)


def _evaluate(call: engine.DecisionCall, variables: dict[str, Any]) -> engine.DecisionOutcome:
    current = _CURRENT.get()
    instance, actor = current if current else (None, "system")
    try:
        row = decisions.resolve(call.decision, call.version)
    except NotFound as exc:
        raise engine.DecisionTaskError(exc.detail) from None
    try:
        found = decisions.evaluate_row(row, variables, actor, instance, call.activity)
    except (dmn.DecisionError, FeelError) as exc:
        raise engine.DecisionTaskError(f"decision '{call.decision}' version {row.version}: {exc.detail}") from None
    return engine.DecisionOutcome(found.result, to_json(found.value))


engine.set_decision_evaluator(_evaluate)
