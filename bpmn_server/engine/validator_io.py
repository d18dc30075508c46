"""Constraint rules on I/O specifications, service/send/receive tasks, calls, multi-instance and event data."""

from __future__ import annotations

from collections.abc import Iterator

from lxml import etree

from .validator_model import BPMN, EVENT_DEFS, Model, Problem, local

CAMUNDA = "http://camunda.org/schema/1.0/bpmn"


def _io(el: etree._Element) -> etree._Element | None:
    return el.find(f"{{{BPMN}}}ioSpecification")


def _children(el: etree._Element | None, name: str) -> list[etree._Element]:
    return [] if el is None else [c for c in el if local(c) == name]


def _refs(el: etree._Element, name: str) -> list[str]:
    return [(c.text or "").strip() for c in el if local(c) == name]


def _message_item(m: Model, operation: etree._Element | None, which: str) -> str | None:
    if operation is None:
        return None
    refs = _refs(operation, which)
    message = m.ref(refs[0]) if refs else None
    return message.get("itemRef") if message is not None else None


_DATA_OWNERS = {"ioSpecification", "startEvent", "intermediateCatchEvent", "boundaryEvent", "intermediateThrowEvent",
                "endEvent"}
_CALLABLE = {"process", "globalTask", "globalUserTask", "globalManualTask", "globalScriptTask",
             "globalBusinessRuleTask"}


def _rule_io_sets(m: Model) -> Iterator[Problem]:
    for spec in m.of_kind(_DATA_OWNERS):
        inputs, outputs = _children(spec, "dataInput"), _children(spec, "dataOutput")
        in_sets, out_sets = _children(spec, "inputSet"), _children(spec, "outputSet")
        listed_in = {r for s in in_sets for r in _refs(s, "dataInputRefs")}
        listed_out = {r for s in out_sets for r in _refs(s, "dataOutputRefs")}
        if local(spec) == "ioSpecification" or (in_sets or out_sets):
            for data in inputs:
                if data.get("id") not in listed_in:
                    yield data, "io-set-refs", "a data input must be listed by an input set"
            for data in outputs:
                if data.get("id") not in listed_out:
                    yield data, "io-set-refs", "a data output must be listed by an output set"
        for s in in_sets:
            own = set(_refs(s, "dataInputRefs"))
            for kind in ("optionalInputRefs", "whileExecutingInputRefs"):
                if any(r not in own for r in _refs(s, kind)):
                    yield s, "io-set-refs", f"every {kind} entry must also be one of the set's dataInputRefs"
            for ref in _refs(s, "outputSetRefs"):
                other = m.ids.get(ref)
                if other is not None and s.get("id") not in _refs(other, "inputSetRefs"):
                    yield s, "io-set-refs", f"output set '{ref}' does not refer back to this input set"
        for s in out_sets:
            own = set(_refs(s, "dataOutputRefs"))
            for kind in ("optionalOutputRefs", "whileExecutingOutputRefs"):
                if any(r not in own for r in _refs(s, kind)):
                    yield s, "io-set-refs", f"every {kind} entry must also be one of the set's dataOutputRefs"
            for ref in _refs(s, "inputSetRefs"):
                other = m.ids.get(ref)
                if other is not None and s.get("id") not in _refs(other, "outputSetRefs"):
                    yield s, "io-set-refs", f"input set '{ref}' does not refer back to this output set"


def _rule_message_tasks(m: Model) -> Iterator[Problem]:
    for task in m.of_kind({"serviceTask", "sendTask", "receiveTask"}):
        spec, kind = _io(task), local(task)
        in_sets, out_sets = _children(spec, "inputSet"), _children(spec, "outputSet")
        inputs, outputs = _children(spec, "dataInput"), _children(spec, "dataOutput")
        operation = m.ref(task.get("operationRef"))
        if kind == "serviceTask" and task.get("operationRef"):
            if len(in_sets) != 1 or len(out_sets) > 1:
                yield task, "service-task-io", ("a service task calling an operation has one input set and at most "
                                            "one output set")
            in_item = _message_item(m, operation, "inMessageRef")
            out_item = _message_item(m, operation, "outMessageRef")
            if inputs and in_item and not m.same_item(inputs[0].get("itemSubjectRef"), in_item):
                yield task, "service-task-io", "the data input does not match the operation's in-message"
            if outputs and out_item and not m.same_item(outputs[0].get("itemSubjectRef"), out_item):
                yield task, "service-task-io", "the data output does not match the operation's out-message"
        message = m.ref(task.get("messageRef"))
        item = message.get("itemRef") if message is not None else None
        if kind == "sendTask" and (len(in_sets) > 1 or len(inputs) > 1):
            yield task, "send-task-io", "a send task has at most one input set and one data input"
        elif kind == "sendTask" and inputs and message is not None \
                and not m.same_item(inputs[0].get("itemSubjectRef"), item):
            yield task, "send-task-io", "the data input of a send task must carry the item of its message"
        if kind == "receiveTask" and (len(out_sets) > 1 or len(outputs) > 1):
            yield task, "receive-task-io", "a receive task has at most one output set and one data output"
        elif kind == "receiveTask" and outputs and message is not None \
                and not m.same_item(outputs[0].get("itemSubjectRef"), item):
            yield task, "receive-task-io", "the data output of a receive task must carry the item of its message"


def _signature(m: Model, spec: etree._Element | None) -> tuple[list[int], list[str | None], list[str | None]]:
    counts = [len(_children(spec, n)) for n in ("dataInput", "dataOutput", "inputSet", "outputSet")]
    counts += [sum(len(_refs(s, r)) for s in _children(spec, n))
               for n, r in (("inputSet", "dataInputRefs"), ("outputSet", "dataOutputRefs"))]
    ins = [m.structure(d.get("itemSubjectRef")) for d in _children(spec, "dataInput")]
    outs = [m.structure(d.get("itemSubjectRef")) for d in _children(spec, "dataOutput")]
    return counts, ins, outs


def _rule_calls(m: Model) -> Iterator[Problem]:
    for call in m.by_name("callActivity"):
        called = m.ref(call.get("calledElement"))
        if called is None or _io(call) is None or _io(called) is None:
            continue
        mine, theirs = _signature(m, _io(call)), _signature(m, _io(called))
        pairs = zip(mine[1] + mine[2], theirs[1] + theirs[2], strict=False)
        if mine[0] != theirs[0] or any(a and b and a != b for a, b in pairs):
            yield call, "call-activity-io", "the call activity's inputs and outputs must match the called element's"
    for el in m.of_kind(_CALLABLE):
        if not _children(el, "supportedInterfaceRef"):
            continue
        bindings = _children(el, "ioBinding")
        if not bindings:
            yield el, "io-binding", "an element exposed as a service interface needs an ioBinding"
        for binding in bindings:
            operation = m.ref(binding.get("operationRef"))
            for attr, which in (("inputDataRef", "inMessageRef"), ("outputDataRef", "outMessageRef")):
                data, item = m.ref(binding.get(attr)), _message_item(m, operation, which)
                if data is not None and item and not m.same_item(data.get("itemSubjectRef"), item):
                    yield binding, "io-binding", f"the {attr} does not match the operation's {which[:-3]}"


def _rule_multi_instance(m: Model) -> Iterator[Problem]:
    for mi in m.by_name("multiInstanceLoopCharacteristics"):
        if not m.executable(mi):
            continue
        activity = mi.getparent()
        names = {local(c) for c in mi}
        if not names & {"loopCardinality", "loopDataInputRef"} and not mi.get(f"{{{CAMUNDA}}}collection") \
                and not _zeebe(mi, "loopCharacteristics"):
            yield mi, "multi-instance", "an executable multi-instance needs a loopCardinality or an input collection"
        cardinality = mi.find(f"{{{BPMN}}}loopCardinality")
        if cardinality is not None and _negative(cardinality.text):
            yield mi, "multi-instance", f"loopCardinality {cardinality.text.strip()} is negative"
        for ref_name, item_name, data_kind in (("loopDataInputRef", "inputDataItem", "dataInput"),
                                               ("loopDataOutputRef", "outputDataItem", "dataOutput")):
            refs = _refs(mi, ref_name)
            if not refs:
                continue
            data = m.ref(refs[0])
            if ref_name == "loopDataInputRef" and local(activity) != "subProcess" and not any(
                    d.get("id") == (data.get("id") if data is not None else None)
                    for d in _children(_io(activity), "dataInput")):
                yield mi, "multi-instance", "loopDataInputRef must name a data input of the activity"
            item = mi.find(f"{{{BPMN}}}{item_name}")
            if data is None or item is None or not data.get("itemSubjectRef") or not item.get("itemSubjectRef"):
                continue
            scalar = m.ref(item.get("itemSubjectRef"))
            if (scalar is not None and scalar.get("isCollection") == "true") or \
                    m.structure(item.get("itemSubjectRef")) != m.structure(data.get("itemSubjectRef")):
                yield mi, "multi-instance", f"the {item_name} must be a single element of the {data_kind}'s type"


def _negative(text: str | None) -> bool:
    try:
        return int((text or "").strip()) < 0
    except ValueError:
        return False


def _rule_loops(m: Model) -> Iterator[Problem]:
    for loop in m.by_name("standardLoopCharacteristics"):
        if _negative(loop.get("loopMaximum")):
            yield loop, "loop-maximum", f"loopMaximum {loop.get('loopMaximum')} is negative"


def _definition_item(m: Model, definition: etree._Element) -> str | None:
    attr = {"messageEventDefinition": ("messageRef", "itemRef"), "errorEventDefinition": ("errorRef", "structureRef"),
            "escalationEventDefinition": ("escalationRef", "structureRef"),
            "signalEventDefinition": ("signalRef", "structureRef")}.get(local(definition))
    target = m.ref(definition.get(attr[0])) if attr else None
    return target.get(attr[1]) if target is not None else None


def _rule_event_data(m: Model) -> Iterator[Problem]:
    for ev in m.of_kind({"startEvent", "intermediateCatchEvent", "boundaryEvent", "intermediateThrowEvent",
                         "endEvent"}):
        data = _children(ev, "dataOutput") + _children(ev, "dataInput")
        definitions = [c for c in ev if local(c) in EVENT_DEFS]
        if data and len(data) != len(m.triggers(ev)):
            yield ev, "event-data", "an event with data needs one data input or output per event definition"
        for value, definition in zip(data, definitions, strict=False):
            item = _definition_item(m, definition)
            if item and value.get("itemSubjectRef") and not m.same_item(value.get("itemSubjectRef"), item):
                yield ev, "event-data", f"the data of the {local(definition)} does not match its item"
    for definition in m.by_name("messageEventDefinition"):
        if m.executable(definition) and local(definition.getparent()) != "definitions" \
                and not definition.get("messageRef") and not _zeebe(definition.getparent(), "taskDefinition"):
            yield definition.getparent(), "message-ref-missing", ("a message event in an executable process "
                                                                  "needs a messageRef")


def _zeebe(el: etree._Element, name: str) -> bool:
    """Camunda 8 gives this element what BPMN would need (a job, a collection): engine/zeebe_config.py."""
    return el.find(f"{{{BPMN}}}extensionElements/{{http://camunda.org/schema/zeebe/1.0}}{name}") is not None


IO_RULES = [_rule_io_sets, _rule_message_tasks, _rule_calls, _rule_multi_instance, _rule_loops, _rule_event_data]
