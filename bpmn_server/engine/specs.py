"""Our additions to SpiffWorkflow's Camunda parser: external service tasks and REST-deliverable messages.

- A `serviceTask` (or `sendTask`) with `camunda:type="external"` becomes an `ExternalTask`: a manual spec
  that waits until a worker completes it through the API. Other service tasks cannot run here (no Java
  delegates, no connectors) and are refused at deploy.
- Message events use `ServerMessageEventDefinition` (engine/message_events.py), whose payload is a plain
  variables object merged into the catching task's data, the way a Camunda REST correlation sets process
  variables (or kept in spiff-arena's messageVariable).

Both classes get their own serializer converters, registered in the shared registry at import.
"""

from __future__ import annotations

from typing import Any

from lxml import etree
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
from SpiffWorkflow.util.task import TaskState

from . import runtime
from .message_events import ServerMessageEventDefinition, spiff_message_extension

CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"


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


ExternalTaskConverter(ExternalTask, runtime.REGISTRY, "ExternalTask")
EventConverter(ServerThrowEvent, runtime.REGISTRY, "ServerThrowEvent")
ServerStartEventConverter(ServerStartEvent, runtime.REGISTRY, "ServerStartEvent")
