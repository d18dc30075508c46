"""What each Camunda 7 extension does here: every type and property of Camunda's extension schema
(`camunda-bpmn-moddle`, resources/camunda.json) is classified once, and the deploy-time check
(engine/camunda_check.py) refuses what is classified REFUSED, naming the element and the extension.

RUNS: it runs with Camunda 7's documented meaning. REFUSED: a diagram that uses it gets a 422 at deploy.
HARMLESS: it has no effect on what a process does (the reason says why), so it is accepted and has none here.
Nothing is "ignored": tests/test_c7ext_catalogue.py fails on an unclassified type or property.
"""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    RUNS = "runs"
    REFUSED = "refused"
    HARMLESS = "harmless"


R, X, H = Status.RUNS, Status.REFUSED, Status.HARMLESS
_JAVA = "Java code cannot run here; move the work to an external task (camunda:type=\"external\")"
_CMMN = "CMMN cases are not supported"
_TENANT = "tenants are not supported: one server is one tenant"
_FIELDS = "field injection configures Java classes, which cannot run here"
_RESOURCE = "expressions from external resources are not deployed here; write the expression inline"
_SCRIPT_FILE = ("the script's file, deployed beside the diagram (a part of the same upload or a file of the zip; "
                "`deployment://` and `classpath://` are read as paths in the deployment); its text is stored in the "
                "definition as an inline script")

# "Type" and "Type.property" of camunda.json -> (status, what it does here or why it is refused).
CATALOGUE: dict[str, tuple[Status, str]] = {
    "Definitions": (H, "modeler metadata on bpmn:definitions"),
    "Definitions.diagramRelationId": (H, "links the file to Camunda Cawemo/Web Modeler; no execution meaning"),
    "InOutBinding": (R, "variables passed into and out of a call activity (camunda:in / camunda:out), and with a "
                            "signal (camunda:in on the signal definition of a throw or end event)"),
    "InOutBinding.source": (R, "the variable copied"),
    "InOutBinding.sourceExpression": (R, "an expression whose value is copied"),
    "InOutBinding.target": (R, "the name the value gets on the other side"),
    "InOutBinding.businessKey": (R, "the called process gets this business key (`business_key` variable)"),
    "InOutBinding.local": (R, "only the local variables of the call activity or signal throw event are passed (its "
                                  "input parameters)"),
    "InOutBinding.variables": (R, "variables=\"all\" passes every variable"),
    "In": (R, "camunda:in on a call activity: with any camunda:in, only the listed variables enter the callee; on a "
                  "signal throw or end event: the variables the signal carries to every catcher (start variables of "
                  "the instances it starts, set in the instances it reaches)"),
    "Out": (R, "camunda:out on a call activity: with any camunda:out, only the listed variables come back"),
    "AsyncCapable": (H, "transaction boundaries; see its properties"),
    "AsyncCapable.async": (H, "a transaction boundary: every step here commits, and a failing activity becomes an "
                              "incident at that activity with the state before it kept, as asyncBefore gives"),
    "AsyncCapable.asyncBefore": (H, "as camunda:async: each step commits and a failure is an incident at the "
                                    "failing activity, retried from there"),
    "AsyncCapable.asyncAfter": (H, "each step commits; the outcome of the process is the same"),
    "AsyncCapable.exclusive": (H, "steps of one instance never run concurrently here (row lock), which is what "
                                  "exclusive jobs give"),
    "JobPriorized": (H, "job executor ordering"),
    "JobPriorized.jobPriority": (H, "orders Camunda's job queue; timers here fire by due time, the outcome is "
                                    "the same"),
    "SignalEventDefinitionExtension": (H, "see async"),
    "SignalEventDefinitionExtension.async": (H, "signals are delivered after the throwing step commits either way"),
    "ErrorEventDefinitionExtension": (R, "variables a caught BPMN error is written to"),
    "ErrorEventDefinitionExtension.errorCodeVariable": (R, "the caught error's code is stored in this variable"),
    "ErrorEventDefinitionExtension.errorMessageVariable": (R, "the caught error's message is stored in this "
                                                              "variable"),
    "ErrorEventDefinition": (X, "camunda:errorEventDefinition on external tasks (errors raised by an expression "
                                "over the worker's result) is not supported; workers report BPMN errors through "
                                "the API"),
    "ErrorEventDefinition.expression": (X, "see camunda:errorEventDefinition"),
    "Error": (R, "camunda:errorMessage on bpmn:error"),
    "Error.camunda:errorMessage": (R, "the message an error end event throws, stored by errorMessageVariable"),
    "PotentialStarter": (X, "bpmn:potentialStarter is not supported; use camunda:candidateStarterGroups / Users"),
    "PotentialStarter.resourceAssignmentExpression": (X, "see camunda:potentialStarter"),
    "FormSupported": (R, "forms of user tasks and start events"),
    "FormSupported.formHandlerClass": (X, _JAVA),
    "FormSupported.formKey": (R, "the task says which form the process expects (`form_key` in the task API); the "
                                 "server's generated form is used only when camunda:formData is present"),
    "FormSupported.formRef": (R, "a Camunda Form by id: shown as the task's `form_key` (`camunda-forms:<formRef>`)"),
    "FormSupported.formRefBinding": (H, "which version of the Camunda Form a client shows; forms are not stored "
                                        "here, the client resolves `form_key`"),
    "FormSupported.formRefVersion": (H, "see formRefBinding"),
    "TemplateSupported": (H, "Camunda Modeler element templates"),
    "TemplateSupported.modelerTemplate": (H, "the Modeler template the element was made from; modelling aid only"),
    "TemplateSupported.modelerTemplateVersion": (H, "see modelerTemplate"),
    "Initiator": (R, "camunda:initiator on start events"),
    "Initiator.initiator": (R, "the name of the user who started the instance is stored in this variable"),
    "ScriptTask": (R, "Camunda's script task attributes"),
    "ScriptTask.resultVariable": (R, "the value of the script's last expression is stored in this variable"),
    "ScriptTask.resource": (R, _SCRIPT_FILE),
    "Process": (R, "Camunda's process attributes"),
    "Process.candidateStarterGroups": (R, "who may start the process (visibility of definitions)"),
    "Process.candidateStarterUsers": (R, "who may start the process (visibility of definitions)"),
    "Process.versionTag": (R, "shown as `version_tag` on the definition"),
    "Process.historyTimeToLive": (R, "shown as `history_time_to_live` (days) on the definition; ended instances "
                                     "of the process are pruned after it by the retention job"),
    "Process.isStartableInTasklist": (H, "a hint for Camunda's Tasklist application; starting is governed by the "
                                         "API's roles and candidate starters here"),
    "EscalationEventDefinitionExtension": (R, "the variable a caught escalation's code is written to"),
    "EscalationEventDefinitionExtension.escalationCodeVariable": (R, "the caught escalation's code is stored in "
                                                                     "this variable"),
    "FormalExpression": (X, "see resource"),
    "FormalExpression.resource": (X, _RESOURCE),
    "Assignable": (R, "who works a user task, and when"),
    "Assignable.assignee": (R, "the task's assignee (an expression or a name)"),
    "Assignable.candidateUsers": (R, "users who may claim the task"),
    "Assignable.candidateGroups": (R, "groups whose members may claim the task"),
    "Assignable.dueDate": (R, "`due_at` of the task (ISO date, date-time or duration)"),
    "Assignable.followUpDate": (R, "`follow_up_at` of the task (ISO date, date-time or duration)"),
    "Assignable.priority": (R, "`priority` of the task"),
    "CallActivity": (R, "Camunda's call activity attributes"),
    "CallActivity.calledElementBinding": (R, "\"latest\" and \"deployment\": the callee is bound when the caller "
                                             "is deployed (the process of the same file, or the latest deployed); "
                                             "\"version\" and \"versionTag\" are refused"),
    "CallActivity.calledElementVersion": (X, "calling a fixed version of a process is not supported"),
    "CallActivity.calledElementVersionTag": (X, "calling a process by version tag is not supported"),
    "CallActivity.calledElementTenantId": (X, _TENANT),
    "CallActivity.caseRef": (X, _CMMN),
    "CallActivity.caseBinding": (X, _CMMN),
    "CallActivity.caseVersion": (X, _CMMN),
    "CallActivity.caseTenantId": (X, _CMMN),
    "CallActivity.variableMappingClass": (X, _JAVA),
    "CallActivity.variableMappingDelegateExpression": (X, _JAVA),
    "ServiceTaskLike": (R, "external service tasks, and the payload of message events"),
    "ServiceTaskLike.expression": (X, "an expression calling Java beans on a service task cannot run here; on a "
                                      "message event definition it computes the thrown payload and runs"),
    "ServiceTaskLike.class": (X, _JAVA),
    "ServiceTaskLike.delegateExpression": (X, _JAVA),
    "ServiceTaskLike.resultVariable": (R, "on a message event definition: the variable the payload is stored in"),
    "DmnCapable": (R, "business rule tasks calling DMN decisions (the decisions engine)"),
    "DmnCapable.decisionRef": (R, "the decision evaluated"),
    "DmnCapable.decisionRefBinding": (R, "latest (the version deployed when the task starts) or version; "
                                         "deployment and versionTag are refused (engine/decision_task.py)"),
    "DmnCapable.decisionRefVersion": (R, "the decision version called with decisionRefBinding=\"version\""),
    "DmnCapable.mapDecisionResult": (R, "how the decision result is mapped into variables"),
    "DmnCapable.decisionRefTenantId": (X, _TENANT),
    "ExternalCapable": (R, "external tasks"),
    "ExternalCapable.type": (R, "type=\"external\": the task is done by an external worker"),
    "ExternalCapable.topic": (R, "the topic workers fetch the task by"),
    "TaskPriorized": (R, "priority of external tasks"),
    "TaskPriorized.taskPriority": (R, "`priority` of the external task (on a process: the default of its tasks)"),
    "Properties": (H, "free key/value metadata; Camunda gives it no execution meaning either"),
    "Properties.values": (H, "see camunda:properties"),
    "Property": (H, "see camunda:properties"),
    "Property.id": (H, "see camunda:properties"),
    "Property.name": (H, "see camunda:properties"),
    "Property.value": (H, "see camunda:properties"),
    "Connector": (X, "Camunda Connect (HTTP/SOAP connectors) is not available; use an external task"),
    "Connector.inputOutput": (X, "see camunda:connector"),
    "Connector.connectorId": (X, "see camunda:connector"),
    "InputOutput": (R, "input and output parameters of an activity or event, with Camunda's local scope"),
    "InputOutput.inputOutput": (X, "an input/output mapping nested in a mapping (connector form) is refused"),
    "InputOutput.connectorId": (X, "see camunda:connector"),
    "InputOutput.inputParameters": (R, "local variables of the activity, set before its start listeners"),
    "InputOutput.outputParameters": (R, "with output parameters, only they reach the enclosing scope, after the "
                                        "activity and before its end listeners"),
    "InputOutputParameter": (R, "one parameter"),
    "InputOutputParameter.name": (R, "the variable set"),
    "InputOutputParameter.value": (R, "a constant text, a `${}` expression or text with `${}` parts"),
    "InputOutputParameter.definition": (R, "a camunda:list, camunda:map or camunda:script value"),
    "InputOutputParameterDefinition": (R, "the value of a parameter"),
    "List": (R, "a list value"),
    "List.items": (R, "its items (text, expressions, lists, maps, scripts)"),
    "Map": (R, "a map value"),
    "Map.entries": (R, "its entries"),
    "Entry": (R, "one map entry"),
    "Entry.key": (R, "the key"),
    "Entry.value": (R, "the value (text or expression)"),
    "Entry.definition": (R, "a nested list, map or script"),
    "Value": (R, "a list item, or an option of an enum form field"),
    "Value.id": (R, "the option's id (enum form fields)"),
    "Value.name": (R, "the option's label (enum form fields)"),
    "Value.value": (R, "the item's text or expression"),
    "Script": (R, "a Python or JavaScript script (sandboxed; JavaScript in V8); Groovy, FreeMarker and other "
                  "languages are refused"),
    "Script.scriptFormat": (R, "python or javascript, or feel for a value (input/output parameters); other formats "
                                "are refused"),
    "Script.resource": (R, _SCRIPT_FILE),
    "Script.value": (R, "the script; as a parameter value, its last expression gives the value"),
    "Field": (X, _FIELDS),
    "Field.name": (X, _FIELDS),
    "Field.expression": (X, _FIELDS),
    "Field.stringValue": (X, _FIELDS),
    "Field.string": (X, _FIELDS),
    "InputParameter": (R, "an input parameter"),
    "OutputParameter": (R, "an output parameter"),
    "Collectable": (R, "multi-instance over a collection"),
    "Collectable.collection": (R, "the collection, one instance per element"),
    "Collectable.elementVariable": (R, "the variable holding each instance's element"),
    "FailedJobRetryTimeCycle": (R, "on script tasks and external tasks: \"R<n>/<duration>\" runs a failing task "
                                   "at most n times, each retry after the duration (a timer), then an incident; other "
                                   "forms and other elements are refused"),
    "FailedJobRetryTimeCycle.body": (R, "the cycle, R<n>/<ISO 8601 duration>"),
    "ExecutionListener": (R, "start and end listeners of processes, activities, events and gateways, take "
                             "listeners of sequence flows"),
    "ExecutionListener.expression": (R, "an expression evaluated for its effect"),
    "ExecutionListener.class": (X, _JAVA),
    "ExecutionListener.delegateExpression": (X, _JAVA),
    "ExecutionListener.event": (R, "start, end (also when the activity is cancelled) or take"),
    "ExecutionListener.script": (R, "a Python or JavaScript script (sandboxed)"),
    "ExecutionListener.fields": (X, _FIELDS),
    "TaskListener": (R, "create, assignment (also on claim and assign), complete, delete (the task is cancelled) and "
                        "timeout listeners of user tasks"),
    "TaskListener.expression": (R, "an expression evaluated for its effect"),
    "TaskListener.class": (X, _JAVA),
    "TaskListener.delegateExpression": (X, _JAVA),
    "TaskListener.event": (R, "create, assignment, complete, delete, timeout; update is refused"),
    "TaskListener.script": (R, "a Python or JavaScript script (sandboxed; `task` is Camunda's DelegateTask: the "
                               "variable methods, setAssignee, setPriority, setDueDate, addCandidateGroup, ..., "
                               "whose changes reach the task as the API's would)"),
    "TaskListener.fields": (X, _FIELDS),
    "TaskListener.id": (H, "names the listener (Camunda requires it on timeout listeners); no effect on what runs"),
    "TaskListener.eventDefinitions": (R, "the timer of a timeout listener (duration, date or cycle): the listener "
                                         "runs when it fires and the task stays open"),
    "FormProperty": (X, "camunda:formProperty (the older form model) is not supported; use camunda:formData"),
    "FormProperty.id": (X, "see camunda:formProperty"),
    "FormProperty.name": (X, "see camunda:formProperty"),
    "FormProperty.type": (X, "see camunda:formProperty"),
    "FormProperty.required": (X, "see camunda:formProperty"),
    "FormProperty.readable": (X, "see camunda:formProperty"),
    "FormProperty.writable": (X, "see camunda:formProperty"),
    "FormProperty.variable": (X, "see camunda:formProperty"),
    "FormProperty.expression": (X, "see camunda:formProperty"),
    "FormProperty.datePattern": (X, "see camunda:formProperty"),
    "FormProperty.default": (X, "see camunda:formProperty"),
    "FormProperty.values": (X, "see camunda:formProperty"),
    "FormData": (R, "the server's generated form of a user task (validated on completion) or of the process's "
                    "none start event (`start_form` of the definition, validated when an instance starts through "
                    "the native API; Camunda's /start does not check it, as in Camunda)"),
    "FormData.fields": (R, "its fields"),
    "FormData.businessKey": (R, "on a start form: that field's value becomes the instance's business key"),
    "FormField": (R, "a form field"),
    "FormField.id": (R, "the variable it sets"),
    "FormField.label": (R, "its label"),
    "FormField.type": (R, "string, long, boolean, date, enum"),
    "FormField.datePattern": (H, "how Camunda's Tasklist displays a date; dates are ISO 8601 in the API"),
    "FormField.defaultValue": (R, "its default; on a user task's enum field without camunda:value, an expression "
                                  "(`#{users}`) whose value when the task is created gives the options (a list: "
                                  "each item is id and name; a map: key is id, value is name)"),
    "FormField.properties": (H, "free key/value metadata of a field for form renderers"),
    "FormField.validation": (R, "its constraints, checked on completion"),
    "FormField.values": (R, "the options of an enum field (or from an expression: see defaultValue)"),
    "Validation": (R, "a field's constraints"),
    "Validation.constraints": (R, "required, readonly, min, max, minlength, maxlength"),
    "Constraint": (R, "one constraint"),
    "Constraint.name": (R, "its kind"),
    "Constraint.config": (R, "its parameter"),
    "ConditionalEventDefinitionExtension": (R, "when a waiting conditional event is evaluated again"),
    "ConditionalEventDefinitionExtension.variableName": (R, "on intermediate and boundary conditional events: after "
                                                            "entry, the condition is evaluated again when this "
                                                            "variable changes value, and fires when it holds"),
    "ConditionalEventDefinitionExtension.variableEvents": (R, "which changes count: create, update, delete (all "
                                                              "when empty)"),
}


def status(name: str) -> tuple[Status, str] | None:
    """The classification of a type ("InputOutput") or property ("InputOutput.inputParameters")."""
    return CATALOGUE.get(name)
