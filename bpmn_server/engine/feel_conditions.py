"""FEEL in diagrams: a condition whose text starts with `=` (Camunda 8's convention), or whose element says
`language="feel"`, is FEEL. It is compiled at deploy (a syntax error is a 422 with line and column) and stored
behind a marker that the script environment recognises (runtime.SandboxEnvironment.evaluate)."""

from __future__ import annotations

from typing import Any

from ..feel import FeelError, compile_expression

MARKER = "#feel:"  # a Python comment: never valid Python on its own, so it cannot be confused with a script


def is_feel(text: str | None, language: str | None = None) -> bool:
    lang = (language or "").strip().lower()  # "feel", or a FEEL URI such as https://www.omg.org/spec/FEEL/...
    return bool(text) and (text.lstrip().startswith("=") or lang == "feel" or lang.rstrip("/").endswith("/feel"))


def translate(text: str) -> tuple[str, str | None]:
    """(stored form, error message or None)."""
    source = text.strip()
    if source.startswith("="):
        source = source[1:]
    try:
        compile_expression(source)
    except FeelError as exc:
        return text, exc.detail
    return MARKER + source, None


def evaluate(stored: str, context: dict[str, Any]) -> Any:
    """A condition's value: FEEL's null (and a non-boolean) does not take the flow."""
    result = compile_expression(stored[len(MARKER):]).evaluate(context)
    return result is True
