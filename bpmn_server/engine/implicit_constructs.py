"""Parse-time rewrites of BPMN constructs SpiffWorkflow does not read into ones it runs (a copy of the tree:
the uploaded bytes never change). The parser applies them before expressions are translated.

* `eventDefinitionRef` to a shared event definition becomes an inline copy.
* Link events: a throw continues at the catch of the same name, through a sequence flow.
* A receiveTask with instantiate="true" and no incoming flow is a message start event.
* A callActivity calling a globalScriptTask runs the script in place.
* An interrupting conditional boundary event whose condition holds on entry takes over before the activity.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from .implicit import BPMN, CONTAINERS, NewIds, add_flow, add_gateway, local_name


def inline_definition_refs(root: Any) -> None:
    """An event's `eventDefinitionRef` to a definitions-level event definition becomes an inline copy
    (SpiffWorkflow reads inline definitions only)."""
    ids = NewIds(root)
    shared = {el.get("id"): el for el in root if isinstance(el.tag, str) and local_name(el).endswith("EventDefinition")}
    for ref in list(root.iter(f"{{{BPMN}}}eventDefinitionRef")):
        found = shared.get((ref.text or "").strip())
        if found is None:
            continue
        copy = etree.fromstring(etree.tostring(found))
        copy.set("id", ids.fresh(found.get("id")))
        copy.tail = ref.tail
        ref.getparent().replace(ref, copy)


def links_to_flows(root: Any) -> None:
    """A link throw event continues at the link catch event of the same (non-empty) name on the same level:
    both become none intermediate events joined by a sequence flow (their ids, hence history, stay)."""
    ids = NewIds(root)
    for parent in [el for el in root.iter() if isinstance(el.tag, str) and local_name(el) in CONTAINERS]:
        catches: dict[str, Any] = {}
        throws: list[tuple[Any, str]] = []
        for node in parent:
            link = node.find(f"{{{BPMN}}}linkEventDefinition") if isinstance(node.tag, str) else None
            if link is None:
                continue
            if local_name(node) == "intermediateCatchEvent":
                catches[link.get("name") or ""] = node
            elif local_name(node) == "intermediateThrowEvent":
                throws.append((node, link.get("name") or ""))
        linked = [(node, catches[name]) for node, name in throws if name and name in catches]
        for node, catch in linked:
            add_flow(parent, ids, node.get("id"), catch.get("id"), parent.index(node) + 1)
        # Unmatched link events stay as they are: the parser refuses them.
        for node in {n for pair in linked for n in pair}:
            node.tag = f"{{{BPMN}}}intermediateThrowEvent"
            node.remove(node.find(f"{{{BPMN}}}linkEventDefinition"))


def instantiating_receive_tasks(root: Any) -> None:
    """A receiveTask with instantiate="true" and no incoming flow starts its process: it runs as a message
    start event with the same id and message."""
    for parent in [el for el in root.iter() if isinstance(el.tag, str) and local_name(el) == "process"]:
        targets = {f.get("targetRef") for f in parent.findall(f"{{{BPMN}}}sequenceFlow")}
        for task in parent.findall(f"{{{BPMN}}}receiveTask"):
            if task.get("instantiate") != "true" or task.get("id") in targets:
                continue
            event = etree.Element(f"{{{BPMN}}}startEvent", id=task.get("id"))
            if task.get("name"):
                event.set("name", task.get("name"))
            event.extend(c for c in list(task) if local_name(c) == "outgoing")
            definition = etree.SubElement(event, f"{{{BPMN}}}messageEventDefinition")
            if task.get("messageRef"):
                definition.set("messageRef", task.get("messageRef"))
            event.tail = task.tail
            parent.replace(task, event)


def global_script_calls(root: Any) -> None:
    """A callActivity calling a globalScriptTask runs that script in place: it becomes a scriptTask (same id,
    flows and boundary events) with the global task's script."""
    scripts = {el.get("id"): el for el in root.findall(f"{{{BPMN}}}globalScriptTask")}
    for call in list(root.iter(f"{{{BPMN}}}callActivity")):
        found = scripts.get(call.get("calledElement"))
        if found is None:
            continue
        call.tag = f"{{{BPMN}}}scriptTask"
        del call.attrib["calledElement"]
        if found.get("scriptLanguage"):  # the global task's name for it; the parser checks it like scriptFormat
            call.set("scriptFormat", found.get("scriptLanguage"))
        script = found.find(f"{{{BPMN}}}script")
        if script is not None:
            call.append(etree.fromstring(etree.tostring(script)))


def conditional_entry(root: Any) -> None:
    """An interrupting conditional boundary event whose condition already holds when its activity is entered
    takes over at once (the activity does not start): an exclusive gateway before the activity tests the
    condition and goes straight to the boundary event's path. SpiffWorkflow would start the activity and run
    a subprocess's first tasks before the boundary event interrupts. The boundary event stays, for conditions
    that become true while the activity runs."""
    ids = NewIds(root)
    for event in list(root.iter(f"{{{BPMN}}}boundaryEvent")):
        definition = event.find(f"{{{BPMN}}}conditionalEventDefinition")
        condition = definition.find(f"{{{BPMN}}}condition") if definition is not None else None
        parent = event.getparent()
        if condition is None or not (condition.text or "").strip() or event.get("cancelActivity", "true") == "false":
            continue
        flows = parent.findall(f"{{{BPMN}}}sequenceFlow")
        outgoing = [f for f in flows if f.get("sourceRef") == event.get("id")]
        activity = next((n for n in parent if isinstance(n.tag, str) and n.get("id") == event.get("attachedToRef")),
                        None)
        incoming = [f for f in flows if f.get("targetRef") == event.get("attachedToRef")]
        if len(outgoing) != 1 or activity is None or not incoming:
            continue
        gateway = add_gateway(parent, ids, "exclusiveGateway", activity.get("id") + "_condition",
                              parent.index(activity))
        for flow in incoming:
            flow.set("targetRef", gateway.get("id"))
        enter = add_flow(parent, ids, gateway.get("id"), activity.get("id"), parent.index(gateway) + 1)
        gateway.set("default", enter.get("id"))
        shortcut = add_flow(parent, ids, gateway.get("id"), outgoing[0].get("targetRef"), parent.index(gateway) + 1)
        expression = etree.SubElement(shortcut, f"{{{BPMN}}}conditionExpression")
        expression.text = condition.text
        expression.set(COPY_OF, event.get("id"))  # its problems are reported once, on the event


COPY_OF = "copyOf"  # on an expression copied from another element by a rewrite


TRIGGERS = ("signalEventDefinition", "escalationEventDefinition", "conditionalEventDefinition",
            "messageEventDefinition", "errorEventDefinition")


def nested_interrupting_handlers(root: Any) -> None:
    """An interrupting event subprocess started by a signal, escalation, condition, message or error inside a
    subprocess runs as an interrupting boundary event on that subprocess followed by the handler as a plain subprocess,
    then the subprocess's outgoing flows. SpiffWorkflow never triggers such handlers below the top level (and
    never interrupts for escalations). The boundary event takes the start event's id, so history shows it."""
    ids = NewIds(root)
    for handler in list(root.iter(f"{{{BPMN}}}subProcess")):
        scope = handler.getparent()
        container = scope.getparent() if scope is not None else None
        if handler.get("triggeredByEvent") != "true" or local_name(scope) not in ("subProcess", "transaction") \
                or container is None or local_name(container) not in CONTAINERS:
            continue
        starts = handler.findall(f"{{{BPMN}}}startEvent")
        if len(starts) != 1 or starts[0].get("isInterrupting", "true") == "false":
            continue
        start = starts[0]
        definitions = [c for c in start if local_name(c) in TRIGGERS]
        if len(definitions) != 1:
            continue
        boundary = etree.Element(f"{{{BPMN}}}boundaryEvent", id=start.get("id"), attachedToRef=scope.get("id"),
                                 cancelActivity="true")
        boundary.append(definitions[0])
        start.set("id", ids.fresh(start.get("id")))
        for flow in handler.findall(f"{{{BPMN}}}sequenceFlow"):
            if flow.get("sourceRef") == boundary.get("id"):
                flow.set("sourceRef", start.get("id"))
        del handler.attrib["triggeredByEvent"]
        scope.remove(handler)
        index = container.index(scope) + 1
        container.insert(index, handler)
        container.insert(index, boundary)
        add_flow(container, ids, boundary.get("id"), handler.get("id"), index + 2)
        for flow in [f for f in container.findall(f"{{{BPMN}}}sequenceFlow") if f.get("sourceRef") == scope.get("id")]:
            onward = add_flow(container, ids, handler.get("id"), flow.get("targetRef"), index + 2)
            condition = flow.find(f"{{{BPMN}}}conditionExpression")
            if condition is not None:
                onward.append(etree.fromstring(etree.tostring(condition)))
