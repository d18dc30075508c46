"""Message event definitions of this server: `ServerMessageEventDefinition`, whose payload from outside (the API,
another instance) is a plain variables object merged into the catching task's data, the way a Camunda REST
correlation sets process variables, or kept whole in one variable (spiff-arena's messageVariable); and the reading
of spiff-arena's messagePayload and messageVariable. SpiffWorkflow's Camunda flavour would instead put the payload
into one `<activity>_Response` variable. Its serializer converter is registered in the shared registry at import.
"""

from __future__ import annotations

from copy import deepcopy
from typing import Any

from SpiffWorkflow.bpmn import BpmnEvent
from SpiffWorkflow.camunda.serializer.event_definition import MessageEventDefinitionConverter
from SpiffWorkflow.camunda.specs.event_definitions import MessageEventDefinition as CamundaMessageEventDefinition

from . import runtime

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
VARIABLES = "variables"  # key of our payload: {"variables": {...}}

class ServerMessageEventDefinition(CamundaMessageEventDefinition):
    """A message whose payload `{"variables": {...}}` is merged into the data of the task that catches it, or,
    with `message_var` (spiff-arena's messageVariable), stored whole in that one variable."""

    def __init__(self, name: str, correlation_properties: Any = None, expression: str | None = None,
                 result_var: str | None = None, message_var: str | None = None, **kwargs: Any):
        super().__init__(name, correlation_properties, expression, result_var, **kwargs)
        self.message_var = message_var

    def catches(self, my_task: Any, event: Any) -> bool:
        """A message from outside the workflow (the API, another instance) carries no SpiffWorkflow correlations:
        the services chose this instance by correlation already, so its name decides (SpiffWorkflow would refuse
        it once an earlier message set the workflow's correlations)."""
        if not getattr(event, "correlations", None):
            return self == event.event_definition
        return super().catches(my_task, event)

    def get_correlations(self, my_task: Any, payload: Any) -> dict[str, Any]:
        """SpiffWorkflow's correlation values, computed on the message's own payload (the variables, or the
        value of a payload expression); a property the payload lacks is left out rather than failing the catch
        (the services chose the receiving instance already: services/catchers.py)."""
        if isinstance(payload, dict) and set(payload) == {VARIABLES}:
            payload = payload[VARIABLES]
        elif isinstance(payload, dict) and "result_var" in payload:
            payload = payload.get("payload")
        found: dict[str, Any] = {}
        for prop in self.correlation_properties:
            try:
                value = my_task.workflow.script_engine.environment.evaluate(prop.retrieval_expression,
                                                                            dict(payload or {}))
            except Exception:  # noqa: BLE001, S112 - the payload lacks the property: nothing to correlate by
                continue
            for key in prop.correlation_keys:
                found.setdefault(key, {})[prop.name] = value
        return found

    def update_internal_data(self, my_task: Any, event: Any) -> None:
        payload = event.payload
        if isinstance(payload, dict) and "result_var" in payload and payload.get("result_var") is None:
            payload["result_var"] = f"{my_task.task_spec.name}_Response"
        my_task.internal_data[self.name] = payload

    def update_task_data(self, my_task: Any) -> None:
        payload = my_task.internal_data.get(self.name)
        if not isinstance(payload, dict):
            return
        if set(payload) == {VARIABLES} and self.message_var:
            my_task.data[self.message_var] = deepcopy(payload[VARIABLES])
        elif set(payload) == {VARIABLES}:
            my_task.set_data(**deepcopy(payload[VARIABLES]))
        elif "result_var" in payload and self.message_var:  # a payload thrown in this instance
            my_task.data[self.message_var] = deepcopy(payload.get("payload"))
        elif "result_var" in payload:
            # Thrown inside the workflow by a Camunda-style throw event with camunda:expression.
            my_task.data[payload["result_var"]] = payload.get("payload")

    def throw(self, my_task: Any) -> None:
        if self.expression:
            super().throw(my_task)
            return
        event = BpmnEvent(self, payload={VARIABLES: deepcopy(my_task.data)})
        my_task.workflow.top_workflow.catch(event)


def spiff_message_extension(parser: Any, message_event: Any, message_ref: str | None, name: str) -> str | None:
    """spiff-arena's messagePayload (a Python expression) or messageVariable of a message event: on its event
    definition (or send/receive task), or, in older spiff-arena files, on the bpmn:message itself."""
    path = f"{{{BPMN_NS}}}extensionElements/{{{SPIFF_NS}}}{name}"
    found = message_event.findtext(path)
    if found is None and message_ref:
        message = next(iter(parser.doc_xpath(f'.//bpmn:message[@id="{message_ref}"]')), None)
        found = message.findtext(path) if message is not None else None
    return (found or "").strip() or None


class ServerMessageEventDefinitionConverter(MessageEventDefinitionConverter):
    """Camunda's converter; `message_var` is written only when set, so specs without one serialize as before."""

    def to_dict(self, event_definition: ServerMessageEventDefinition) -> dict[str, Any]:
        dct = super().to_dict(event_definition)
        if getattr(event_definition, "message_var", None):
            dct["message_var"] = event_definition.message_var
        return dct


ServerMessageEventDefinitionConverter(ServerMessageEventDefinition, runtime.REGISTRY, "ServerMessageEventDefinition")
