"""Why an analyst changed an instance by hand: cancel, variable repair, retry and migration require a
reason, kept in the history event the change writes (auditors read it there)."""

from __future__ import annotations

from ..exceptions import Invalid

MAX_LENGTH = 2000


def required(reason: str | None, action: str) -> str:
    """The reason, trimmed; 422 naming the field `reason` when it is missing, blank or too long."""
    text = reason.strip() if isinstance(reason, str) else ""
    if not text:
        raise Invalid(f"a reason is required to {action}: say why, it is kept in the history",
                      errors=[{"field": "reason", "message": "required: a non-empty text"}])
    if len(text) > MAX_LENGTH:
        raise Invalid(f"the reason is longer than {MAX_LENGTH} characters",
                      errors=[{"field": "reason", "message": f"at most {MAX_LENGTH} characters"}])
    return text
