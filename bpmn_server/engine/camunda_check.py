"""Deploy-time check of the Camunda 7 extensions of a diagram against engine/camunda_catalogue.py.

Every `camunda:` element and attribute is looked up in the catalogue; what is refused there, or used
where or with a value that does not run here, is an error naming the BPMN element and the extension.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from lxml import etree

from . import js_engine
from .camunda_catalogue import CATALOGUE, Status
from .camunda_config import BPMN, CAMUNDA

# camunda elements whose XML name is not their type's name with a lower-case first letter.
_ELEMENT_KEYS = {"connectorId": "Connector.connectorId", "expression": "Field.expression", "string": "Field.string"}
_SUPERS = {"In": "InOutBinding", "Out": "InOutBinding", "InputParameter": "InputOutputParameter",
           "OutputParameter": "InputOutputParameter"}
# camunda attributes on BPMN elements -> the catalogue type that adds them (by host element where ambiguous).
_ATTR_TYPES: dict[str, str] = {}
for _key in CATALOGUE:
    if "." in _key:
        _type, _prop = _key.split(".", 1)
        if _type in ("Definitions", "AsyncCapable", "JobPriorized", "ErrorEventDefinitionExtension", "Error",
                     "FormSupported", "TemplateSupported", "Initiator", "Process", "EscalationEventDefinitionExtension",
                     "Assignable", "CallActivity", "ServiceTaskLike", "DmnCapable", "ExternalCapable",
                     "TaskPriorized", "Collectable", "ConditionalEventDefinitionExtension"):
            _ATTR_TYPES.setdefault(_prop.removeprefix("camunda:"), _type)
_SCRIPT_FORMATS = {"python", "py", "python3"} | js_engine.FORMATS  # JavaScript runs in V8 (js_engine.py)
_LISTENER_EVENTS = {"executionListener": {"start", "end"}, "taskListener": {"create", "assignment", "complete",
                                                                           "delete", "timeout"}}
Problem = tuple[etree._Element, str]


def _local(el: Any) -> str:
    return etree.QName(el.tag).localname if isinstance(el.tag, str) else ""


def _ns(el: Any) -> str | None:
    return etree.QName(el.tag).namespace if isinstance(el.tag, str) else None


def attribute_key(host: etree._Element, name: str) -> str:
    """The catalogue key of camunda attribute `name` on BPMN element `host`."""
    where = _local(host)
    if name == "async" and where == "signalEventDefinition":
        return "SignalEventDefinitionExtension.async"
    if name == "resultVariable" and where == "scriptTask":
        return "ScriptTask.resultVariable"
    if name == "resource":
        return "ScriptTask.resource" if where == "scriptTask" else "FormalExpression.resource"
    if name == "errorMessage":
        return "Error.camunda:errorMessage"
    owner = _ATTR_TYPES.get(name)
    return f"{owner}.{name}" if owner else f"?.{name}"


def element_key(el: etree._Element) -> str:
    name = _local(el)
    if name == "inputOutput" and _local(el.getparent()) == "connector":
        return "Connector.inputOutput"
    return _ELEMENT_KEYS.get(name) or name[:1].upper() + name[1:]


def _property_key(type_key: str, attr: str) -> str:
    for candidate in (type_key, _SUPERS.get(type_key, ""), "InputOutputParameterDefinition"):
        if f"{candidate}.{attr}" in CATALOGUE:
            return f"{candidate}.{attr}"
    return f"{type_key}.{attr}"


def _refused(key: str, shown: str) -> str | None:
    found = CATALOGUE.get(key)
    if found is None:
        return f"[{shown}] is not a Camunda 7 extension this server knows; refused rather than ignored"
    if found[0] is Status.REFUSED:
        return f"[{shown}] is not supported: {found[1]}"
    return None


def _values(el: etree._Element) -> Iterator[str]:
    """Uses of extensions that run, in a place or with a value that does not."""
    name, parent = _local(el), el.getparent()
    host = parent.getparent() if parent is not None and _local(parent) == "extensionElements" else None
    host_name = _local(host) if host is not None else ""
    script_format = (el.get("scriptFormat") or "").strip().lower()
    if name == "script" and el.get("resource") is not None:
        yield missing_resource("camunda:script resource", el.get("resource") or "")
    if name == "script" and script_format == "feel":
        if _local(parent) in _LISTENER_EVENTS:  # a FEEL script only gives a value (engine/camunda_config.py)
            yield "[camunda:script] a FEEL script gives a value and changes nothing: listeners need Python"
    elif name == "script" and script_format not in _SCRIPT_FORMATS:
        yield f"[camunda:script] script format '{el.get('scriptFormat')}' is not supported; scripts are Python " \
              "or JavaScript"
    if name in _LISTENER_EVENTS:
        event = el.get("event") or ""
        allowed = {"take"} if host_name == "sequenceFlow" and name == "executionListener" else _LISTENER_EVENTS[name]
        if name == "taskListener" and host_name != "userTask":
            yield "[camunda:taskListener] task listeners belong to user tasks"
        elif event not in allowed:
            yield f"[camunda:{name}] event '{event}' is not supported here (supported: {', '.join(sorted(allowed))})"
        if el.find(f"{{{CAMUNDA}}}script") is None and el.get("expression") is None \
                and el.get("class") is None and el.get("delegateExpression") is None:
            yield f"[camunda:{name}] needs a camunda:script or an expression"
        timers = [c for c in el if _ns(c) == BPMN]
        if timers and (event != "timeout" or len(timers) > 1 or _local(timers[0]) != "timerEventDefinition"):
            yield "[camunda:taskListener eventDefinitions] only a timeout listener has a timer, and one"
        elif event == "timeout" and not timers:
            yield "[camunda:taskListener] a timeout listener needs a bpmn:timerEventDefinition"
    if name == "inputOutput" and (host_name in ("process", "sequenceFlow", "startEvent", "boundaryEvent")
                                  or host_name.endswith("Gateway")):
        # Camunda 7 refuses these at deploy as well ("camunda:inputOutput mapping unsupported for element type").
        yield f"[camunda:inputOutput] input/output mappings are not supported on a {host_name}, as in Camunda 7"
    if name == "inputOutput" and host_name == "endEvent" and el.find(f"{{{CAMUNDA}}}outputParameter") is not None:
        yield "[camunda:outputParameter] an end event has no output parameters, as in Camunda 7"
    if name == "failedJobRetryTimeCycle" and (el.text or "").strip():  # empty: the engine's default, as in Camunda
        from .camunda_config import retry_cycle

        external = host is not None and host.get(f"{{{CAMUNDA}}}type") == "external"
        if host_name != "scriptTask" and not external:
            yield "[camunda:failedJobRetryTimeCycle] retry cycles run on script tasks and external tasks only"
        elif retry_cycle(host) is None:
            yield f"[camunda:failedJobRetryTimeCycle] '{(el.text or '').strip()}' is not supported: write " \
                  "R<n>/<ISO 8601 duration>, e.g. R3/PT10M"
    if name in ("inputParameter", "outputParameter") and not (el.get("name") or "").strip():
        yield f"[camunda:{name}] needs a name"
    if name == "entry" and el.get("key") is None:
        yield "[camunda:entry] needs a key"
    if name in ("in", "out"):
        if not any(el.get(a) is not None for a in ("source", "sourceExpression", "businessKey")) \
                and el.get("variables") != "all":
            yield f"[camunda:{name}] needs source, sourceExpression, variables=\"all\" or businessKey"
        elif el.get("sourceExpression") is not None and not el.get("target"):
            yield f"[camunda:{name}] a sourceExpression needs a target"
        elif name == "out" and el.get("businessKey") is not None:
            yield "[camunda:out] businessKey is passed into a called process only (camunda:in)"
    thrower = host.getparent() if host_name == "signalEventDefinition" else None
    if name == "in" and thrower is not None and _local(thrower) in ("intermediateThrowEvent", "endEvent"):
        if el.get("businessKey") is not None:  # Camunda 7 passes variables with a signal, not a business key
            yield "[camunda:in] businessKey is passed into a called process only; a signal carries variables"
    elif name == "in" and host_name == "signalEventDefinition":
        yield "[camunda:in] the variables of a signal are passed by its thrower: put camunda:in on the signal " \
              "definition of a signal intermediate throw event or signal end event"
    elif name in ("in", "out") and host_name != "callActivity":
        yield f"[camunda:{name}] variable passing is supported on call activities and (camunda:in) on the " \
              "signal definition of a signal throw or end event only"


def missing_resource(shown: str, value: str) -> str:
    """A script resource still in the diagram: the deployment had no such file (engine/script_resources.py
    writes the ones it finds inline)."""
    return (f"[{shown}] the script file '{value}' is not in the deployment: deploy it beside the diagram (a part "
            "of the same upload, or a file of the zip)")


def _attribute_values(el: etree._Element, attr: str, value: str) -> Iterator[str]:
    if attr in ("variableName", "variableEvents"):
        host = _local(el.getparent()) if el.getparent() is not None else ""
        if host not in ("intermediateCatchEvent", "boundaryEvent"):
            yield f"[camunda:{attr}] is supported on intermediate and boundary conditional events only"
        if attr == "variableEvents" and any(e.strip() not in ("create", "update", "delete")
                                            for e in value.split(",") if e.strip()):
            yield f"[camunda:variableEvents] '{value}': the events are create, update and delete"
    if attr == "resource" and _local(el) == "scriptTask":
        yield missing_resource("camunda:resource", value)
    if attr == "calledElementBinding" and value not in ("latest", "deployment"):
        yield f"[camunda:calledElementBinding] binding '{value}' is not supported (latest or deployment)"
    if attr == "resultVariable" and _local(el) == "scriptTask" \
            and (not value.isidentifier() or value.startswith("_")):
        yield f"[camunda:resultVariable] '{value}' is not a variable name"
    if attr == "historyTimeToLive":
        from .camunda_settings import history_days

        try:
            history_days(value)
        except ValueError as exc:
            yield f"[camunda:historyTimeToLive] {exc}"


def _problems(root: etree._Element) -> Iterator[Problem]:
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        if _ns(el) == CAMUNDA:
            key = element_key(el)
            message = _refused(key, f"camunda:{_local(el)}")
            if message:
                yield el, message
                continue
            for attr in el.attrib:
                if _ns_of(attr) is None:
                    found = _refused(_property_key(key, attr), f"camunda:{_local(el)} {attr}")
                    if found:
                        yield el, found
            for message in _values(el):
                yield el, message
            continue
        for attr, value in el.attrib.items():
            if _ns_of(attr) != CAMUNDA:
                continue
            name = etree.QName(attr).localname
            if name == "expression" and _local(el) == "messageEventDefinition":
                continue  # the thrown payload: runs (engine/specs.py)
            found = _refused(attribute_key(el, name), f"camunda:{name}")
            if found:
                yield el, found
            for message in _attribute_values(el, name, value):
                yield el, message


def _ns_of(attr: str) -> str | None:
    return etree.QName(attr).namespace


def _owner(el: etree._Element) -> etree._Element:
    found = el
    while found is not None and (_ns(found) != BPMN or not found.get("id")):
        found = found.getparent()
    return found if found is not None else el


def _skipped(el: etree._Element) -> bool:
    """Inside a process that is not executable (never deployed to run)."""
    for up in el.iterancestors(f"{{{BPMN}}}process"):
        return up.get("isExecutable", "true") != "true"
    return _local(el) == "process" and el.get("isExecutable", "true") != "true"


def problems(root: etree._Element) -> list[dict[str, Any]]:
    """Every refused Camunda 7 extension of a document, as `{"line", "element", "message"}` errors."""
    return [{"line": el.sourceline, "element": _owner(el).get("id"), "message": message}
            for el, message in _problems(root) if not _skipped(el) and not _java(el, message)]


# Java delegates, Java listeners and connectors are engine/delegates.py's to refuse (or hand to external workers
# under BPMN_SERVER_JAVA_DELEGATES=external), with one message each that names the class or bean.
_JAVA = ("[camunda:class]", "[camunda:delegateExpression]", "[camunda:expression]", "[camunda:connector]",
         "[camunda:connectorId]")


def _java(el: etree._Element, message: str) -> bool:
    if message.startswith(_JAVA) or re.match(r"\[camunda:\w+ (class|delegateExpression)\]", message):
        return True
    return any(_local(up) == "connector" for up in el.iterancestors() if isinstance(up.tag, str))
