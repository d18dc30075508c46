"""FEEL errors: a syntax error or a hard evaluation failure (time or size limit), with the expression and position."""

from __future__ import annotations

from bpmn_server.exceptions import Invalid


class FeelError(Invalid):
    """A FEEL expression could not be compiled or evaluated; `expression` and `position` say where."""

    title = "FEEL error"

    def __init__(self, message: str, expression: str = "", position: int | None = None):
        line, column = _line_column(expression, position)
        where = f" at line {line}, column {column}" if position is not None else ""
        shown = expression if len(expression) <= 200 else expression[:200] + "..."
        detail = f"{message}{where} in FEEL expression {shown!r}" if expression else message
        super().__init__(detail, expression=expression, position=position, line=line, column=column)
        self.message = message
        self.expression = expression
        self.position = position
        self.line = line
        self.column = column


class FeelLimitExceeded(FeelError):
    """The evaluation ran past its time or size limit."""


def _line_column(text: str, position: int | None) -> tuple[int | None, int | None]:
    if position is None:
        return None, None
    before = text[:position]
    line = before.count("\n") + 1
    return line, position - (before.rfind("\n") + 1) + 1
