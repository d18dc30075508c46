"""spiff-arena's messages (engine/spiff_dialect.py reads the rest of the dialect): the deploy checks of
`messagePayload`, `messageVariable` and `processVariableCorrelation`, and what the services read of them per
process: the message start events that keep the payload in one variable, and the correlation of each message by
payload properties (services/catchers.py). The payload and variable themselves are read by engine/specs.py.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from . import sandbox
from .camunda_config import BPMN

SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"


def _local(el: Any) -> str:
    return etree.QName(el.tag).localname if isinstance(el.tag, str) else ""


def _owner(el: etree._Element) -> etree._Element:
    """The nearest BPMN element with an id: the element an error names."""
    for up in (el, *el.iterancestors()):
        if isinstance(up.tag, str) and etree.QName(up.tag).namespace == BPMN and up.get("id"):
            return up
    return el


def _err(el: etree._Element, message: str) -> dict[str, Any]:
    return {"line": el.sourceline, "element": _owner(el).get("id"), "message": message}


_THROWS = ("intermediateThrowEvent", "endEvent", "sendTask")
_CATCHES = ("intermediateCatchEvent", "boundaryEvent", "startEvent", "receiveTask")


def message_problems(el: etree._Element, name: str) -> list[dict[str, Any]]:
    """messagePayload compiles and sits where a message is sent; messageVariable names a variable and sits where
    one is received (or either on the bpmn:message, spiff-arena's older place)."""
    ext = el.getparent()
    holder = ext.getparent() if ext is not None else None
    where = _local(holder) if holder is not None else ""
    if where == "messageEventDefinition":
        where = _local(holder.getparent())
    text = (el.text or "").strip()
    if name == "messagePayload":
        if where not in _THROWS + ("message",):
            return [_err(el, "[spiffworkflow:messagePayload] belongs to a message throw event or a send task")]
        problem = sandbox.check(text, "eval") if text else "it is empty"
        return [_err(el, f"[spiffworkflow:messagePayload] {text!r} does not compile: {problem}")] if problem else []
    if where not in _CATCHES + ("message",):
        return [_err(el, "[spiffworkflow:messageVariable] belongs to a message catch event or a receive task")]
    if not text.isidentifier() or text.startswith("_"):
        return [_err(el, f"[spiffworkflow:messageVariable] {text!r} is not a variable name")]
    return []


def _retrievals(root: etree._Element) -> dict[tuple[str, str], str]:
    """{(correlation property id, message id): retrieval expression} of the document."""
    found = {}
    for prop in root.iter(f"{{{BPMN}}}correlationProperty"):
        for retrieval in prop.iterfind(f"{{{BPMN}}}correlationPropertyRetrievalExpression"):
            text = (retrieval.findtext(f"{{{BPMN}}}messagePath") or retrieval.findtext(f"{{{BPMN}}}formalExpression")
                    or "").strip()
            if text:
                found[(prop.get("id"), retrieval.get("messageRef"))] = text
    return found


def correlation_problems(el: etree._Element) -> list[dict[str, Any]]:
    """A processVariableCorrelation names a property with a retrieval expression for the event's message, and a
    process variable (the index correlation reads holds variables, not computed values)."""
    definition = el.getparent().getparent() if el.getparent() is not None else None
    if definition is None or _local(definition) not in ("messageEventDefinition", "receiveTask") \
            or _local(_owner(el)) not in _CATCHES:
        return [_err(el, "[spiffworkflow:processVariableCorrelation] belongs to a message catch event or a "
                         "receive task")]
    prop = (el.findtext(f"{{{SPIFF}}}propertyId") or "").strip()
    variable = (el.findtext(f"{{{SPIFF}}}expression") or "").strip()
    message = definition.get("messageRef")
    if not variable.isidentifier() or variable.startswith("_"):
        return [_err(el, f"[spiffworkflow:processVariableCorrelation] expression {variable!r}: only a process "
                         "variable name is supported (the correlation index holds variables)")]
    retrieval = _retrievals(el.getroottree().getroot()).get((prop, message))
    if retrieval is None:
        return [_err(el, f"[spiffworkflow:processVariableCorrelation] correlation property {prop!r} has no "
                         f"correlationPropertyRetrievalExpression for message {message!r}")]
    problem = sandbox.check(retrieval, "eval")
    return [_err(el, f"[spiffworkflow:processVariableCorrelation] the retrieval expression {retrieval!r} of "
                     f"{prop!r} does not compile: {problem}")] if problem else []


def message_correlations(proc: etree._Element) -> dict[str, dict[str, str]]:
    """{message name: {process variable: retrieval expression on the payload}} of the process's catchers with
    spiff-arena's processVariableCorrelation: a message goes to the waiting instance whose variables equal the
    values the expressions give on its payload (services/catchers.py)."""
    root = proc.getroottree().getroot()
    names = {m.get("id"): m.get("name") or m.get("id") for m in root.iter(f"{{{BPMN}}}message")}
    retrievals = _retrievals(root)
    found: dict[str, dict[str, str]] = {}
    for el in proc.iter(f"{{{SPIFF}}}processVariableCorrelation"):
        definition = el.getparent().getparent()
        message = definition.get("messageRef") if definition is not None else None
        prop = (el.findtext(f"{{{SPIFF}}}propertyId") or "").strip()
        variable = (el.findtext(f"{{{SPIFF}}}expression") or "").strip()
        if message in names and (prop, message) in retrievals and variable:
            found.setdefault(names[message], {})[variable] = retrievals[(prop, message)]
    return found


def message_start_variables(proc: etree._Element) -> dict[str, str]:
    """{message name: messageVariable} of the process's message start events that store the payload in one
    variable: such an instance starts without the payload merged into its variables (services/catchers.py)."""
    root = proc.getparent()
    messages = {m.get("id"): m for m in (root if root is not None else []) if _local(m) == "message"}
    found = {}
    for definition in proc.iterfind(f"{{{BPMN}}}startEvent/{{{BPMN}}}messageEventDefinition"):
        message = messages.get(definition.get("messageRef"))
        path = f"{{{BPMN}}}extensionElements/{{{SPIFF}}}messageVariable"
        variable = definition.findtext(path) or (message.findtext(path) if message is not None else None)
        if message is not None and (variable or "").strip():
            found[message.get("name") or message.get("id")] = variable.strip()
    return found
