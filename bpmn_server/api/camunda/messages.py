"""Message correlation, `POST /engine-rest/message`: the same correlation as `POST /api/messages`."""

from __future__ import annotations

from typing import Any

from marshmallow import fields

from ...auth import current_user
from ...exceptions import BadRequest, Conflict, NotFound
from ...services import messages
from .base import Lenient, endpoint, no_content
from .instances import ENDED, instance_dto
from .variables import declared_types, from_typed, to_typed

MISMATCH = "org.camunda.bpm.engine.MismatchingMessageCorrelationException"


class MessageBody(Lenient):
    message_name = fields.String(data_key="messageName", required=True)
    business_key = fields.String(data_key="businessKey", load_default=None, allow_none=True)
    correlation_keys = fields.Raw(data_key="correlationKeys", load_default=None)
    process_variables = fields.Raw(data_key="processVariables", load_default=None)
    process_instance_id = fields.String(data_key="processInstanceId", load_default=None, allow_none=True)
    all = fields.Boolean(load_default=False)
    result_enabled = fields.Boolean(data_key="resultEnabled", load_default=False)
    variables_in_result = fields.Boolean(data_key="variablesInResultEnabled", load_default=False)
    local_correlation_keys = fields.Raw(data_key="localCorrelationKeys", load_default=None)
    process_variables_local = fields.Raw(data_key="processVariablesLocal", load_default=None)


def _errors(exc: Exception) -> tuple[int, str, str] | None:
    """Nothing or more than one thing matching is Camunda's MismatchingMessageCorrelationException (400)."""
    if isinstance(exc, NotFound) or (isinstance(exc, Conflict) and "more than one" in str(exc)):
        return 400, "RestException", f"{MISMATCH}: Cannot correlate message: {exc}"
    return None


def _arguments(body: dict[str, Any]) -> dict[str, Any]:
    if body["all"]:
        raise BadRequest("'all' is not supported: a message is correlated to exactly one instance or start event")
    if body["local_correlation_keys"] or body["process_variables_local"]:
        raise BadRequest("local correlation keys and local variables are not supported: variables are "
                         "instance-wide here")
    return {"business_key": body["business_key"], "correlation": from_typed(body["correlation_keys"],
                                                                             "correlationKeys"),
            "variables": from_typed(body["process_variables"], "processVariables"),
            "instance_id": body["process_instance_id"], "types": declared_types(body["process_variables"])}


@endpoint("/message", ["POST"], summary="correlate a message (messageName, businessKey, correlationKeys, "
          "processVariables, processInstanceId) to the one waiting instance, or start an instance at a message "
          "start event; resultEnabled: 200 with the result, otherwise 204", permission="messages.send",
          body=MessageBody, errors=_errors, also=[204])
def message_correlate(body: dict[str, Any]) -> Any:
    instance, started = messages.correlate_instance(body["message_name"], current_user().name, **_arguments(body))
    if not body["result_enabled"]:
        return no_content()
    result: dict[str, Any] = {
        "resultType": "ProcessDefinition" if started else "Execution",
        "processInstance": instance_dto(instance) if started else None,
        "execution": None if started else {"id": instance.id, "processInstanceId": instance.id,
                                           "ended": instance.status in ENDED, "tenantId": None}}
    if body["variables_in_result"]:
        result["variables"] = to_typed(instance.variables, types=instance.variable_types)
    return [result]
