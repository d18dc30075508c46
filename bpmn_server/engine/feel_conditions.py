"""FEEL in diagrams: a condition or timer whose text starts with `=` (Camunda 8's convention), or a condition
whose element says `language="feel"`, is FEEL. It is compiled at deploy (a syntax error is a 422 with line and
column) and stored behind a marker that the script environment recognises (runtime.SandboxEnvironment.evaluate):
a condition is true only for FEEL's true; a timer's value is its ISO 8601 text (`= duration("PT" + n + "M")`)."""

from __future__ import annotations

from typing import Any

from ..feel import FeelError, compile_expression, to_json

MARKER = "#feel:"  # a Python comment: never valid Python on its own, so it cannot be confused with a script
VALUE_MARKER = "#feelvalue:"


def is_feel(text: str | None, language: str | None = None) -> bool:
    lang = (language or "").strip().lower()  # "feel", or a FEEL URI such as https://www.omg.org/spec/FEEL/...
    return bool(text) and (text.lstrip().startswith("=") or lang == "feel" or lang.rstrip("/").endswith("/feel"))


def translate(text: str, value: bool = False) -> tuple[str, str | None]:
    """(stored form, error message or None); `value`: the result is used as a value, not as a condition."""
    source = text.strip()
    if source.startswith("="):
        source = source[1:]
    try:
        compile_expression(source)
    except FeelError as exc:
        return text, exc.detail
    return (VALUE_MARKER if value else MARKER) + source, None


def is_stored(source: str) -> bool:
    return source.startswith((MARKER, VALUE_MARKER))


def evaluate(stored: str, context: dict[str, Any]) -> Any:
    """A condition's value (FEEL's null or a non-boolean does not take the flow), or a value as JSON."""
    if stored.startswith(VALUE_MARKER):
        return to_json(compile_expression(stored[len(VALUE_MARKER):]).evaluate(context))
    result = compile_expression(stored[len(MARKER):]).evaluate(context)
    return result is True
