"""Reference checks: every reference names an existing element of a kind the specification allows there."""

from __future__ import annotations

from collections.abc import Iterator

from lxml import etree

from .validator_model import ACTIVITIES, EVENT_DEFS, EVENTS, FLOW_NODES, Model, Problem, local

_ITEM_AWARE = {"dataObject", "dataObjectReference", "property", "dataStore", "dataStoreReference", "dataInput",
               "dataOutput"}
_INTERACTION = {"participant", "conversation", "subConversation", "callConversation"} | ACTIVITIES | EVENTS
_CALLABLE = {"process", "globalTask", "globalUserTask", "globalManualTask", "globalScriptTask",
             "globalBusinessRuleTask"}
_ANY = None  # must exist, any kind
# Tools often put an XML Schema type name where an itemDefinition id belongs; only a wrong kind is refused.
_TYPE_REFERENCES = {"itemRef", "structureRef", "itemSubjectRef"}

# (owner element or "*", attribute name or child element name, allowed kinds); sequence flow ends are
# checked with the flow rules. The kinds restate the BPMN 2.0 metamodel.
_ATTRIBUTES: list[tuple[str, str, set[str] | None]] = [
    ("messageFlow", "sourceRef", _INTERACTION), ("messageFlow", "targetRef", _INTERACTION),
    ("messageFlow", "messageRef", {"message"}), ("message", "itemRef", {"itemDefinition"}),
    ("participant", "processRef", {"process"}), ("boundaryEvent", "attachedToRef", ACTIVITIES),
    ("*", "default", {"sequenceFlow"}), ("process", "definitionalCollaborationRef", {"collaboration"}),
    ("correlationPropertyRetrievalExpression", "messageRef", {"message"}),
    ("correlationSubscription", "correlationKeyRef", {"correlationKey"}),
    ("correlationPropertyBinding", "correlationPropertyRef", {"correlationProperty"}),
    ("error", "structureRef", {"itemDefinition"}), ("escalation", "structureRef", {"itemDefinition"}),
    ("signal", "structureRef", {"itemDefinition"}), ("*", "itemSubjectRef", {"itemDefinition"}),
    ("dataObjectReference", "dataObjectRef", {"dataObject"}), ("dataStoreReference", "dataStoreRef", {"dataStore"}),
    ("serviceTask", "operationRef", {"operation"}), ("sendTask", "operationRef", {"operation"}),
    ("receiveTask", "operationRef", {"operation"}), ("sendTask", "messageRef", {"message"}),
    ("receiveTask", "messageRef", {"message"}), ("errorEventDefinition", "errorRef", {"error"}),
    ("escalationEventDefinition", "escalationRef", {"escalation"}), ("signalEventDefinition", "signalRef", {"signal"}),
    ("messageEventDefinition", "messageRef", {"message"}), ("compensateEventDefinition", "activityRef", ACTIVITIES),
    ("group", "categoryValueRef", {"categoryValue"}),
    ("resourceParameterBinding", "parameterRef", {"resourceParameter"}),
    ("ioBinding", "operationRef", {"operation"}), ("ioBinding", "inputDataRef", {"dataInput"}),
    ("ioBinding", "outputDataRef", {"dataOutput"}), ("association", "sourceRef", _ANY),
    ("association", "targetRef", _ANY),
]
_CHILDREN: list[tuple[str, str, set[str] | None]] = [
    ("*", "incoming", {"sequenceFlow"}), ("*", "outgoing", {"sequenceFlow"}),
    ("operation", "inMessageRef", {"message"}), ("operation", "outMessageRef", {"message"}),
    ("operation", "errorRef", {"error"}), ("participant", "interfaceRef", {"interface"}),
    ("participant", "endPointRef", {"endPoint"}), ("partnerEntity", "participantRef", {"participant"}),
    ("partnerRole", "participantRef", {"participant"}), ("correlationKey", "correlationPropertyRef",
                                                          {"correlationProperty"}),
    ("inputSet", "dataInputRefs", {"dataInput"}), ("inputSet", "optionalInputRefs", {"dataInput"}),
    ("inputSet", "whileExecutingInputRefs", {"dataInput"}), ("inputSet", "outputSetRefs", {"outputSet"}),
    ("outputSet", "dataOutputRefs", {"dataOutput"}), ("outputSet", "optionalOutputRefs", {"dataOutput"}),
    ("outputSet", "whileExecutingOutputRefs", {"dataOutput"}), ("outputSet", "inputSetRefs", {"inputSet"}),
    ("dataInputAssociation", "sourceRef", _ITEM_AWARE), ("dataInputAssociation", "targetRef", _ITEM_AWARE),
    ("dataOutputAssociation", "sourceRef", _ITEM_AWARE), ("dataOutputAssociation", "targetRef", _ITEM_AWARE),
    ("*", "eventDefinitionRef", EVENT_DEFS), ("linkEventDefinition", "source", {"linkEventDefinition"}),
    ("linkEventDefinition", "target", {"linkEventDefinition"}), ("lane", "flowNodeRef", FLOW_NODES),
    ("collaboration", "choreographyRef", {"choreography"}), ("messageEventDefinition", "operationRef", {"operation"}),
    ("multiInstanceLoopCharacteristics", "loopDataInputRef", _ITEM_AWARE),
    ("multiInstanceLoopCharacteristics", "loopDataOutputRef", _ITEM_AWARE),
    ("resourceRole", "resourceRef", {"resource"}),
    ("performer", "resourceRef", {"resource"}), ("humanPerformer", "resourceRef", {"resource"}),
    ("potentialOwner", "resourceRef", {"resource"}), ("*", "supportedInterfaceRef", {"interface"}),
    ("process", "supports", {"process"}),
]


def _table(rows: list[tuple[str, str, set[str] | None]]) -> dict[str, list[tuple[str, set[str] | None]]]:
    table: dict[str, list[tuple[str, set[str] | None]]] = {}
    for owner, name, kinds in rows:
        table.setdefault(name, []).append((owner, kinds))
    return table


_BY_ATTRIBUTE, _BY_CHILD = _table(_ATTRIBUTES), _table(_CHILDREN)


def _kinds(table: dict[str, list[tuple[str, set[str] | None]]], owner: str, name: str) -> tuple[bool, set[str] | None]:
    for row_owner, kinds in table.get(name, []):
        if row_owner in (owner, "*"):
            return True, kinds
    return False, None


def _check(m: Model, el: etree._Element, what: str, text: str | None,
           kinds: set[str] | None) -> Iterator[Problem]:
    ident = m.ref_id(text)
    if ident is None:
        return
    target = m.ids.get(ident)
    if target is None and what in ("incoming", "outgoing"):
        return  # a stale entry: flows come from the sequence flows, as Camunda 7 reads them (flow-node-refs checks
        # that each flow is listed)
    if target is None and what not in _TYPE_REFERENCES:
        yield el, "unknown-reference", f"{what} '{text}' does not name an element of this file"
    elif target is not None and kinds is not None and local(target) not in kinds:
        yield el, "reference-type", f"{what} '{text}' names a {local(target)}, not a {' or '.join(sorted(kinds))}"


def _rule_references(m: Model) -> Iterator[Problem]:
    for el in m.elements:
        owner = local(el)
        for attr, value in el.attrib.items():
            if not isinstance(attr, str) or attr.startswith("{"):
                continue
            known, kinds = _kinds(_BY_ATTRIBUTE, owner, attr)
            if known:
                yield from _check(m, el, attr, value, kinds)
        parent = el.getparent()
        if parent is not None and el.text is not None:
            known, kinds = _kinds(_BY_CHILD, local(parent), owner)
            if known:
                yield from _check(m, parent, owner, el.text, kinds)


REF_RULES = [_rule_references]
