"""`camunda:candidateStarterGroups` and `camunda:candidateStarterUsers` on a process: who may start it.

Camunda 7 reads both as static comma-separated lists of group and user ids (it evaluates no expression
there), so a `${...}` or `#{...}` in either is refused at deploy rather than taken as a literal name.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

CAMUNDA = "http://camunda.org/schema/1.0/bpmn"
ATTRIBUTES = {"groups": "candidateStarterGroups", "users": "candidateStarterUsers"}


def _names(raw: str | None) -> list[str]:
    seen: list[str] = []
    for part in (raw or "").split(","):
        name = part.strip()[:200]
        if name and name not in seen:
            seen.append(name)
    return seen


def problems(proc: etree._Element) -> list[dict[str, Any]]:
    """Deploy errors of a process's starter lists (an expression where Camunda allows only names)."""
    found = []
    for attribute in ATTRIBUTES.values():
        raw = proc.get(f"{{{CAMUNDA}}}{attribute}") or ""
        if "${" in raw or "#{" in raw:
            found.append({"line": proc.sourceline, "element": proc.get("id"),
                          "message": f"camunda:{attribute} of process '{proc.get('id')}' is an expression "
                                     f"({raw.strip()!r}); Camunda 7 allows only a static comma-separated list "
                                     "of names there"})
    return found


def declared(proc: etree._Element) -> dict[str, list[str]]:
    """{"groups": [...], "users": [...]}: both empty when the process names no starters."""
    return {kind: _names(proc.get(f"{{{CAMUNDA}}}{attribute}")) for kind, attribute in ATTRIBUTES.items()}
