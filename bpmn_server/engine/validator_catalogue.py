"""The rules of `validator`: id -> (the constraints it enforces, what it checks), and what is not enforced.

Constraint numbers are those of the BPMNspector catalogue of BPMN 2.0.2 constraints (EXT.nnn) that the betsy
`bpmn_constraints` models violate one by one; REF stands for its reference checks; XSD for the schema.
"""

from __future__ import annotations

RULE_CATALOGUE: dict[str, tuple[tuple[str, ...], str]] = {
    "xsd": (("XSD",), "the document is valid against the OMG BPMN 2.0 XML schema"),
    "duplicate-id": (("EXT.002",), "ids are unique"),
    "missing-id": (("EXT.002", "EXT.003"), "processes, participants, flow nodes and flows have an id"),
    "invalid-text-format": (("EXT.004", "EXT.010"), "textFormat is a MIME type"),
    "invalid-uri": (("EXT.014", "EXT.060"), "expression/type languages and transaction methods are URIs"),
    "invalid-script-format": (("EXT.145",), "scriptFormat is a MIME type or a script language"),
    "artifact-connected": (("EXT.006", "EXT.007", "EXT.008", "EXT.009"),
                           "artifacts are neither source nor target of sequence or message flows"),
    "escalation-code-missing": (("EXT.011",), "a thrown escalation has an escalationCode"),
    "natural-language-expression": (("EXT.012",), "executable processes use formal expressions"),
    "empty-expression": (("EXT.013",), "formal expressions have a body"),
    "gateway-direction": (("EXT.017", "EXT.018", "EXT.019"), "flows agree with gatewayDirection"),
    "is-collection-mismatch": (("EXT.020", "EXT.077", "EXT.081", "EXT.083"),
                               "isCollection agrees with the itemDefinition"),
    "event-subprocess-connected": (("EXT.021", "EXT.022", "EXT.057"), "event sub-processes have no sequence flows"),
    "flow-node-refs": (("EXT.023", "EXT.101", "EXT.107"),
                       "nodes list their flows in incoming/outgoing (when the file lists flows at all)"),
    "immediate-flow": (("EXT.024",), "isImmediate is not false in executable processes"),
    "single-conditional-flow": (("EXT.025",), "an activity's only outgoing flow is unconditional"),
    "default-flow-source": (("EXT.026",), "a default flow starts at the element that names it"),
    "choreography-ref": (("EXT.027",), "choreographies and global conversations reference no choreography"),
    "flow-crosses-boundary": (("EXT.028", "EXT.152"), "sequence flows stay inside one pool and one sub-process"),
    "participant-multiplicity": (("EXT.029", "EXT.030"), "0 <= minimum <= maximum, maximum >= 1"),
    "message-flow-same-pool": (("EXT.031",), "message flows connect two different pools"),
    "global-conversation": (("EXT.032",), "global conversations hold no conversation nodes or artifacts"),
    "choreography-closed": (("EXT.033",), "a collaboration and its choreography agree on isClosed"),
    "public-process-executable": (("EXT.035",), "public processes are not executable"),
    "choreography-in-process": (("EXT.036", "EXT.056"), "processes and sub-processes hold no choreography activities"),
    "activity-quantity": (("EXT.037", "EXT.038"), "startQuantity and completionQuantity are at least 1"),
    "resource-role": (("EXT.039", "EXT.040"), "a resource role uses a resource reference or an expression"),
    "loop-markers": (("EXT.041", "EXT.054", "EXT.055"), "an activity has at most one loop marker"),
    "loop-maximum": (("errors/LoopTask_NegativeLoopMaximum",), "loopMaximum is not negative"),
    "service-task-io": (("EXT.042", "EXT.043", "EXT.044", "EXT.045"), "a service task's I/O fits its operation"),
    "send-task-io": (("EXT.046", "EXT.047", "EXT.048"), "a send task's input fits its message"),
    "receive-task-instantiate": (("EXT.049",), "an instantiating receive task has no incoming flow"),
    "receive-task-io": (("EXT.050", "EXT.051", "EXT.052"), "a receive task's output fits its message"),
    "script-format-missing": (("EXT.053",), "a script that is not Python declares its scriptFormat"),
    "event-subprocess-start": (("EXT.058", "EXT.059", "EXT.129"), "one start event with an allowed trigger"),
    "adhoc-content": (("EXT.061", "EXT.062"), "ad-hoc sub-processes hold activities and no start/end events"),
    "call-activity-io": (("EXT.063",), "a call activity's I/O matches the called element's"),
    "io-binding": (("EXT.064", "EXT.065"), "service interfaces are bound to matching data"),
    "multi-instance": (("EXT.067", "EXT.068", "EXT.069", "EXT.070"),
                       "multi-instance has a cardinality or collection, consistent data items"),
    "condition-not-boolean": (("EXT.071", "EXT.072"), "completion and behaviour conditions are not literals"),
    "data-reference-name": (("EXT.076",), "a data object reference with a state is named 'Object [state]'"),
    "misplaced-property": (("EXT.078",), "properties belong to processes, activities or events"),
    "subprocess-io-specification": (("EXT.079",), "sub-processes have no ioSpecification"),
    "data-association-direction": (("EXT.080", "EXT.082"), "data inputs are read, data outputs written"),
    "io-set-refs": (("EXT.084", "EXT.085", "EXT.086", "EXT.087", "EXT.088", "EXT.089", "EXT.090"),
                    "input/output sets list every data input/output consistently"),
    "data-association-type": (("EXT.091",), "source and target of a data association have the same item"),
    "data-association-sources": (("EXT.092",), "a data association without transformation has one source"),
    "event-data": (("EXT.093", "EXT.094"), "one data input/output per event definition, of its item"),
    "event-definition-reuse": (("EXT.095",), "event definitions inside throw events are not shared"),
    "start-event-incoming": (("EXT.096",), "start events have no incoming flows"),
    "end-without-start": (("EXT.097",), "a level with end events has a start event"),
    "start-event-trigger": (("EXT.098", "EXT.121"), "process start events use none/message/timer/conditional/signal"),
    "called-process-start": (("EXT.099",), "a called process has a none start event"),
    "subprocess-start-trigger": (("EXT.100",), "sub-process start events have no trigger"),
    "start-event-message-flow": (("EXT.102",), "start events send no message flows"),
    "end-event-outgoing": (("EXT.104",), "end events have no outgoing flows"),
    "start-without-end": (("EXT.105",), "a level with a start event has an end event"),
    "cancel-end-event": (("EXT.106",), "cancel end events are inside transactions"),
    "end-event-message-flow": (("EXT.108", "EXT.109"), "end events receive no message flows; senders have a message"),
    "boundary-event-trigger": (("EXT.110", "EXT.130", "EXT.147"), "boundary events have an allowed trigger"),
    "cancel-boundary-event": (("EXT.111", "EXT.120"), "cancel boundary events are attached to transactions"),
    "boundary-event-incoming": (("EXT.112",), "boundary events have no incoming flows"),
    "boundary-event-outgoing": (("EXT.114",), "a compensation boundary event has no outgoing flow"),
    "intermediate-event-flows": (("EXT.115", "EXT.116", "EXT.117"), "intermediate events are on a path"),
    "link-event": (("EXT.118", "EXT.124", "EXT.125", "EXT.126"), "link events pair up within one level"),
    "catch-event-message-flow": (("EXT.119",), "intermediate catch events send no message flows"),
    "throw-event-message-flow": (("EXT.119",), "intermediate throw events receive no message flows"),
    "intermediate-catch-trigger": (("EXT.122", "EXT.148"), "intermediate catch events have an allowed trigger"),
    "intermediate-throw-trigger": (("EXT.149",), "intermediate throw events have an allowed trigger"),
    "conditional-event-expression": (("EXT.123",), "conditional events have a formal condition"),
    "message-ref-missing": (("EXT.127",), "message events of executable processes name their message"),
    "timer-definition": (("EXT.131",), "a timer has one of timeDate, timeDuration, timeCycle"),
    "timer-value": (("EXT.132", "EXT.133", "EXT.134"), "timer values are ISO 8601 or expressions"),
    "gateway-flows": (("EXT.135",), "gateways split or join"),
    "event-gateway": (("EXT.136", "EXT.137", "EXT.138", "EXT.139", "EXT.140", "EXT.141", "EXT.142"),
                      "event-based gateways lead to receive tasks or catch events only"),
    "compensation-association": (("EXT.143", "EXT.144"), "compensation boundary events have a handler"),
    "end-event-trigger": (("EXT.146",), "end events have an allowed result"),
    "unconnected-node": (("EXT.150", "EXT.151"), "with start/end events, every node is on a path"),
    "reference-type": (("REF",), "references name an element of the right kind"),
    "unknown-reference": (("REF",), "references name an element of this file"),
}

# Constraints of the catalogue that deploys do not enforce, and why.
NOT_ENFORCED: dict[str, str] = {
    "EXT.012 (timers)": ("a timer value without xsi:type=\"tFormalExpression\" is accepted: hand-written and "
                         "Spiff diagrams omit it and the value is still a well-defined ISO 8601 literal"),
    "EXT.103": ("a none start event may receive a message flow: the flow documents who triggers the process, "
                "which is started through the API"),
    "EXT.113": ("a boundary event may have no outgoing flow: its token ends there, as Camunda 7 runs it (real "
                "diagrams model 'cancel the task on this error' so)"),
    "EXT.128": ("message events need no operationRef: messages are correlated by name, no modelling tool "
                "writes operations"),
}


def constraints_of(rule_id: str) -> tuple[str, ...]:
    """The catalogue constraints a rule id stands for (empty for an unknown id)."""
    return RULE_CATALOGUE.get(rule_id, ((), ""))[0]
