"""Process instances and their variables, as Camunda's runtime service shows them.

Unlike Camunda, an ended instance stays readable here (`"ended": true`): history is never deleted.
"""

from __future__ import annotations

from typing import Any

from flask import request
from marshmallow import fields

from ...auth import current_user
from ...exceptions import BadRequest, Conflict, NotFound
from ...services import instances
from .base import Query, boolean, endpoint, no_content
from .variables import to_typed, to_typed_value

ENDED = ("completed", "cancelled")
# Camunda's REST delete of one instance carries no reason (its Java API takes one), and a cancel here
# needs one for the history: this text stands in for it, on this route only.
DEFAULT_DELETE_REASON = "deleted through the Camunda REST API (DELETE /process-instance/{id}), which sends no reason"


def instance_dto(instance: Any, with_variables: bool = False) -> dict[str, Any]:
    """Camunda's ProcessInstanceDto (plus `variables` when asked for, as after a start)."""
    dto: dict[str, Any] = {
        "links": [], "id": instance.id, "definitionId": instance.definition_id, "definitionKey": instance.process,
        "businessKey": instance.business_key, "caseInstanceId": None, "ended": instance.status in ENDED,
        "suspended": instance.status == "suspended", "tenantId": None}
    if with_variables:
        dto["variables"] = to_typed(instance.variables, types=instance.variable_types)
    return dto


class VariablesQuery(Query):
    deserialize_values = fields.String(data_key="deserializeValues", load_default=None)


@endpoint("/process-instance/<instance_id>", ["GET"], summary="a process instance", permission="instances.read")
def process_instance_get(instance_id: str) -> Any:
    return instance_dto(instances.get(instance_id, current_user()))


@endpoint("/process-instance/<instance_id>/variables", ["GET"], summary="an instance's variables, typed",
          permission="instances.read", query=VariablesQuery)
def process_instance_variables(instance_id: str, query: dict[str, Any]) -> Any:
    instance = instances.get(instance_id, current_user())
    return to_typed(instance.variables, types=instance.variable_types)


@endpoint("/process-instance/<instance_id>/variables/<var_name>", ["GET"], summary="one variable of an instance, "
          "typed", permission="instances.read", query=VariablesQuery)
def process_instance_variable(instance_id: str, var_name: str, query: dict[str, Any]) -> Any:
    instance = instances.get(instance_id, current_user())
    variables = instance.variables or {}
    if var_name not in variables:
        raise NotFound(f"process instance variable with name {var_name} does not exist")
    return to_typed_value(variables[var_name], (instance.variable_types or {}).get(var_name))


class DeleteQuery(Query):
    skip_custom_listeners = fields.String(data_key="skipCustomListeners", load_default=None)
    skip_io_mappings = fields.String(data_key="skipIoMappings", load_default=None)
    skip_subprocesses = fields.String(data_key="skipSubprocesses", load_default=None)
    fail_if_not_exists = fields.String(data_key="failIfNotExists", load_default=None)
    # Not Camunda's REST (its single delete has no reason; its Java API and batch delete do): the reason
    # kept in the `instance.cancelled` event, instead of DEFAULT_DELETE_REASON.
    delete_reason = fields.String(data_key="deleteReason", load_default=None)


def _gone(exc: Exception) -> bool:
    """Unknown, or ended: Camunda keeps no runtime instance of an ended one, so both are its 404."""
    return isinstance(exc, NotFound) or (isinstance(exc, Conflict) and exc.extra.get("instance_status") in ENDED)


def _delete_errors(exc: Exception) -> tuple[int, str, str] | None:
    if _gone(exc):
        return 404, "InvalidRequestException", f"Process instance with id {request.view_args['instance_id']} " \
                                                 "does not exist"
    return None


@endpoint("/process-instance/<instance_id>", ["DELETE"], summary="delete (cancel) a running process instance; "
          "its history stays (deleteReason: an extension)", permission="instances.manage", query=DeleteQuery,
          errors=_delete_errors, status=204)
def process_instance_delete(instance_id: str, query: dict[str, Any]) -> Any:
    if boolean(query["skip_subprocesses"]):
        raise BadRequest("skipSubprocesses is not supported: called processes run inside their caller's "
                         "instance here and end with it")
    reason = (query["delete_reason"] or "").strip() or DEFAULT_DELETE_REASON
    try:
        instances.cancel(instance_id, current_user().name, reason)
    except (NotFound, Conflict) as exc:
        if _gone(exc) and query["fail_if_not_exists"] is not None and not boolean(query["fail_if_not_exists"]):
            return no_content()
        raise
    return no_content()
