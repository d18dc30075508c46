"""Which instance variables the task page shows as the case's details: a `camunda:property` named
`visibleVariables` (a comma list; empty shows none) on the process, or on a user task for that task alone.
Without it every variable is shown (Camunda Tasklist's default)."""

from __future__ import annotations

from lxml import etree

from .camunda_config import BPMN, CAMUNDA

PROPERTY = "visibleVariables"


def visible_variables(el: etree._Element) -> list[str] | None:
    """The names listed on the element itself (None when it says nothing)."""
    for prop in el.iterfind(f"{{{BPMN}}}extensionElements/{{{CAMUNDA}}}properties/{{{CAMUNDA}}}property"):
        if prop.get("name") == PROPERTY:
            return [n.strip() for n in (prop.get("value") or "").split(",") if n.strip()]
    return None
