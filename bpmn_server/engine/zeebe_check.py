"""Deploy-time check of the Camunda 8 (Zeebe) extensions of a diagram against engine/zeebe_catalogue.py.

Every `zeebe:` element and attribute is looked up in the catalogue; what is refused there, or used where or
with a value that does not run here, is an error naming the BPMN element and the extension.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from lxml import etree

from . import feel_conditions
from .camunda_catalogue import Status
from .zeebe_catalogue import ATTRIBUTE_TYPES, CATALOGUE, ELEMENT_TYPES, SUPERS

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
ZEEBE = "http://camunda.org/schema/zeebe/1.0"
FORM_KEY_PREFIX = "camunda-forms:bpmn:"
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_LITERAL = re.compile(r'^(-?\d+(\.\d+)?|"[^"]*")$')
JOB_HOSTS = {"serviceTask", "sendTask", "businessRuleTask", "intermediateThrowEvent", "endEvent"}
Problem = tuple[etree._Element, str]


def _local(el: Any) -> str:
    return etree.QName(el.tag).localname if isinstance(el.tag, str) else ""


def is_zeebe(el: Any) -> bool:
    return isinstance(el.tag, str) and etree.QName(el.tag).namespace == ZEEBE


def element_key(el: etree._Element) -> str:
    name = _local(el)
    return ELEMENT_TYPES.get(name) or name[:1].upper() + name[1:]


def _property_key(type_key: str, attr: str) -> str:
    for candidate in (type_key, SUPERS.get(type_key, ""), ATTRIBUTE_TYPES.get(attr, "")):
        if f"{candidate}.{attr}" in CATALOGUE:
            return f"{candidate}.{attr}"
    return f"{type_key}.{attr}"


def _owner(el: etree._Element) -> etree._Element:
    """The BPMN element an extension belongs to (nearest ancestor with an id outside the zeebe namespace)."""
    node = el
    while node is not None and (is_zeebe(node) or _local(node) == "extensionElements" or not node.get("id")
                                or _local(node).endswith("LoopCharacteristics")):
        node = node.getparent()
    return node if node is not None else el


def _refused(key: str) -> str | None:
    found = CATALOGUE.get(key)
    if found is None:
        return f"[zeebe:{key}] is not a Camunda 8 extension this server knows; refused rather than ignored"
    if found[0] is Status.REFUSED:
        return f"[zeebe:{key}] is not supported: {found[1]}"
    return None


def simple_name(text: str | None) -> str | None:
    """`= name` (or `name`) as the name, else None."""
    body = (text or "").strip().removeprefix("=").strip()
    return body if _NAME.match(body) else None


def _value_problems(el: etree._Element, owner: etree._Element) -> Iterator[str]:
    name = _local(el)
    if name == "taskDefinition":
        kind = (el.get("type") or "").strip()
        if not kind:
            yield "[zeebe:taskDefinition] needs a type (the job type workers fetch)"
        elif kind.startswith("="):
            yield f"[zeebe:taskDefinition] type {kind!r}: a job type computed by FEEL is not supported"
        retries = (el.get("retries") or "").strip()
        if retries and not retries.isdigit():
            yield f"[zeebe:taskDefinition] retries {retries!r} is not a whole number"
        host = _local(owner)
        if host not in JOB_HOSTS:
            yield f"[zeebe:taskDefinition] on a {host} is not supported (service, send and business rule tasks " \
                  "and message throw events)"
        elif host in ("intermediateThrowEvent", "endEvent") and \
                owner.find(f"{{{BPMN}}}messageEventDefinition") is None:
            yield f"[zeebe:taskDefinition] on a {host} needs a messageEventDefinition"
    elif name == "output" and "." in (el.get("target") or ""):
        yield f"[zeebe:output] target {el.get('target')!r}: a dotted output target is not supported"
    elif name in ("input", "output"):
        target = (el.get("target") or "").strip()
        if not target or not all(_NAME.match(part) for part in target.split(".")):
            yield f"[zeebe:{name}] target {target!r} is not a variable name"
        source = el.get("source") or ""
        if feel_conditions.is_feel(source):
            problem = feel_conditions.translate(source, value=True)[1]
            if problem:
                yield f"[zeebe:{name}] source {source.strip()!r} is not FEEL: {problem}"
    elif name == "subscription":
        key = (el.get("correlationKey") or "").strip()
        body = key.removeprefix("=").strip()
        if key and not (simple_name(key) or _LITERAL.match(body) or not key.startswith("=")):
            yield f"[zeebe:subscription] correlationKey {key!r}: only a variable name or a constant is supported"
    elif name == "loopCharacteristics":
        if not simple_name(el.get("inputCollection")):
            yield f"[zeebe:loopCharacteristics] inputCollection {el.get('inputCollection')!r}: only a variable " \
                  "name (`= items`) is supported"
        if el.get("inputElement") and not _NAME.match(el.get("inputElement")):
            yield f"[zeebe:loopCharacteristics] inputElement {el.get('inputElement')!r} is not a variable name"
    elif name == "calledElement":
        process_id = (el.get("processId") or "").strip()
        if not process_id or process_id.startswith("="):
            yield f"[zeebe:calledElement] processId {process_id!r}: a fixed process id is needed"
    elif name == "formDefinition" and el.get("formKey") is not None:
        if not el.get("formKey").startswith(FORM_KEY_PREFIX):
            yield f"[zeebe:formDefinition] formKey {el.get('formKey')!r}: only embedded forms " \
                  f"({FORM_KEY_PREFIX}ID) are supported"
    elif name == "formDefinition" and el.get("externalReference") is not None:
        reference = el.get("externalReference").strip()
        if not reference or reference.startswith("="):
            yield f"[zeebe:formDefinition] externalReference {el.get('externalReference')!r}: a fixed reference " \
                  "is needed (a FEEL expression is not evaluated here)"
    elif name == "formDefinition" and el.get("formId") is not None:
        if not (el.get("formId") or "").strip() or el.get("formId").strip().startswith("="):
            yield f"[zeebe:formDefinition] formId {el.get('formId')!r}: a fixed form id is needed"
    elif name == "script":
        if not el.get("expression") or not el.get("resultVariable"):
            yield "[zeebe:script] needs an expression and a resultVariable"
        else:
            problem = feel_conditions.translate(el.get("expression"), value=True)[1]
            if problem:
                yield f"[zeebe:script] expression {el.get('expression').strip()!r} is not FEEL: {problem}"
    if name == "formDefinition" and not _form_holder(owner):
        which = next((a for a in ("formId", "externalReference") if el.get(a) is not None), "formKey")
        yield f"[zeebe:formDefinition] {which} on a {_local(owner)} is not supported (only on a user task or the " \
              "none start event of a process)"
    binding = el.get("bindingType")
    if binding is not None and binding != "latest":
        yield f"[zeebe:{name}] bindingType {binding!r}: only \"latest\" is supported"


def _checks(root: etree._Element) -> Iterator[Problem]:
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        if is_zeebe(el):
            owner = _owner(el)
            key = element_key(el)
            problem = _refused(key)
            if problem:
                yield owner, problem
                continue
            for attr in el.attrib:
                if "}" in attr:
                    continue  # a namespaced attribute: checked below like any other
                refused = _refused(_property_key(key, attr))
                if refused:
                    yield owner, refused
            for problem in _value_problems(el, owner):
                yield owner, problem
        for attr in el.attrib:
            if attr.startswith(f"{{{ZEEBE}}}"):
                name = etree.QName(attr).localname
                refused = _refused(f"{ATTRIBUTE_TYPES.get(name, '?')}.{name}")
                if refused:
                    yield (_owner(el) if is_zeebe(el) else el), refused
    yield from _form_links(root)


def _form_holder(owner: etree._Element) -> bool:
    """A user task, or the none start event of a process (its start form)."""
    if _local(owner) == "userTask":
        return True
    parent = owner.getparent()
    return _local(owner) == "startEvent" and parent is not None and _local(parent) == "process" and not any(
        isinstance(c.tag, str) and _local(c).endswith("EventDefinition") for c in owner)


def embedded_forms(root: etree._Element) -> dict[str, etree._Element]:
    """zeebe:userTaskForm elements by id."""
    return {f.get("id"): f for f in root.iter(f"{{{ZEEBE}}}userTaskForm") if f.get("id")}


def _form_links(root: etree._Element) -> Iterator[Problem]:
    forms = embedded_forms(root)
    for form in forms.values():
        try:
            body = json.loads(form.text or "")
        except ValueError as exc:
            yield _owner(form), f"[zeebe:userTaskForm] {form.get('id')!r} is not JSON: {exc}"
            continue
        if not isinstance(body, dict) or not isinstance(body.get("components", []), list):
            yield _owner(form), f"[zeebe:userTaskForm] {form.get('id')!r} is not a form (no components list)"
    for definition in root.iter(f"{{{ZEEBE}}}formDefinition"):
        key = definition.get("formKey") or ""
        if key.startswith(FORM_KEY_PREFIX) and key[len(FORM_KEY_PREFIX):] not in forms:
            yield _owner(definition), f"[zeebe:formDefinition] formKey {key!r} names no zeebe:userTaskForm"


def problems(root: etree._Element) -> list[dict[str, Any]]:
    """Errors for the Zeebe extensions of a (prepared or original) tree."""
    return [{"line": el.sourceline, "element": el.get("id"), "message": message} for el, message in _checks(root)]
