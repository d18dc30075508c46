"""Constraint rules on expressions, timers, item definitions and data associations."""

from __future__ import annotations

import re
from collections.abc import Iterator

from lxml import etree

from .validator_model import BPMN, Model, Problem, local

_FORMAL_REQUIRED = {"loopCardinality", "completionCondition", "loopCondition", "activationCondition", "from", "to"}
_BODY_REQUIRED = {"dataPath", "messagePath", "transformation"}
_ISO_DURATION = re.compile(r"^-?P(?=\d|T\d)(\d+([.,]\d+)?Y)?(\d+([.,]\d+)?M)?(\d+([.,]\d+)?W)?(\d+([.,]\d+)?D)?"
                           r"(T(?=\d)(\d+([.,]\d+)?H)?(\d+([.,]\d+)?M)?(\d+([.,]\d+)?S)?)?$", re.I)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}(:\d{2}(:\d{2}([.,]\d+)?)?)?(Z|[+-]\d{2}(:?\d{2})?)?)?$")
_EXPRESSION_MARKS = re.compile(r"[${}()\"'+*/<>=\[\].]")


def _text(el: etree._Element | None) -> str:
    return "".join(el.itertext()).strip() if el is not None else ""


def _compiles(text: str) -> bool:
    from .expressions import ExpressionError, translate_expression

    try:
        compile(translate_expression(text), "<bpmn>", "eval")
    except (SyntaxError, ValueError, ExpressionError):
        return False
    return True


def _rule_expressions(m: Model) -> Iterator[Problem]:
    for el in m.elements:
        name = local(el)
        if not m.executable(el):
            continue
        if name in _FORMAL_REQUIRED and not m.is_formal(el):
            yield el, "natural-language-expression", (f"{name} must be a formal expression "
                                                      "(xsi:type=\"tFormalExpression\") in an executable process")
        elif name == "conditionExpression" and not m.is_formal(el) and _text(el) and not _compiles(_text(el)):
            yield el, "natural-language-expression", "a condition in natural language cannot be executed"
        if (m.is_formal(el) or name in _BODY_REQUIRED or (name == "condition" and local(el.getparent()) ==
                                                           "complexBehaviorDefinition")) and not _text(el):
            yield el, "empty-expression", f"the {name} expression has no body"
        if name in ("completionCondition", "condition") and _text(el) and _not_boolean(_text(el)):
            yield el, "condition-not-boolean", f"the {name} '{_text(el)}' is not a boolean condition"
    for definition in m.by_name("conditionalEventDefinition"):
        condition = definition.find(f"{{{BPMN}}}condition")
        if m.executable(definition) and (condition is None or not _text(condition) or not m.is_formal(condition)):
            yield definition, "conditional-event-expression", "a conditional event needs a formal condition"


def _not_boolean(text: str) -> bool:
    """A literal number or string: never a condition."""
    return bool(re.fullmatch(r"[-+]?\d+(\.\d+)?|\"[^\"]*\"|'[^']*'", text.strip()))


def _timer_problem(kind: str, text: str) -> str | None:
    if _EXPRESSION_MARKS.search(text) or "(" in text:
        return None  # an expression, evaluated when the timer starts
    if kind == "timeDuration" and _ISO_DURATION.match(text):
        return None
    if kind == "timeDate" and _ISO_DATE.match(text):
        return None
    if kind == "timeCycle":
        parts = text.split("/")
        if re.fullmatch(r"R\d*", parts[0], re.I) and 2 <= len(parts) <= 3 and all(
                _ISO_DURATION.match(p) or _ISO_DATE.match(p) for p in parts[1:]):
            return None
        if len(text.split()) in (5, 6, 7):
            return None  # a cron expression, as Camunda allows
    return (f"{kind} '{text}' is neither an ISO 8601 {kind[4:].lower()} nor an expression "
            "(write ${name} to read it from a variable)")


def _rule_timers(m: Model) -> Iterator[Problem]:
    for timer in m.by_name("timerEventDefinition"):
        values = [c for c in timer if local(c) in ("timeDate", "timeDuration", "timeCycle")]
        if len(values) > 1:
            yield timer, "timer-definition", "a timer has one of timeDate, timeDuration or timeCycle, not several"
        elif not values and m.executable(timer) and local(timer.getparent()) != "definitions":
            yield timer.getparent(), "timer-definition", "a timer needs a timeDate, timeDuration or timeCycle"
        for value in values:
            problem = _timer_problem(local(value), _text(value)) if _text(value) else None
            if problem:
                yield timer.getparent(), "timer-value", problem


def _item(m: Model, el: etree._Element | None) -> str | None:
    """The itemSubjectRef of an item-aware element, through data object and data store references."""
    if el is None:
        return None
    if el.get("itemSubjectRef"):
        return el.get("itemSubjectRef")
    for attr in ("dataObjectRef", "dataStoreRef"):
        target = m.ref(el.get(attr))
        if target is not None:
            return target.get("itemSubjectRef")
    return None


def _rule_items(m: Model) -> Iterator[Problem]:
    for el in m.of_kind({"dataObject", "dataInput", "dataOutput"}):
        item = m.ref(el.get("itemSubjectRef"))
        if item is not None and local(item) == "itemDefinition" and \
                el.get("isCollection", "false") != item.get("isCollection", "false"):
            yield el, "is-collection-mismatch", "isCollection differs from that of its itemDefinition"
    for ref in m.by_name("dataObjectReference"):
        obj, state = m.ref(ref.get("dataObjectRef")), ref.find(f"{{{BPMN}}}dataState")
        if obj is not None and state is not None and state.get("name") and ref.get("name") is not None \
                and ref.get("name") != f"{obj.get('name')} [{state.get('name')}]":
            yield ref, "data-reference-name", (f"a data object reference with a state is named "
                                               f"'{obj.get('name')} [{state.get('name')}]'")
    for assoc in m.of_kind({"dataInputAssociation", "dataOutputAssociation"}):
        sources = [m.ref(s.text) for s in assoc if local(s) == "sourceRef"]
        target = m.ref(_text(assoc.find(f"{{{BPMN}}}targetRef")))
        has_transformation = assoc.find(f"{{{BPMN}}}transformation") is not None
        if local(assoc) == "dataInputAssociation" and any(s is not None and local(s) == "dataOutput" for s in sources):
            yield assoc, "data-association-direction", "a data input association cannot read a data output"
        if local(assoc) == "dataOutputAssociation" and target is not None and local(target) == "dataInput":
            yield assoc, "data-association-direction", "a data output association cannot write a data input"
        if has_transformation:
            continue
        if len(sources) > 1:
            yield assoc, "data-association-sources", "without a transformation a data association has one source"
        elif sources and target is not None:
            a, b = _item(m, sources[0]), _item(m, target)
            if a and b and not m.same_item(a, b):
                yield assoc, "data-association-type", "source and target items differ and there is no transformation"


DATA_RULES = [_rule_expressions, _rule_timers, _rule_items]
