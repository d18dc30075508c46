"""Checking files as a deploy would, without deploying them (the diagram editor's "Validate").

The check is a real deploy inside a unit of work that always rolls back: every rule a deploy applies,
now and as rules are added, answers here with the same problems, and nothing is stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..exceptions import BpmnServerError
from .deployments import Upload, deploy
from .tx import transactional


@dataclass
class Validation:
    valid: bool
    title: str | None = None
    detail: str | None = None
    errors: list[dict[str, Any]] = field(default_factory=list)
    processes: list[dict[str, Any]] = field(default_factory=list)  # what a deploy would make: key, version
    decisions: list[dict[str, Any]] = field(default_factory=list)
    notes: list[dict[str, Any]] = field(default_factory=list)  # what would be stored but not run, and why


class _Rehearsed(Exception):
    """Ends the rehearsal so that the unit of work rolls back; carries what the deploy would have made."""

    def __init__(self, processes: list[dict[str, Any]], decisions: list[dict[str, Any]],
                 notes: list[dict[str, Any]]) -> None:
        super().__init__("rehearsal")
        self.processes = processes
        self.decisions = decisions
        self.notes = notes


@transactional
def _rehearse(files: list[Upload], actor: str) -> None:
    result = deploy(files, actor, None)
    made = result.created
    raise _Rehearsed([{"key": d.key, "version": d.version, "new": made and d.deployment_id == result.deployment.id}
                      for d in result.definitions],
                     [{"key": d.key, "version": d.version} for d in result.decisions], result.notes)


def validate(files: list[Upload], actor: str) -> Validation:
    """The problems a deploy of `files` would refuse them for (none: valid), and what it would make."""
    try:
        _rehearse(files, actor)
    except _Rehearsed as done:
        return Validation(True, processes=done.processes, decisions=done.decisions, notes=done.notes)
    except BpmnServerError as exc:
        if exc.status not in (400, 422):  # a refusal of the files; anything else is the server's problem
            raise
        errors = [e for e in exc.errors or [] if isinstance(e, dict)]
        return Validation(False, exc.title, exc.detail, errors)
    raise AssertionError("a rehearsal always ends in _Rehearsed or an error")  # pragma: no cover
