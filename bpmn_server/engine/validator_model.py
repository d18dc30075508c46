"""The indexed view of a BPMN document that the constraint rules of `validator` work on."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from lxml import etree

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"

TASKS = {"task", "sendTask", "receiveTask", "serviceTask", "userTask", "manualTask", "scriptTask", "businessRuleTask"}
SUBPROCESSES = {"subProcess", "transaction", "adHocSubProcess"}
ACTIVITIES = TASKS | SUBPROCESSES | {"callActivity"}
GATEWAYS = {"exclusiveGateway", "inclusiveGateway", "parallelGateway", "complexGateway", "eventBasedGateway"}
EVENTS = {"startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent",
          "implicitThrowEvent"}
CHOREOGRAPHY_ACTIVITIES = {"choreographyTask", "subChoreography", "callChoreography"}
FLOW_NODES = ACTIVITIES | GATEWAYS | EVENTS | CHOREOGRAPHY_ACTIVITIES
ARTIFACTS = {"association", "group", "textAnnotation"}
EVENT_DEFS = {"messageEventDefinition", "timerEventDefinition", "escalationEventDefinition",
              "conditionalEventDefinition", "linkEventDefinition", "errorEventDefinition", "cancelEventDefinition",
              "compensateEventDefinition", "signalEventDefinition", "terminateEventDefinition"}
CONTAINERS = {"process", "subChoreography", "choreography"} | SUBPROCESSES

# (element, rule id, message): what a rule yields for each violation.
Problem = tuple[etree._Element, str, str]


def local(el: Any) -> str:
    return etree.QName(el).localname if isinstance(getattr(el, "tag", None), str) else ""


class Model:
    """Elements of the BPMN namespace by id and by name, sequence flows by node, reference resolution."""

    def __init__(self, root: etree._Element):
        self.root = root
        self.elements: list[etree._Element] = []
        self._by_name: dict[str, list[etree._Element]] = defaultdict(list)
        self.ids: dict[str, etree._Element] = {}
        self._collect(root)
        self._in: dict[str, list[etree._Element]] = defaultdict(list)
        self._out: dict[str, list[etree._Element]] = defaultdict(list)
        for flow in self._by_name["sequenceFlow"]:
            self._out[flow.get("sourceRef") or ""].append(flow)
            self._in[flow.get("targetRef") or ""].append(flow)
        self._attached: dict[str, list[etree._Element]] = defaultdict(list)
        for event in self._by_name["boundaryEvent"]:
            self._attached[self.ref_id(event.get("attachedToRef")) or ""].append(event)
        # Files either list each node's flows in incoming/outgoing children or (hand-written) not at all.
        self.lists_flows = any(self._by_name[n] for n in ("incoming", "outgoing"))
        self.target_ns = root.get("targetNamespace")
        self.any_executable = any(p.get("isExecutable", "true") != "false" for p in self._by_name["process"])

    def _collect(self, root: etree._Element) -> None:
        stack = [root]
        while stack:
            el = stack.pop()
            if not isinstance(el.tag, str) or etree.QName(el).namespace != BPMN:
                continue  # foreign extensions and DI are not model content
            self.elements.append(el)
            self._by_name[local(el)].append(el)
            if el.get("id") and el.get("id") not in self.ids:
                self.ids[el.get("id")] = el
            if local(el) != "extensionElements":
                stack.extend(reversed(list(el)))
        self.elements.sort(key=lambda e: e.sourceline or 0)

    def by_name(self, name: str) -> list[etree._Element]:
        return self._by_name.get(name, [])

    def of_kind(self, names: set[str]) -> list[etree._Element]:
        return sorted((el for n in names for el in self._by_name.get(n, [])), key=lambda e: e.sourceline or 0)

    def ref_id(self, text: str | None) -> str | None:
        """The local id a reference names; None for an empty reference or one into another namespace."""
        if text is None or not text.strip():
            return None
        text = text.strip()
        if ":" in text:
            prefix, name = text.split(":", 1)
            ns = self.root.nsmap.get(prefix)
            if ns is not None and ns not in (self.target_ns, BPMN) and name not in self.ids:
                return None  # a QName into an imported namespace: not ours to resolve
            return name if name in self.ids or text not in self.ids else text
        return text

    def ref(self, text: str | None) -> etree._Element | None:
        ident = self.ref_id(text)
        return self.ids.get(ident) if ident is not None else None

    def incoming(self, node: etree._Element) -> list[etree._Element]:
        return self._in.get(node.get("id") or "\0", [])

    def outgoing(self, node: etree._Element) -> list[etree._Element]:
        return self._out.get(node.get("id") or "\0", [])

    def listed(self, node: etree._Element, child: str) -> set[str]:
        """The flow ids a node lists in its `incoming` or `outgoing` children."""
        return {(c.text or "").strip() for c in node if local(c) == child}

    def boundary_events(self, activity: etree._Element) -> list[etree._Element]:
        return self._attached.get(activity.get("id") or "\0", [])

    def triggers(self, event: etree._Element) -> list[str]:
        """Local names of an event's definitions, inline or by eventDefinitionRef."""
        names = [local(c) for c in event if local(c) in EVENT_DEFS]
        for ref in (c for c in event if local(c) == "eventDefinitionRef"):
            target = self.ref(ref.text)
            if target is not None and local(target) in EVENT_DEFS:
                names.append(local(target))
        return names

    def process_of(self, el: etree._Element) -> etree._Element | None:
        for anc in el.iterancestors():
            if local(anc) == "process":
                return anc
        return None

    def executable(self, el: etree._Element) -> bool:
        """Inside an executable process, or global content of a file that has one (as the parser reads it)."""
        proc = el if local(el) == "process" else self.process_of(el)
        if proc is None:
            return self.any_executable
        return proc.get("isExecutable", "true") != "false"

    def runs(self, el: etree._Element) -> bool:
        """False inside a process marked isExecutable="false"; content outside processes always counts."""
        proc = el if local(el) == "process" else self.process_of(el)
        return proc is None or proc.get("isExecutable", "true") != "false"

    def pool_of(self, el: etree._Element) -> etree._Element | None:
        """The process a message-flow end belongs to (a black-box participant stands for itself)."""
        if local(el) == "participant":
            process = self.ref(el.get("processRef"))
            return process if process is not None else el
        return self.process_of(el)

    def element_id(self, el: etree._Element) -> str | None:
        for node in [el, *el.iterancestors()]:
            if node.get("id"):
                return node.get("id")
        return None

    def structure(self, item_ref: str | None) -> str | None:
        """The structureRef of the itemDefinition a reference names."""
        item = self.ref(item_ref)
        return item.get("structureRef") if item is not None and local(item) == "itemDefinition" else None

    def same_item(self, a: str | None, b: str | None) -> bool:
        """Two itemSubjectRefs that name the same itemDefinition or ones with the same structure."""
        if a is None or b is None:
            return False
        if self.ref_id(a) == self.ref_id(b):
            return True
        sa, sb = self.structure(a), self.structure(b)
        return sa is not None and sa == sb

    def is_formal(self, expr: etree._Element) -> bool:
        xsi = expr.get(XSI_TYPE) or ""
        return xsi.split(":")[-1] == "tFormalExpression"
