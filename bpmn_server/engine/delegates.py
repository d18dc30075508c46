"""Camunda 7 Java delegates: refused naming each one, or handed to external workers.

A Camunda 7 service, send or business rule task (one without decisionRef), or a message throw event, names Java
code to run: `camunda:class`, `camunda:delegateExpression` or `camunda:expression` (a bean method). Java cannot run
here. By default every such element is refused at deploy, all of them in one 422. With the setting
`BPMN_SERVER_JAVA_DELEGATES=external` each becomes an external task instead (`camunda:type="external"`), so a team
moving a process over writes those workers in any language and completes them through the external task API. The
topic is the class's simple name (`com.acme.ChargeCard` -> `ChargeCard`) or the expression's bean name
(`${paymentAdapter.charge(execution)}` -> `paymentAdapter`). A `camunda:expression` that calls no bean (`#{true}`,
a placeholder, or `${execution.setVariable('done', true)}`) is no Java: it runs here, in both modes, as a script
task evaluating the expression (its value stored in `camunda:resultVariable`, as in Camunda). Listeners with a Java
class or delegate expression have no task to hand over: they stay refused in both modes. Connectors
(`camunda:connector`) are refused too: they run Java connector plugins.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Any

from lxml import etree

from .expressions import ExpressionError, translate_expression

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
CAMUNDA = "http://camunda.org/schema/1.0/bpmn"
JAVA_ATTRIBUTES = ("class", "delegateExpression", "expression")
TASKS = ("serviceTask", "sendTask", "businessRuleTask")  # a business rule task with decisionRef runs DMN instead
THROWS = ("intermediateThrowEvent", "endEvent")
_ONE_EXPRESSION = re.compile(r"^\s*[$#]\{[^{}]*\}\s*$")
_BEAN = re.compile(r"^\s*[$#]\{\s*([A-Za-z_][A-Za-z0-9_]*)")


class JavaDelegates(StrEnum):
    REFUSE = "refuse"
    EXTERNAL = "external"


_mode = JavaDelegates.REFUSE


def set_mode(mode: str | JavaDelegates) -> None:
    """Set from the server's configuration at start (`BPMN_SERVER_JAVA_DELEGATES`); ValueError if unknown."""
    global _mode
    try:
        _mode = JavaDelegates(mode.lower() if isinstance(mode, str) else mode)
    except ValueError:
        raise ValueError(f"BPMN_SERVER_JAVA_DELEGATES must be 'refuse' or 'external', not {mode!r}") from None


def mode() -> JavaDelegates:
    return _mode


def _local(el: Any) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def topic_of(attribute: str, value: str) -> str:
    """The external topic standing in for a delegate: a class's simple name or an expression's bean name."""
    if attribute == "class":
        return value.strip().rsplit(".", 1)[-1].rsplit("$", 1)[-1] or value.strip()
    found = _BEAN.match(value)
    return found.group(1) if found else value.strip()


def _java(el: etree._Element, attributes: tuple[str, ...] = JAVA_ATTRIBUTES) -> tuple[str, str] | None:
    for attribute in attributes:
        value = el.get(f"{{{CAMUNDA}}}{attribute}")
        if value and value.strip():
            return attribute, value.strip()
    return None


def _error(el: etree._Element, message: str) -> dict[str, Any]:
    return {"line": el.sourceline, "element": el.get("id"), "message": message}


def _delegate_holders(root: etree._Element) -> list[tuple[etree._Element, etree._Element]]:
    """(element to name, element carrying the camunda attributes) for each Java delegate."""
    found = []
    for el in root.iter(*(f"{{{BPMN}}}{name}" for name in TASKS + THROWS)):
        if _local(el) in TASKS:
            external = el.get(f"{{{CAMUNDA}}}type") == "external"
            if not external and not el.get(f"{{{CAMUNDA}}}decisionRef") and _java(el):
                found.append((el, el))
        else:
            # camunda:expression on a message definition is this server's message payload (engine/specs.py).
            found.extend((el, d) for d in el.findall(f"{{{BPMN}}}messageEventDefinition")
                         if _java(d, ("class", "delegateExpression")))
    return found


def expression_source(value: str) -> str | None:
    """The Python a service task's camunda:expression runs as, or None when it calls a bean (needs Java)."""
    if not _ONE_EXPRESSION.match(value):
        return None
    try:
        return translate_expression(value)  # refuses method calls on anything but values and `execution`
    except ExpressionError:
        return None


def _as_script(task: etree._Element, value: str) -> bool:
    """Turn a service or send task whose camunda:expression calls no bean into a script task evaluating it;
    False (nothing changed) when the expression needs Java."""
    source = expression_source(value)
    if source is None:
        return False
    task.attrib.pop(f"{{{CAMUNDA}}}expression")
    task.tag = f"{{{BPMN}}}scriptTask"
    task.set("scriptFormat", "python")
    etree.SubElement(task, f"{{{BPMN}}}script").text = source
    return True


def _idle(el: etree._Element) -> bool:
    """Inside a process marked isExecutable="false": stored, never run (Camunda 7 does not parse it either)."""
    return any(up.get("isExecutable", "true") != "true" for up in el.iterancestors(f"{{{BPMN}}}process"))


def apply(root: etree._Element) -> list[dict[str, Any]]:
    """Refuse, or rewrite into external tasks, the Java delegates of a (copied) tree; the errors found. What a
    non-executable process names is left alone: it never runs."""
    errors: list[dict[str, Any]] = []
    for owner, holder in _delegate_holders(root):
        if _idle(owner):
            continue
        attribute, value = _java(holder)
        topic = topic_of(attribute, value)
        kind = _local(owner)
        if attribute == "expression" and kind in TASKS and _as_script(owner, value):
            continue
        if _mode is JavaDelegates.EXTERNAL and kind in TASKS:
            for name in JAVA_ATTRIBUTES + ("resultVariable",):
                holder.attrib.pop(f"{{{CAMUNDA}}}{name}", None)
            owner.set(f"{{{CAMUNDA}}}type", "external")
            owner.set(f"{{{CAMUNDA}}}topic", topic)
            continue
        hint = (f"; set BPMN_SERVER_JAVA_DELEGATES=external to hand it to external workers (topic '{topic}')"
                if kind in TASKS else "")
        errors.append(_error(owner, f"[java-delegate] {kind} '{owner.get('id')}' runs Java "
                                    f"(camunda:{attribute}=\"{value}\"), which cannot run here{hint}"))
    for listener in root.iter(f"{{{CAMUNDA}}}executionListener", f"{{{CAMUNDA}}}taskListener"):
        java = next(((a, listener.get(a)) for a in ("class", "delegateExpression") if listener.get(a)), None)
        if java is None or _idle(listener):
            continue
        owner = listener.getparent().getparent() if listener.getparent() is not None else listener
        errors.append(_error(owner, f"[java-listener] {_local(listener)} (event '{listener.get('event')}') of "
                                    f"'{owner.get('id')}' runs Java ({java[0]}=\"{java[1]}\"), which cannot run "
                                    "here"))
    for connector in root.iter(f"{{{CAMUNDA}}}connector"):
        if _idle(connector):
            continue
        owner = next((a for a in connector.iterancestors() if a.get("id")), connector)
        connector_id = connector.findtext(f"{{{CAMUNDA}}}connectorId") or "?"
        errors.append(_error(owner, f"[java-connector] '{owner.get('id')}' uses the Camunda connector "
                                    f"'{connector_id.strip()}', a Java plugin that cannot run here"))
    return errors
