"""Signals, `POST /engine-rest/signal`: the same broadcast as `POST /api/signals` (every waiting catcher,
event subprocesses included, and every process with a signal start event on it)."""

from __future__ import annotations

from typing import Any

from marshmallow import fields

from ...auth import current_user
from ...exceptions import BadRequest
from ...services import signals
from .base import Lenient, endpoint, no_content
from .variables import from_typed


class SignalBody(Lenient):
    name = fields.String(required=True)
    variables = fields.Raw(load_default=None)
    execution_id = fields.String(data_key="executionId", load_default=None, allow_none=True)
    tenant_id = fields.String(data_key="tenantId", load_default=None, allow_none=True)
    without_tenant_id = fields.Boolean(data_key="withoutTenantId", load_default=False)


@endpoint("/signal", ["POST"], summary="broadcast a signal (name, typed variables) to every waiting catcher and "
          "signal start event; 204", permission="signals.send", body=SignalBody, status=204)
def signal_throw(body: dict[str, Any]) -> Any:
    if body["execution_id"]:
        raise BadRequest("'executionId' is not supported: a signal is broadcast to every waiting catcher")
    if body["tenant_id"]:
        raise BadRequest("tenants are not supported")
    signals.broadcast(body["name"], current_user().name, from_typed(body["variables"], "variables"))
    return no_content()
