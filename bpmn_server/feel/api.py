"""The public entry points: compile once (cached by text), evaluate many times."""

from __future__ import annotations

import functools
from typing import Any

from .compiler import compile_node, compile_tests
from .convert import from_python
from .errors import FeelError
from .parser import Parser
from .scope import MAX_SECONDS, Budget, Env


class Expression:
    """A compiled FEEL expression."""

    __slots__ = ("text", "_fn")

    def __init__(self, text: str, fn: Any):
        self.text = text
        self._fn = fn

    def evaluate(self, context: dict[str, Any] | None = None, *, seconds: float = MAX_SECONDS) -> Any:
        """Evaluate with `context`'s variables (JSON-able or FEEL values); returns a FEEL value."""
        env = Env({k: from_python(v) for k, v in (context or {}).items()}, budget=Budget(self.text, seconds=seconds))
        return self.evaluate_in(env)

    def evaluate_in(self, env: Env) -> Any:
        """Evaluate in an existing scope (FEEL values, a shared budget): for DMN and nested evaluations."""
        try:
            return self._fn(env)
        except RecursionError:
            raise FeelError("evaluation recursed too deeply", self.text) from None


class UnaryTests:
    """Compiled FEEL unary tests (a decision table's input entry): `< 5`, `[1..3]`, `"a", "b"`, `not(1)`, `-`."""

    __slots__ = ("text", "_fn", "is_any")

    def __init__(self, text: str, fn: Any, is_any: bool):
        self.text = text
        self._fn = fn
        self.is_any = is_any

    def matches(self, value: Any, context: dict[str, Any] | None = None) -> bool | None:
        env = Env({k: from_python(v) for k, v in (context or {}).items()}, budget=Budget(self.text))
        return self.matches_in(from_python(value), env)

    def matches_in(self, value: Any, env: Env) -> bool | None:
        try:
            return self._fn(env, value)
        except RecursionError:
            raise FeelError("evaluation recursed too deeply", self.text) from None


@functools.lru_cache(maxsize=4096)
def compile_expression(text: str, names: tuple[str, ...] = ()) -> Expression:
    """Parse and compile an expression; `names` are variable names in scope that contain spaces, keywords or
    symbols (`Loan-to-Value`), so the lexer can find them."""
    if not text or not text.strip():
        raise FeelError("empty expression", text or "", 0)
    return Expression(text, compile_node(Parser(text, names).expression(), text))


@functools.lru_cache(maxsize=4096)
def compile_unary_tests(text: str, names: tuple[str, ...] = ()) -> UnaryTests:
    """Parse and compile unary tests; an empty text is `-` (anything)."""
    if not text or not text.strip():
        text = "-"
    node = Parser(text, names).unary_tests()
    return UnaryTests(text, compile_tests(node, text), node[0] == "ut_any")
