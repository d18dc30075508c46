"""Translate what Camunda Modeler writes into the Python that SpiffWorkflow evaluates.

Done once per definition at deploy time, on the lxml tree, before SpiffWorkflow parses it.
"""

from __future__ import annotations

import re
from typing import Any

from . import juel
from .juel import JuelError

_ISO_DURATION = re.compile(r"^-?P(?=\d|T\d)(\d+(\.\d+)?Y)?(\d+(\.\d+)?M)?(\d+(\.\d+)?W)?(\d+(\.\d+)?D)?"
                           r"(T(\d+(\.\d+)?H)?(\d+(\.\d+)?M)?(\d+(\.\d+)?S)?)?$", re.I)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$")
_ISO_CYCLE = re.compile(r"^R\d*/[^\s]+$", re.I)
_JUEL = re.compile(r"^\s*[$#]\{(.*)\}\s*$", re.S)
juel_template = re.compile(r"[$#]\{")


class ExpressionError(JuelError):
    """An expression that cannot be translated or compiled."""


def is_iso_literal(text: str) -> bool:
    """True for a bare ISO 8601 duration, date-time or repeating interval."""
    text = text.strip()
    return bool(_ISO_DURATION.match(text) or _ISO_DATE.match(text) or _ISO_CYCLE.match(text))


def _refusal(original: str, exc: JuelError) -> ExpressionError:
    why = "is not supported here" if isinstance(exc, juel.JuelUnsupported) else "does not compile"
    return ExpressionError(f"expression {original.strip()!r} {why}: {exc}")


def _juel_to_python(body: str, original: str) -> str:
    try:
        return juel.marked(juel.to_python(body), original.strip())
    except JuelError as exc:
        raise _refusal(original, exc) from None


def _single(text: str) -> str | None:
    """The body of a text that is one `${...}` (or `#{...}`) and nothing else; None otherwise."""
    if not _JUEL.match(text):
        return None
    try:
        parts = juel.split_template(text.strip())
    except JuelError as exc:
        raise _refusal(text, exc) from None
    return parts[0][1] if len(parts) == 1 and parts[0][0] == "expr" else None


def translate_expression(text: str) -> str:
    """A condition or value expression: `${a && b}` or plain Python -> Python."""
    if text is None:
        return text
    body = _single(text)
    if body is not None:
        return _juel_to_python(body, text)
    if _JUEL.match(text):
        raise ExpressionError(f"expression {text.strip()!r} mixes text and ${{...}}: a condition or value is one "
                              "${...} expression")
    return text.strip()


def translate_timer(text: str) -> str:
    """A timer definition: a bare ISO literal becomes a Python string; `${...}` an expression."""
    stripped = (text or "").strip()
    if is_iso_literal(stripped):
        return repr(stripped)
    return translate_expression(stripped)


def translate_assignment(text: str | None) -> str | None:
    """An attribute like `camunda:assignee="${starter}"`: literal text or an expression.

    Returns Python source that evaluates to the value.
    """
    if text is None or text.strip() == "":
        return None
    body = _single(text)
    if body is not None:
        return _juel_to_python(body, text)
    return repr(text.strip())


def translate_template(text: str | None) -> str | None:
    """Text that may hold `${...}` parts (a task name such as `Review ${order.id}`): Python source giving
    the text with each part evaluated, or None when there is nothing to evaluate."""
    if text is None or not juel_template.search(text):
        return None
    try:
        return juel.marked(juel.template_to_python(text.strip()), text.strip())
    except JuelError as exc:
        raise _refusal(text, exc) from None


def shown(source: str) -> str:
    """How an expression is named in messages: the JUEL as written, or the Python."""
    return juel.original_of(source) or source


def check_syntax(source: str, mode: str = "eval") -> str | None:
    """Return a message if `source` does not compile, else None."""
    try:
        compile(source, "<expression>", mode)
    except SyntaxError as exc:
        return f"{exc.msg} (line {exc.lineno})"
    return None


TASK_ATTRIBUTES = ("assignee", "candidateGroups", "candidateUsers", "dueDate", "followUpDate", "priority")


def check_task_expressions(el: Any, camunda_ns: str) -> list[str]:
    """Why the expressions of a user task's name and `camunda:` attributes cannot run (empty: they can).
    A comma list may hold `${...}` parts (`management, ${dept}`): each part is checked."""
    problems = []
    try:
        translate_template(el.get("name"))
    except ExpressionError as exc:
        problems.append(f"name: {exc}")
    for attr in TASK_ATTRIBUTES:
        text = el.get(f"{{{camunda_ns}}}{attr}")
        if not text or not juel_template.search(text):
            continue
        try:
            if _single(text) is not None:
                translate_assignment(text)
            else:
                for kind, body in juel.split_template(text):
                    if kind == "expr":
                        _juel_to_python(body, "${" + body + "}")
        except JuelError as exc:
            problems.append(f"camunda:{attr}: {exc}")
    return problems
