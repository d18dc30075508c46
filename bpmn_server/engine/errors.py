"""Errors the engine adapter raises; services and the API see only these, never SpiffWorkflow's."""

from __future__ import annotations

from typing import Any

from ..exceptions import BpmnServerError


class BpmnMalformed(BpmnServerError):
    """The upload is not well-formed or safe XML (400)."""

    status = 400
    title = "Malformed BPMN XML"

    def __init__(self, detail: str, errors: list[dict[str, Any]] | None = None):
        super().__init__(detail, errors=errors)


class BpmnInvalid(BpmnServerError):
    """Well-formed BPMN that cannot be executed (422)."""

    status = 422
    title = "BPMN cannot be executed"

    def __init__(self, detail: str, errors: list[dict[str, Any]] | None = None):
        super().__init__(detail, errors=errors)


class StepFailed(Exception):
    """A script, expression or gateway failed while running; becomes an incident, not an HTTP error."""

    def __init__(self, activity: str | None, kind: str, message: str):
        super().__init__(message)
        self.activity = activity
        self.kind = kind
        self.message = message
