"""Constraint rules on identity, formats, sequence and message flows, gateways and activities."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterator

from lxml import etree

from .validator_model import (
    ACTIVITIES,
    ARTIFACTS,
    BPMN,
    CHOREOGRAPHY_ACTIVITIES,
    FLOW_NODES,
    GATEWAYS,
    SUBPROCESSES,
    Model,
    Problem,
    local,
)

_MIME = re.compile(r"^[A-Za-z0-9][\w!#$&^.+-]*/[A-Za-z0-9][\w!#$&^.+-]*(\s*;.*)?$")
_URI = re.compile(r"^([A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*$")
_SCRIPT_LANGUAGES = {"python", "py", "python3", "groovy", "javascript", "js", "ecmascript", "juel", "ruby",
                     "jruby", "java", "kotlin", "feel", "nashorn", "graal.js", "jython"}
_TRANSACTION_METHODS = {"##Compensate", "##Image", "##Store"}


def _rule_ids(m: Model) -> Iterator[Problem]:
    seen: dict[str, etree._Element] = {}
    for el in m.elements:
        ident = el.get("id")
        if ident is None:
            if local(el) in FLOW_NODES | {"sequenceFlow", "messageFlow", "process", "participant"}:
                yield el, "missing-id", f"a {local(el)} must have an id"
        elif ident in seen:
            yield el, "duplicate-id", f"id '{ident}' is also used on line {seen[ident].sourceline}"
        else:
            seen[ident] = el


def _rule_formats(m: Model) -> Iterator[Problem]:
    for el in m.elements:
        name = local(el)
        fmt = el.get("textFormat")
        if fmt is not None and not _MIME.match(fmt):
            yield el, "invalid-text-format", f"textFormat '{fmt}' is not a MIME type such as text/plain"
        script_format = el.get("scriptFormat")
        if name == "scriptTask" and script_format is not None and not (
                _MIME.match(script_format) or script_format.strip().lower() in _SCRIPT_LANGUAGES):
            yield el, "invalid-script-format", f"scriptFormat '{script_format}' is neither a MIME type nor a language"
        for attr in ("expressionLanguage", "typeLanguage", "language"):
            value = el.get(attr)
            if value is not None and not _URI.match(value):
                yield el, "invalid-uri", f"{attr} '{value}' is not a valid URI"
        method = el.get("method")
        if name == "transaction" and method is not None and method not in _TRANSACTION_METHODS \
                and not _URI.match(method):
            yield el, "invalid-uri", f"transaction method '{method}' is not ##Compensate, ##Image, ##Store or a URI"


def _rule_sequence_flows(m: Model) -> Iterator[Problem]:
    for flow in m.by_name("sequenceFlow"):
        ends = []
        for attr in ("sourceRef", "targetRef"):
            end = m.ref(flow.get(attr))
            ends.append(end)
            if end is None:
                continue
            role = "source" if attr == "sourceRef" else "target"
            if local(end) in ARTIFACTS:
                yield flow, "artifact-connected", f"an artifact ({local(end)}) cannot be the {role} of a sequence flow"
            elif local(end) == "subProcess" and end.get("triggeredByEvent") == "true":
                yield flow, "event-subprocess-connected", f"an event sub-process cannot be the {role} of a flow"
            elif local(end) not in FLOW_NODES:
                yield flow, "reference-type", f"{attr} '{end.get('id')}' is a {local(end)}, not a flow node"
            else:
                listed = m.listed(end, "outgoing" if role == "source" else "incoming")
                if (listed or m.lists_flows) and flow.get("id") not in listed:
                    yield end, "flow-node-refs", (f"{local(end)} does not list sequence flow '{flow.get('id')}' "
                                                  f"among its {'outgoing' if role == 'source' else 'incoming'}")
        source, target = ends
        if source is not None and target is not None and local(source) in FLOW_NODES \
                and local(target) in FLOW_NODES and source.getparent() is not target.getparent():
            yield flow, "flow-crosses-boundary", ("a sequence flow must connect nodes in the same process or "
                                                  "sub-process; it cannot cross a pool or sub-process border")
        if m.executable(flow) and flow.get("isImmediate") == "false":
            yield flow, "immediate-flow", "isImmediate must not be false in an executable process"


def _rule_message_flows(m: Model) -> Iterator[Problem]:
    for flow in m.by_name("messageFlow"):
        source, target = m.ref(flow.get("sourceRef")), m.ref(flow.get("targetRef"))
        for end, role in ((source, "source"), (target, "target")):
            if end is not None and local(end) in ARTIFACTS:
                yield flow, "artifact-connected", f"an artifact ({local(end)}) cannot be the {role} of a message flow"
        if source is None or target is None:
            continue
        if m.pool_of(source) is m.pool_of(target) and m.pool_of(source) is not None:
            yield flow, "message-flow-same-pool", "a message flow must connect two different pools"
        kinds = {(local(source), "source"), (local(target), "target")}
        if ("startEvent", "source") in kinds:
            yield flow, "start-event-message-flow", "a start event cannot be the source of a message flow"
        if ("endEvent", "target") in kinds:
            yield flow, "end-event-message-flow", "an end event cannot be the target of a message flow"
        if ("intermediateCatchEvent", "source") in kinds:
            yield flow, "catch-event-message-flow", "an intermediate catch event cannot send a message flow"
        if ("intermediateThrowEvent", "target") in kinds:
            yield flow, "throw-event-message-flow", "an intermediate throw event cannot receive a message flow"
        if local(source) == "endEvent" and "messageEventDefinition" not in m.triggers(source):
            yield source, "end-event-message-flow", "an end event sending a message flow needs a message result"


def _rule_gateways(m: Model) -> Iterator[Problem]:
    for gw in m.of_kind(GATEWAYS):
        n_in, n_out = len(m.incoming(gw)), len(m.outgoing(gw))
        direction = gw.get("gatewayDirection", "Unspecified")
        if direction == "Converging" and n_out > 1:
            yield gw, "gateway-direction", "a converging gateway must not have more than one outgoing flow"
        elif direction == "Diverging" and n_in > 1:
            yield gw, "gateway-direction", "a diverging gateway must not have more than one incoming flow"
        elif direction == "Mixed" and (n_in < 2 or n_out < 2):
            yield gw, "gateway-direction", "a mixed gateway needs several incoming and several outgoing flows"
        if n_in < 2 and n_out < 2 and not (local(gw) == "eventBasedGateway" and gw.get("instantiate") == "true"):
            yield gw, "gateway-flows", "a gateway must have several incoming or several outgoing sequence flows"
        if local(gw) != "eventBasedGateway":
            continue
        if n_out < 2:
            yield gw, "event-gateway", "an event-based gateway needs two or more outgoing flows"
        if gw.get("instantiate") == "true" and n_in:
            yield gw, "event-gateway", "an instantiating event-based gateway must not have incoming flows"
        targets = [m.ref(f.get("targetRef")) for f in m.outgoing(gw)]
        for flow in m.outgoing(gw):
            if flow.find(f"{{{BPMN}}}conditionExpression") is not None:
                yield flow, "event-gateway", "flows after an event-based gateway must not have conditions"
        allowed = {"messageEventDefinition", "signalEventDefinition", "timerEventDefinition",
                   "conditionalEventDefinition"}
        for target in (t for t in targets if t is not None):
            if local(target) == "receiveTask":
                if m.boundary_events(target):
                    yield target, "event-gateway", "a receive task after an event gateway cannot have boundary events"
            elif local(target) != "intermediateCatchEvent" or not m.triggers(target) \
                    or not set(m.triggers(target)) <= allowed:
                yield target, "event-gateway", ("an event-based gateway may only lead to receive tasks or message, "
                                                "signal, timer or conditional catch events")
            if len(m.incoming(target)) > 1:
                yield target, "event-gateway", "a target of an event-based gateway must have no other incoming flow"
        kinds = {local(t) for t in targets if t is not None}
        if "receiveTask" in kinds and any("messageEventDefinition" in m.triggers(t) for t in targets
                                          if t is not None and local(t) == "intermediateCatchEvent"):
            yield gw, "event-gateway", "an event-based gateway cannot mix receive tasks and message catch events"


def _rule_activities(m: Model) -> Iterator[Problem]:
    for act in m.of_kind(ACTIVITIES):
        for attr in ("startQuantity", "completionQuantity"):
            value = act.get(attr)
            if value is not None and not (value.strip().isdigit() and int(value) >= 1):
                yield act, "activity-quantity", f"{attr} must be an integer of at least 1, not '{value}'"
        markers = [c for c in act if local(c) in ("standardLoopCharacteristics", "multiInstanceLoopCharacteristics")]
        if len(markers) > 1:
            yield act, "loop-markers", "an activity cannot have both a loop and a multi-instance marker"
        outgoing = m.outgoing(act)
        if len(outgoing) == 1 and outgoing[0].find(f"{{{BPMN}}}conditionExpression") is not None:
            yield outgoing[0], "single-conditional-flow", "an activity's only outgoing flow cannot be conditional"
        default = m.ref(act.get("default"))
        if default is not None and local(default) == "sequenceFlow" and default.get("sourceRef") != act.get("id"):
            yield act, "default-flow-source", f"default flow '{default.get('id')}' does not start here"
        if local(act) == "receiveTask" and act.get("instantiate") == "true" and m.incoming(act):
            yield act, "receive-task-instantiate", "an instantiating receive task must not have incoming flows"
        if local(act) in SUBPROCESSES and act.find(f"{{{BPMN}}}ioSpecification") is not None:
            yield act, "subprocess-io-specification", "a sub-process cannot have an ioSpecification"
        if local(act) == "adHocSubProcess":
            if not any(local(c) in ACTIVITIES for c in act):
                yield act, "adhoc-content", "an ad-hoc sub-process must contain at least one activity"
            if any(local(c) in ("startEvent", "endEvent") or local(c) in CHOREOGRAPHY_ACTIVITIES for c in act):
                yield act, "adhoc-content", "an ad-hoc sub-process cannot contain start or end events"
        if local(act) == "scriptTask" and act.get("scriptFormat") is None:
            script = act.find(f"{{{BPMN}}}script")
            if script is not None and (script.text or "").strip() and not _is_python(script.text):
                yield act, "script-format-missing", ("a script in another language than Python must declare its "
                                                     "scriptFormat")
    for gw in m.of_kind(GATEWAYS):
        default = m.ref(gw.get("default"))
        if default is not None and local(default) == "sequenceFlow" and default.get("sourceRef") != gw.get("id"):
            yield gw, "default-flow-source", f"default flow '{default.get('id')}' does not start here"


def _is_python(script: str) -> bool:
    try:
        compile(textwrap.dedent(script).strip(), "<script>", "exec")
    except (SyntaxError, ValueError):
        return False
    return True


FLOW_RULES = [_rule_ids, _rule_formats, _rule_sequence_flows, _rule_message_flows, _rule_gateways, _rule_activities]
