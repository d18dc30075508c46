"""Our additions to SpiffWorkflow's Camunda parser: external service tasks and REST-deliverable messages.

- A `serviceTask` (or `sendTask`) with `camunda:type="external"` becomes an `ExternalTask`: a manual spec
  that waits until a worker completes it through the API. Other service tasks cannot run here (no Java
  delegates, no connectors) and are refused at deploy.
- Message events use `ServerMessageEventDefinition`, whose payload is a plain variables object merged
  into the catching task's data, the way a Camunda REST correlation sets process variables. SpiffWorkflow's
  Camunda flavour would instead put the payload into one `<activity>_Response` variable.

Both classes get their own serializer converters, registered in the shared registry at import.
"""

from __future__ import annotations

from copy import deepcopy
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn import BpmnEvent
from SpiffWorkflow.bpmn.parser.BpmnParser import full_tag
from SpiffWorkflow.bpmn.parser.event_parsers import (
    CANCEL_EVENT_XPATH,
    CONDITIONAL_EVENT_XPATH,
    ERROR_EVENT_XPATH,
    ESCALATION_EVENT_XPATH,
    MESSAGE_EVENT_XPATH,
    SIGNAL_EVENT_XPATH,
    TERMINATION_EVENT_XPATH,
    TIMER_EVENT_XPATH,
    ReceiveTaskParser,
    SendTaskParser,
)
from SpiffWorkflow.bpmn.serializer.default.task_spec import BpmnTaskSpecConverter, EventConverter
from SpiffWorkflow.bpmn.specs.defaults import (
    BoundaryEvent,
    EndEvent,
    IntermediateCatchEvent,
    IntermediateThrowEvent,
    ReceiveTask,
    SendTask,
    ServiceTask,
    StartEvent,
)
from SpiffWorkflow.camunda.parser.CamundaParser import CamundaParser
from SpiffWorkflow.camunda.parser.event_parsers import (
    CamundaBoundaryEventParser,
    CamundaEndEventParser,
    CamundaIntermediateCatchEventParser,
    CamundaIntermediateThrowEventParser,
    CamundaStartEventParser,
)
from SpiffWorkflow.camunda.parser.task_spec import CamundaTaskParser
from SpiffWorkflow.camunda.serializer.event_definition import MessageEventDefinitionConverter
from SpiffWorkflow.camunda.specs.event_definitions import MessageEventDefinition as CamundaMessageEventDefinition
from SpiffWorkflow.util.task import TaskState

from . import runtime

CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
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


class ExternalTask(ServiceTask):
    """A service task done by an external worker: it waits (manual) until the API completes it."""

    def __init__(self, wf_spec: Any, bpmn_id: str, topic: str | None = None, **kwargs: Any):
        super().__init__(wf_spec, bpmn_id, **kwargs)
        self.topic = topic
        self.manual = True
        self.external = True

    def _run_hook(self, my_task: Any) -> bool:
        # The worker's result was merged into the task data before it runs; nothing to execute here.
        return True


class ExternalTaskConverter(BpmnTaskSpecConverter):
    def to_dict(self, spec: ExternalTask) -> dict[str, Any]:
        dct = self.get_default_attributes(spec)
        dct["topic"] = spec.topic
        return dct


def _message_name(parser: Any, message_ref: str) -> str:
    found = parser.process_parser.parser.messages.get(message_ref)
    return found or message_ref


def spiff_message_extension(parser: Any, message_event: Any, message_ref: str | None, name: str) -> str | None:
    """spiff-arena's messagePayload (a Python expression) or messageVariable of a message event: on its event
    definition (or send/receive task), or, in older spiff-arena files, on the bpmn:message itself."""
    path = f"{{{BPMN_NS}}}extensionElements/{{{SPIFF_NS}}}{name}"
    found = message_event.findtext(path)
    if found is None and message_ref:
        message = next(iter(parser.doc_xpath(f'.//bpmn:message[@id="{message_ref}"]')), None)
        found = message.findtext(path) if message is not None else None
    return (found or "").strip() or None


class _ServerMessages:
    """Mixin for every parser that reads a message event definition."""

    def parse_message_event(self, message_event: Any) -> ServerMessageEventDefinition:
        message_ref = message_event.get("messageRef")
        if message_ref:
            name = _message_name(self, message_ref)
            correlations = self.get_message_correlations(message_ref)
        else:
            name = message_event.getparent().get("name")
            correlations = {}
        payload = self.attribute("expression", "camunda", message_event) \
            or spiff_message_extension(self, message_event, message_ref, "messagePayload")
        result_var = self.attribute("resultVariable", "camunda", message_event)
        message_var = spiff_message_extension(self, message_event, message_ref, "messageVariable")
        return ServerMessageEventDefinition(name, correlations, payload, result_var, message_var)


class ServerStartEvent(StartEvent):
    """A start event that knows whether it interrupts (`isInterrupting`), which SpiffWorkflow does not read:
    an event subprocess started by a message or signal interrupts its scope or not (engine/event_subprocesses.py)."""

    def __init__(self, wf_spec: Any, bpmn_id: str, event_definition: Any, interrupting: bool = True, **kwargs: Any):
        super().__init__(wf_spec, bpmn_id, event_definition, **kwargs)
        self.interrupting = interrupting


class ServerStartEventConverter(EventConverter):
    def to_dict(self, spec: ServerStartEvent) -> dict[str, Any]:
        dct = super().to_dict(spec)
        dct["interrupting"] = spec.interrupting
        return dct


class StartEventParser(_ServerMessages, CamundaStartEventParser):
    def create_task(self) -> Any:
        # SpiffWorkflow reads no error or escalation definition on a start event: an event subprocess started
        # by one ran at once, as if it had a none start event. At the top level of a process it now waits for
        # its error or escalation; inside a subprocess, interrupting handlers are boundary events by then
        # (implicit_constructs.nested_interrupting_handlers) and the others keep SpiffWorkflow's reading.
        xpaths = [MESSAGE_EVENT_XPATH, SIGNAL_EVENT_XPATH, TIMER_EVENT_XPATH, CONDITIONAL_EVENT_XPATH]
        handler = self.node.getparent()
        if handler is not None and handler.get("triggeredByEvent") == "true" and handler.getparent() is not None \
                and etree.QName(handler.getparent().tag).localname == "process":
            xpaths += [ERROR_EVENT_XPATH, ESCALATION_EVENT_XPATH]
        event_definition = self.get_event_definition(xpaths)
        task = self._create_task(event_definition)
        self.spec.start.connect(task)
        task.interrupting = self.node.get("isInterrupting", "true").strip().lower() != "false"
        return task


class EndEventParser(_ServerMessages, CamundaEndEventParser):
    """SpiffWorkflow's end event parser skips signal definitions, so a signal end event threw nothing."""

    def create_task(self) -> Any:
        event_definition = self.get_event_definition(
            [MESSAGE_EVENT_XPATH, CANCEL_EVENT_XPATH, ERROR_EVENT_XPATH, ESCALATION_EVENT_XPATH,
             TERMINATION_EVENT_XPATH, SIGNAL_EVENT_XPATH])
        task = self._create_task(event_definition)
        task.connect(self.spec.end)
        return task


class CatchEventParser(_ServerMessages, CamundaIntermediateCatchEventParser):
    pass


class ThrowEventParser(_ServerMessages, CamundaIntermediateThrowEventParser):
    pass


class ServerThrowEvent(IntermediateThrowEvent):
    """An intermediate throw event caught by an interrupting boundary event of an enclosing subprocess stops
    there. SpiffWorkflow would complete it and run the rest of the subprocess first (the boundary event runs
    in the parent workflow, after the subprocess's ready tasks), so the task after the throw ran too. Left
    STARTED, the throw holds the subprocess until the boundary event cancels it."""

    def _run_hook(self, my_task: Any) -> Any:
        scopes, wf = set(), my_task.workflow
        while wf.parent_task_id is not None:  # the subprocess tasks this throw runs inside
            scopes.add(wf.parent_task_id)
            wf = wf.parent_workflow
        waiting = [t for t in my_task.workflow.top_workflow.event_manager.tasks.values()
                   if t.state == TaskState.WAITING and getattr(t.task_spec, "cancel_activity", False)
                   and isinstance(t.task_spec, BoundaryEvent) and t.parent is not None
                   and any(s.id in scopes for s in t.parent.children if not isinstance(s.task_spec, BoundaryEvent))]
        result = super()._run_hook(my_task)
        if any(t.state != TaskState.WAITING for t in waiting):
            return None
        return result


class BoundaryParser(_ServerMessages, CamundaBoundaryEventParser):
    pass


class ReceiveParser(_ServerMessages, ReceiveTaskParser):
    pass


class _External:
    def external_task(self) -> ExternalTask | None:
        if self.node.get(f"{{{CAMUNDA_NS}}}type") != "external":
            return None
        topic = self.node.get(f"{{{CAMUNDA_NS}}}topic")
        if not topic:
            self.raise_validation_exception('an external service task needs camunda:topic="..."')
        return ExternalTask(self.spec, self.bpmn_id, topic=topic, **self.bpmn_attributes)


class ServiceParser(_External, CamundaTaskParser):
    def create_task(self) -> ExternalTask:
        task = self.external_task()
        if task is None:
            self.raise_validation_exception(
                'service tasks are done by external workers here: set camunda:type="external" and camunda:topic')
        return task


class SendParser(_External, _ServerMessages, SendTaskParser):
    def create_task(self) -> Any:
        return self.external_task() or super().create_task()


class ServerParser(CamundaParser):
    """CamundaParser with external service tasks and REST-deliverable messages."""

    OVERRIDE_PARSER_CLASSES = {
        **CamundaParser.OVERRIDE_PARSER_CLASSES,
        full_tag("startEvent"): (StartEventParser, ServerStartEvent),
        full_tag("endEvent"): (EndEventParser, EndEvent),
        full_tag("intermediateCatchEvent"): (CatchEventParser, IntermediateCatchEvent),
        full_tag("intermediateThrowEvent"): (ThrowEventParser, ServerThrowEvent),
        full_tag("boundaryEvent"): (BoundaryParser, BoundaryEvent),
        full_tag("receiveTask"): (ReceiveParser, ReceiveTask),
        full_tag("sendTask"): (SendParser, SendTask),
        full_tag("serviceTask"): (ServiceParser, ServiceTask),
    }


class ServerMessageEventDefinitionConverter(MessageEventDefinitionConverter):
    """Camunda's converter; `message_var` is written only when set, so specs without one serialize as before."""

    def to_dict(self, event_definition: ServerMessageEventDefinition) -> dict[str, Any]:
        dct = super().to_dict(event_definition)
        if getattr(event_definition, "message_var", None):
            dct["message_var"] = event_definition.message_var
        return dct


ServerMessageEventDefinitionConverter(ServerMessageEventDefinition, runtime.REGISTRY, "ServerMessageEventDefinition")
ExternalTaskConverter(ExternalTask, runtime.REGISTRY, "ExternalTask")
EventConverter(ServerThrowEvent, runtime.REGISTRY, "ServerThrowEvent")
ServerStartEventConverter(ServerStartEvent, runtime.REGISTRY, "ServerStartEvent")
