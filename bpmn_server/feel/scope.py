"""Evaluation scopes and the budget that bounds an evaluation (steps, wall-clock time, sizes)."""

from __future__ import annotations

import time
from typing import Any

from .errors import FeelLimitExceeded

MAX_STEPS = 2_000_000
MAX_SECONDS = 2.0
MAX_ITEMS = 1_000_000
MAX_STRING = 10_000_000

_MISSING = object()


class Budget:
    """Counts loop iterations and calls; checks the clock every 1024 steps. Shared by one evaluation."""

    __slots__ = ("steps", "max_steps", "deadline", "expression")

    def __init__(self, expression: str = "", max_steps: int = MAX_STEPS, seconds: float = MAX_SECONDS):
        self.steps = 0
        self.max_steps = max_steps
        self.deadline = time.monotonic() + seconds
        self.expression = expression

    def tick(self, n: int = 1) -> None:
        self.steps += n
        if self.steps & 1023 < n or n > 1023:
            if self.steps > self.max_steps:
                raise FeelLimitExceeded(f"evaluation exceeded {self.max_steps} steps", self.expression)
            if time.monotonic() > self.deadline:
                raise FeelLimitExceeded("evaluation exceeded its time limit", self.expression)

    def size(self, n: int) -> None:
        if n > MAX_ITEMS:
            raise FeelLimitExceeded(f"a list grew beyond {MAX_ITEMS} items", self.expression)


class Env:
    """A scope: variables, a parent scope, and the evaluation's budget."""

    __slots__ = ("vars", "parent", "budget")

    def __init__(self, variables: dict[str, Any], parent: "Env | None" = None, budget: Budget | None = None):
        self.vars = variables
        self.parent = parent
        self.budget = budget if budget is not None else (parent.budget if parent else Budget())

    def lookup(self, name: str) -> Any:
        env: Env | None = self
        while env is not None:
            v = env.vars.get(name, _MISSING)
            if v is not _MISSING:
                return v
            env = env.parent
        return _MISSING

    def child(self, variables: dict[str, Any]) -> "Env":
        return Env(variables, self, self.budget)


MISSING = _MISSING
