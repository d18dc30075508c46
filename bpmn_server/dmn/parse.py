"""Reads a .dmn file (DMN 1.1 to 1.5) safely with lxml and compiles it; refuses what cannot be evaluated."""

from __future__ import annotations

import io
from typing import Any

from lxml import etree

from .boxed import Boxed, kid, kids, local, text_of
from .errors import DmnModelError
from .model import Bkm, Decision, DmnModel, ItemDef, Service

DMN_NAMESPACES = (
    "http://www.omg.org/spec/DMN/20151101/dmn.xsd",  # 1.1
    "http://www.omg.org/spec/DMN/20180521/MODEL/",  # 1.2
    "https://www.omg.org/spec/DMN/20191111/MODEL/",  # 1.3
    "https://www.omg.org/spec/DMN/20211108/MODEL/",  # 1.4
    "https://www.omg.org/spec/DMN/20230324/MODEL/",  # 1.5
)


def parse_xml(data: bytes) -> Any:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                             huge_tree=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise DmnModelError(f"not well-formed XML: {exc.msg}", "definitions", exc.lineno) from None
    if local(root) != "definitions" or etree.QName(root).namespace not in DMN_NAMESPACES:
        raise DmnModelError("not a DMN 1.1-1.5 <definitions> document", local(root) or "document")
    return root


def is_dmn(data: bytes) -> bool:
    """Is the document's root a DMN <definitions> (BPMN files may declare DMN namespaces too)?"""
    if b"omg.org/spec/DMN/" not in data[:8192]:
        return False
    try:
        for _, el in etree.iterparse(io.BytesIO(data), events=("start",), resolve_entities=False, no_network=True,
                                     load_dtd=False, huge_tree=False):
            return local(el) == "definitions" and etree.QName(el).namespace in DMN_NAMESPACES
    except etree.XMLSyntaxError:
        return False
    return False


def _href(el: Any) -> str:
    return (el.get("href") or "").split("#")[-1]


def _item(el: Any, boxed: Boxed) -> ItemDef:
    name = el.get("name")
    comps = kids(el, "itemComponent")
    allowed = kid(el, "allowedValues")
    fn = kid(el, "functionItem") is not None
    item = ItemDef(name, text_of(el, "typeRef").strip() or None, el.get("isCollection") == "true",
                   {c.get("name"): _item(c, boxed) for c in comps} if comps else None, None, fn)
    if allowed is not None:
        item.allowed = boxed.tests(text_of(allowed), allowed)
    return item


def _names(root: Any) -> tuple[str, ...]:
    found = set()
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        if local(el) in ("variable", "formalParameter", "itemComponent", "parameter", "column", "inputData",
                         "decision", "businessKnowledgeModel", "decisionService", "output", "input"):
            n = el.get("name") or el.get("label")
            if n:
                found.add(n.strip())
        if local(el) == "for" or local(el) in ("some", "every"):
            if el.get("iteratorVariable"):
                found.add(el.get("iteratorVariable"))
    return tuple(sorted(found))


def load(data: bytes, lenient: bool = False) -> DmnModel:
    """Compile a .dmn file. `lenient` (the TCK runner) turns an expression that does not compile into an error
    of its decision at evaluation instead of refusing the model."""
    root = parse_xml(data)
    model = DmnModel(root.get("name") or "", root.get("namespace") or "")
    boxed = Boxed(_names(root), model.items, lenient)
    for el in kids(root, "itemDefinition"):
        model.items[el.get("name")] = _item(el, boxed)
    for el in kids(root):
        kind, name, eid = local(el), el.get("name"), el.get("id")
        if kind in ("inputData", "decision", "businessKnowledgeModel", "decisionService"):
            if not name:
                raise DmnModelError(f"a <{kind}> needs a name", eid or kind, el.sourceline)
            if eid:
                model.ids[eid] = name
        var = kid(el, "variable")
        type_ref = var.get("typeRef") if var is not None else None
        if kind == "inputData":
            model.inputs[name] = type_ref
        elif kind == "decision":
            reqs = kids(el, "informationRequirement")
            d = Decision(eid or name, name, type_ref, None,
                         [_href(kid(r, "requiredDecision")) for r in reqs if kid(r, "requiredDecision") is not None],
                         [_href(kid(r, "requiredInput")) for r in reqs if kid(r, "requiredInput") is not None])
            expr = boxed.expression_of(el)
            if expr is not None and local(expr) == "decisionTable":
                d.table = d.logic = boxed.b_decision_table(expr)
            elif expr is not None:
                d.logic = boxed.compile(expr)
            model.decisions[name] = d
        elif kind == "businessKnowledgeModel":
            fd = kid(el, "encapsulatedLogic")
            params = [(p.get("name"), p.get("typeRef")) for p in kids(fd, "formalParameter")] if fd is not None else []
            if fd is not None and fd.get("kind", "FEEL") != "FEEL":
                raise DmnModelError(f"function kind {fd.get('kind')!r} is not supported", name, el.sourceline)
            body = boxed.compile(boxed.expression_of(fd)) if fd is not None else None
            model.bkms[name] = Bkm(eid or name, name, params, body, type_ref)
        elif kind == "decisionService":
            model.services[name] = Service(
                eid or name, name, [_href(x) for x in kids(el, "outputDecision")],
                [_href(x) for x in kids(el, "inputDecision")], [_href(x) for x in kids(el, "inputData")],
                [_href(x) for x in kids(el, "encapsulatedDecision")], type_ref)
        elif kind == "import":
            raise DmnModelError("imported models are not supported", el.get("name") or "import", el.sourceline)
    _resolve(model)
    model.boxed = boxed
    return model


def _resolve(model: DmnModel) -> None:
    """Requirements point at elements by id: turn them into names and check that they exist."""
    def name(ref: str, what: str, owner: str) -> str:
        if ref in model.ids:
            return model.ids[ref]
        raise DmnModelError(f"{what} #{ref} does not exist", owner)
    for d in model.decisions.values():
        d.required_decisions = [name(r, "required decision", d.name) for r in d.required_decisions]
        d.required_inputs = [name(r, "required input", d.name) for r in d.required_inputs]
    for s in model.services.values():
        s.outputs = [name(r, "output decision", s.name) for r in s.outputs]
        s.input_decisions = [name(r, "input decision", s.name) for r in s.input_decisions]
        s.input_data = [name(r, "input data", s.name) for r in s.input_data]
        s.encapsulated = [name(r, "encapsulated decision", s.name) for r in s.encapsulated]
