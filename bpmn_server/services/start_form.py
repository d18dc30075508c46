"""The start form of a process (camunda:formData on its none start event): the variables an instance is
started with must satisfy it, as a task's submission satisfies the task's form; with
`<camunda:formData businessKey="field">` that field's value is the instance's business key."""

from __future__ import annotations

from typing import Any

from . import forms
from .definitions import DefinitionInfo


def checked(definition: DefinitionInfo, variables: dict[str, Any],
            business_key: str | None) -> tuple[dict[str, Any], str | None]:
    """The variables to start with (defaults filled in; 422 listing every bad field) and the business key."""
    meta = definition.meta or {}
    variables = forms.validate_submission(definition.id, "start", meta.get("start_form"), variables)
    field = meta.get("start_form_business_key")
    if field and business_key is None and variables.get(field) not in (None, ""):
        business_key = str(variables[field])
    return variables, business_key
