"""Process instances and their variables, as Camunda's runtime service shows them.

Unlike Camunda, an ended instance stays readable here (`"ended": true`): history is never deleted.
"""

from __future__ import annotations

from typing import Any

from marshmallow import fields

from ...auth import current_user
from ...exceptions import NotFound
from ...services import instances
from .base import Query, endpoint
from .variables import to_typed, to_typed_value

ENDED = ("completed", "cancelled")


def instance_dto(instance: Any, with_variables: bool = False) -> dict[str, Any]:
    """Camunda's ProcessInstanceDto (plus `variables` when asked for, as after a start)."""
    dto: dict[str, Any] = {
        "links": [], "id": instance.id, "definitionId": instance.definition_id, "definitionKey": instance.process,
        "businessKey": instance.business_key, "caseInstanceId": None, "ended": instance.status in ENDED,
        "suspended": instance.status == "suspended", "tenantId": None}
    if with_variables:
        dto["variables"] = to_typed(instance.variables)
    return dto


class VariablesQuery(Query):
    deserialize_values = fields.String(data_key="deserializeValues", load_default=None)


@endpoint("/process-instance/<instance_id>", ["GET"], summary="a process instance", permission="instances.read")
def process_instance_get(instance_id: str) -> Any:
    return instance_dto(instances.get(instance_id, current_user()))


@endpoint("/process-instance/<instance_id>/variables", ["GET"], summary="an instance's variables, typed",
          permission="instances.read", query=VariablesQuery)
def process_instance_variables(instance_id: str, query: dict[str, Any]) -> Any:
    return to_typed(instances.get(instance_id, current_user()).variables)


@endpoint("/process-instance/<instance_id>/variables/<var_name>", ["GET"], summary="one variable of an instance, "
          "typed", permission="instances.read", query=VariablesQuery)
def process_instance_variable(instance_id: str, var_name: str, query: dict[str, Any]) -> Any:
    variables = instances.get(instance_id, current_user()).variables or {}
    if var_name not in variables:
        raise NotFound(f"process instance variable with name {var_name} does not exist")
    return to_typed_value(variables[var_name])
