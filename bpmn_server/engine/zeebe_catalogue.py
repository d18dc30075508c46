"""What each Camunda 8 (Zeebe) extension does here: every type and property of Zeebe's extension schema
(`zeebe-bpmn-moddle`, resources/zeebe.json) is classified once, as engine/camunda_catalogue.py does for
Camunda 7, and engine/zeebe_check.py refuses at deploy what is classified REFUSED, naming the element and
the extension. tests/test_zeebe_catalogue.py fails on an unclassified type or property.
"""

from __future__ import annotations

from .camunda_catalogue import Status

R, X, H = Status.RUNS, Status.REFUSED, Status.HARMLESS
_LISTENER = ("job-worker listeners are not supported; model the work as a service task "
             "(zeebe:taskDefinition) instead")
_BINDING = "only the latest deployed version is bound here (bindingType \"latest\")"

# "Type" and "Type.property" of zeebe.json -> (status, what it does here or why it is refused).
CATALOGUE: dict[str, tuple[Status, str]] = {
    "ZeebeServiceTask": (H, "see retryCounter"),
    "ZeebeServiceTask.retryCounter": (X, "a job retry counter variable is not supported"),
    "IoMapping": (R, "input mappings set local variables of the activity, output mappings copy values back "
                     "to the process scope (and then only they leave the activity, as in Zeebe)"),
    "IoMapping.ioMapping": (H, "a schema artefact of zeebe-bpmn-moddle, never written by the modeler"),
    "IoMapping.inputParameters": (R, "the zeebe:input mappings"),
    "IoMapping.outputParameters": (R, "the zeebe:output mappings"),
    "InputOutputParameter": (R, "one mapping"),
    "InputOutputParameter.source": (R, "a FEEL expression (`= ...`) or a static value"),
    "InputOutputParameter.target": (R, "the variable set; a dotted input target (`to.email`) builds a context; "
                                       "a dotted output target is refused"),
    "Input": (R, "zeebe:input: evaluated when the activity starts, local to it"),
    "Output": (R, "zeebe:output: evaluated when the activity ends, written to the process scope"),
    "Subscription": (R, "the correlation key of a message"),
    "Subscription.correlationKey": (R, "`= variable`: a message correlates by that variable (`correlation` of "
                                       "POST /api/messages); a constant key: any waiting instance; other FEEL "
                                       "expressions are refused"),
    "TaskHeaders": (R, "static headers handed to the worker with the job"),
    "TaskHeaders.values": (R, "the zeebe:header entries"),
    "Header": (R, "one header"),
    "Header.id": (H, "an XML id of the header; no execution meaning"),
    "Header.key": (R, "the header name the worker sees"),
    "Header.value": (R, "the header value (static text, as in Zeebe)"),
    "TaskDefinition": (R, "the job of a service, send or business rule task or message throw event: an "
                          "external task"),
    "TaskDefinition.type": (R, "the job type is the external task topic; a FEEL type is refused"),
    "TaskDefinition.retries": (R, "the job's retries, handed to the worker"),
    "LoopCharacteristics": (R, "multi-instance over a collection"),
    "LoopCharacteristics.inputCollection": (R, "`= variable`: the collection iterated; other expressions are "
                                               "refused"),
    "LoopCharacteristics.inputElement": (R, "the variable holding the element of each instance"),
    "LoopCharacteristics.outputCollection": (X, "collecting results of a multi-instance is not supported yet"),
    "LoopCharacteristics.outputElement": (X, "collecting results of a multi-instance is not supported yet"),
    "CalledElement": (R, "the process a call activity starts"),
    "CalledElement.processId": (R, "the called process id (latest deployed version); FEEL is refused"),
    "CalledElement.processIdExpression": (X, "a called process chosen by an expression is not supported"),
    "CalledElement.propagateAllChildVariables": (R, "true (default): every variable of the child comes back; "
                                                    "false: none (only output mappings)"),
    "CalledElement.propagateAllParentVariables": (R, "true (default): every variable goes to the child; false: "
                                                     "only the input mappings"),
    "CalledElement.businessId": (X, "business ids of Camunda 8.8 are not supported"),
    "UserTaskForm": (R, "a Camunda Form (form-js JSON) embedded in the diagram, linked by formKey "
                        "`camunda-forms:bpmn:ID`"),
    "UserTaskForm.id": (R, "the id formKey links"),
    "UserTaskForm.body": (R, "the form's JSON: the task's `form.schema`, checked when the task is completed"),
    "FormDefinition": (R, "the form of a user task, or the start form of a process's none start event (the "
                          "variables an instance starts with are checked against it); elsewhere refused"),
    "FormDefinition.formKey": (R, "`camunda-forms:bpmn:ID` links an embedded zeebe:userTaskForm; other keys are "
                                  "refused"),
    "FormDefinition.formId": (R, "links a Camunda Form deployed as a `.form` file (`GET /api/forms`): a formId "
                                 "neither deployed nor in the same deployment is refused at deploy; a user task "
                                 "binds the latest version when it is created, a start event the latest version "
                                 "when the process is deployed"),
    "FormDefinition.externalReference": (R, "an external form: the task's `form_key` (/v2's "
                                            "`externalFormReference`), the reference the task application opens; "
                                            "a FEEL expression is refused"),
    "LinkedResource": (X, "linked resources (RPA scripts and the like) are not supported"),
    "LinkedResource.resourceId": (X, "linked resources are not supported"),
    "LinkedResource.resourceType": (X, "linked resources are not supported"),
    "LinkedResource.linkName": (X, "linked resources are not supported"),
    "LinkedResources": (X, "linked resources are not supported"),
    "LinkedResources.values": (X, "linked resources are not supported"),
    "UserTask": (R, "a Camunda user task: it is in the task list like every user task here"),
    "CalledDecision": (R, "a business rule task evaluates a deployed decision (engine/decision_task.py)"),
    "CalledDecision.decisionId": (R, "the decision (latest version)"),
    "CalledDecision.resultVariable": (R, "the variable the result is written to"),
    "AssignmentDefinition": (R, "who does a user task"),
    "AssignmentDefinition.assignee": (R, "the assignee: a user name or a FEEL expression"),
    "AssignmentDefinition.candidateGroups": (R, "comma-separated groups or a FEEL list"),
    "AssignmentDefinition.candidateUsers": (R, "comma-separated users or a FEEL list"),
    "PriorityDefinition": (R, "the priority of a user task"),
    "PriorityDefinition.priority": (R, "a number or a FEEL expression: the task's priority"),
    "JobPriorityDefinition": (X, "job priorities are not supported"),
    "JobPriorityDefinition.priority": (X, "job priorities are not supported"),
    "TaskSchedule": (R, "dates of a user task"),
    "TaskSchedule.dueDate": (R, "an ISO 8601 date-time or FEEL: the task's due date"),
    "TaskSchedule.followUpDate": (R, "an ISO 8601 date-time or FEEL: the task's follow-up date"),
    "Properties": (H, "custom properties for tools (connectors, task lists); no execution meaning"),
    "Properties.properties": (H, "the zeebe:property entries"),
    "Property": (H, "one custom property; no execution meaning"),
    "Property.name": (H, "its name"),
    "Property.value": (H, "its value"),
    "TemplateSupported": (H, "element templates of the modeler"),
    "TemplateSupported.modelerTemplate": (H, "the element template used in the modeler; no execution meaning"),
    "TemplateSupported.modelerTemplateVersion": (H, "its version; no execution meaning"),
    "TemplateSupported.modelerTemplateIcon": (H, "its icon; no execution meaning"),
    "ConfigurationSupported": (H, "element template configuration"),
    "ConfigurationSupported.modelerConfigurationTemplate": (H, "modeler metadata; no execution meaning"),
    "ConfigurationSupported.modelerConfigurationName": (H, "modeler metadata; no execution meaning"),
    "TemplatedRootElement": (H, "element templates of errors, messages and signals"),
    "TemplatedRootElement.modelerTemplate": (H, "modeler metadata; no execution meaning"),
    "Script": (R, "a script task that evaluates a FEEL expression"),
    "Script.expression": (R, "the FEEL expression"),
    "Script.resultVariable": (R, "the variable its value is written to"),
    "ExecutionListeners": (X, _LISTENER),
    "ExecutionListeners.listeners": (X, _LISTENER),
    "ExecutionListener": (X, _LISTENER),
    "ExecutionListener.eventType": (X, _LISTENER),
    "ExecutionListener.retries": (X, _LISTENER),
    "ExecutionListener.type": (X, _LISTENER),
    "ExecutionListener.headers": (X, _LISTENER),
    "TaskListeners": (X, _LISTENER),
    "TaskListeners.listeners": (X, _LISTENER),
    "TaskListener": (X, _LISTENER),
    "TaskListener.eventType": (X, _LISTENER),
    "TaskListener.retries": (X, _LISTENER),
    "TaskListener.type": (X, _LISTENER),
    "VersionTag": (R, "the process's version tag (`version_tag` of the definition)"),
    "VersionTag.value": (R, "the tag"),
    "BindingTypeSupported": (R, "which version a call, decision or form binds"),
    "BindingTypeSupported.bindingType": (R, f"\"latest\" runs; \"deployment\" and \"versionTag\" are refused: "
                                            f"{_BINDING}"),
    "BindingTypeSupported.versionTag": (X, _BINDING),
    "AdHoc": (X, "ad-hoc subprocesses are not supported"),
    "AdHoc.activeElementsCollection": (X, "ad-hoc subprocesses are not supported"),
    "AdHoc.outputCollection": (X, "ad-hoc subprocesses are not supported"),
    "AdHoc.outputElement": (X, "ad-hoc subprocesses are not supported"),
    "ConditionalFilter": (X, "variable filters of conditional events are not supported yet"),
    "ConditionalFilter.variableNames": (X, "variable filters of conditional events are not supported yet"),
    "ConditionalFilter.variableEvents": (X, "variable filters of conditional events are not supported yet"),
    "AgentDefinition": (X, "AI agents are not supported"),
    "AgentDefinition.agentType": (X, "AI agents are not supported"),
}

# Attributes the schema adds to BPMN elements (and to zeebe elements by a mixin) -> their type.
ATTRIBUTE_TYPES = {"retryCounter": "ZeebeServiceTask", "modelerTemplate": "TemplateSupported",
                   "modelerTemplateVersion": "TemplateSupported", "modelerTemplateIcon": "TemplateSupported",
                   "modelerConfigurationTemplate": "ConfigurationSupported",
                   "modelerConfigurationName": "ConfigurationSupported",
                   "bindingType": "BindingTypeSupported", "versionTag": "BindingTypeSupported"}
# Element names whose catalogue type is not the name with an upper-case first letter.
ELEMENT_TYPES = {"input": "Input", "output": "Output"}
SUPERS = {"Input": "InputOutputParameter", "Output": "InputOutputParameter"}


def status(name: str) -> tuple[Status, str] | None:
    return CATALOGUE.get(name)
