"""JavaScript conditions (`<conditionExpression language="javascript">`, Camunda 7's script conditions): checked
at deploy (a syntax error or a call of Java is a 422 naming the flow) and stored behind a marker that the script
environment recognises (runtime.SandboxEnvironment.evaluate). They run in V8 as scripts do (js_engine.py, with
Camunda Spin's JSON API), on the variables; the value of the last statement is the condition, which must be a
boolean, as Camunda requires ("condition script returns non-Boolean")."""

from __future__ import annotations

from typing import Any

from . import js_engine

MARKER = "/*javascript*/ "  # a JavaScript comment, never valid Python: it cannot be confused with a condition


def is_javascript(language: str | None) -> bool:
    return js_engine.is_javascript(language)


def translate(text: str) -> tuple[str, str | None]:
    """(stored form, error message or None)."""
    problem = js_engine.check(text)
    if problem:
        return text, js_engine.describe(problem)
    return MARKER + text.strip(), None


def is_stored(source: str) -> bool:
    return source.startswith(MARKER)


def evaluate(stored: str, context: dict[str, Any], time_limit: float) -> bool:
    """The condition's value; ValueError (an incident at the flow's source) for a value that is no boolean."""
    result = js_engine.evaluate(stored[len(MARKER):], dict(context), time_limit)["result"]
    if not isinstance(result, bool):
        raise ValueError(f"the JavaScript condition gave {result!r}, not a boolean")
    return result
