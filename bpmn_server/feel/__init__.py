"""FEEL (DMN 1.5 chapter 10): a parser, a compiler to closures, and the built-in function library.

Interface (everything else is private to the package):

- `compile_expression(text, names=()) -> Expression`: parse once (cached by text and names); raises
  `FeelError` with the position on a syntax error. `names`: variable names in scope that contain spaces,
  keywords or symbols, so that the lexer recognises them (plain multi-word names are found anyway).
- `Expression.evaluate(context: dict) -> value`: `context` holds JSON-able or FEEL values; the result is a
  FEEL value (see values.py: Decimal numbers, datetime types, YMDuration, Range, list, dict, None).
- `compile_unary_tests(text, names=()) -> UnaryTests`; `UnaryTests.matches(value, context) -> bool | None`.
- `to_json(value)` / `from_python(value)`: FEEL values to JSON-able Python and back.
- `FeelError` (a `bpmn_server.exceptions.Invalid`, 422) with `expression`, `position`, `line`, `column`;
  `FeelLimitExceeded` when an evaluation runs past its step or time budget (scope.py).

Semantics: null-propagating three-valued logic, decimal128 arithmetic, type mismatches give null (as the spec
says), not an error. Nothing here runs Python source: evaluation is nested closures over FEEL operators.
"""

from .api import Expression, UnaryTests, compile_expression, compile_unary_tests
from .convert import from_python, to_json
from .errors import FeelError, FeelLimitExceeded
from .scope import Budget, Env

__all__ = ["Budget", "Env", "Expression", "FeelError", "FeelLimitExceeded", "UnaryTests", "compile_expression",
           "compile_unary_tests", "from_python", "to_json"]
