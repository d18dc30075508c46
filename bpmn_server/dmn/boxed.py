"""Boxed expressions to closures `f(env) -> value`: literal expressions, contexts, invocations, relations,
lists, function definitions, conditionals, filters, iterators and decision tables."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lxml import etree

from bpmn_server.feel import Env, FeelError, compile_expression, compile_unary_tests
from bpmn_server.feel.registry import call_function
from bpmn_server.feel.values import Function

from . import typeref
from .errors import DecisionError, DmnModelError
from .model import ItemDef
from .table import AGGREGATIONS, HIT_POLICIES, Column, DecisionTable, Rule

Fn = Callable[[Env], Any]


def local(el: Any) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def kids(el: Any, name: str | None = None) -> list[Any]:
    return [c for c in el if isinstance(c.tag, str) and (name is None or local(c) == name)]


def kid(el: Any, name: str) -> Any:
    found = kids(el, name)
    return found[0] if found else None


def text_of(el: Any, name: str = "text") -> str:
    t = kid(el, name) if el is not None else None
    return (t.text or "") if t is not None else ""


EXPRESSIONS = ("literalExpression", "context", "invocation", "relation", "list", "functionDefinition",
               "decisionTable", "conditional", "filter", "for", "every", "some")


class _Broken:
    """An expression that did not compile, in a leniently loaded model: evaluating it is a decision error."""

    is_any = False

    def __init__(self, detail: str):
        self.detail = detail

    def evaluate_in(self, env: Any) -> Any:
        raise DecisionError(self.detail)

    def evaluate(self, context: Any = None) -> Any:
        raise DecisionError(self.detail)

    def matches_in(self, value: Any, env: Any) -> Any:
        raise DecisionError(self.detail)


_SNAKE = {"literalExpression": "literal_expression", "functionDefinition": "function_definition",
          "decisionTable": "decision_table"}


class Boxed:
    """Compiles the boxed expressions of one model; `names` are the model's names for the FEEL lexer."""

    def __init__(self, names: tuple[str, ...], items: dict[str, ItemDef], lenient: bool = False):
        self.names = names
        self.items = items
        self.lenient = lenient  # the TCK's meaning: a broken expression makes its decision null, not the model

    def coerce(self, v: Any, type_ref: str | None) -> Any:
        return typeref.coerce(v, type_ref, self.items)

    def fail(self, message: str, el: Any) -> DmnModelError:
        owner = el
        while owner is not None and not owner.get("name") and not owner.get("id"):
            owner = owner.getparent()
        label = (owner.get("name") or owner.get("id")) if owner is not None else local(el)
        return DmnModelError(message, f"{local(el)} in {label}", el.sourceline)

    def feel(self, text: str, el: Any) -> Any:
        try:
            return compile_expression(text, self.names)
        except FeelError as exc:
            if self.lenient:
                return _Broken(exc.detail)
            raise self.fail(exc.detail, el) from None

    def tests(self, text: str, el: Any) -> Any:
        try:
            return compile_unary_tests(text.strip(), self.names)
        except FeelError as exc:
            if self.lenient:
                return _Broken(exc.detail)
            raise self.fail(exc.detail, el) from None

    def expression_of(self, parent: Any) -> Any:
        for c in kids(parent):
            if local(c) in EXPRESSIONS:
                return c
        return None

    def compile(self, el: Any, type_ref: str | None = None) -> Fn:
        if el is None:
            return lambda env: None
        kind = local(el)
        fn = getattr(self, "b_" + _SNAKE.get(kind, kind), None)
        if fn is None:
            raise self.fail(f"unsupported expression <{kind}>", el)
        f = fn(el)
        t = type_ref or el.get("typeRef")
        if t:
            return lambda env: self.coerce(f(env), t)
        return f

    def b_literal_expression(self, el: Any) -> Fn:
        lang = el.get("expressionLanguage")
        if lang and "feel" not in lang.lower():
            raise self.fail(f"expression language {lang!r} is not supported", el)
        text = text_of(el)
        if not text.strip():
            return lambda env: None
        return self.feel(text, el).evaluate_in

    def b_context(self, el: Any) -> Fn:
        entries = []
        for entry in kids(el, "contextEntry"):
            var = kid(entry, "variable")
            name = var.get("name") if var is not None else None
            t = var.get("typeRef") if var is not None else None
            entries.append((name, self.compile(self.expression_of(entry), t)))

        def run(env: Env) -> Any:
            out: dict[str, Any] = {}
            inner = env.child(out)
            for name, f in entries:
                v = f(inner)
                if name is None:
                    return v
                out[name] = v
            return out
        return run

    def b_invocation(self, el: Any) -> Fn:
        target = self.compile(self.expression_of(el))
        binds = [(kid(b, "parameter").get("name"), self.compile(self.expression_of(b))) for b in kids(el, "binding")]

        def run(env: Env) -> Any:
            fn = target(env)
            if not isinstance(fn, Function):
                return None
            return call_function(fn, None, {n: f(env) for n, f in binds})
        return run

    def b_relation(self, el: Any) -> Fn:
        cols = [c.get("name") for c in kids(el, "column")]
        rows = [[self.compile(x) for x in kids(r) if local(x) in EXPRESSIONS] for r in kids(el, "row")]
        return lambda env: [dict(zip(cols, (f(env) for f in row), strict=False)) for row in rows]

    def b_list(self, el: Any) -> Fn:
        items = [self.compile(x) for x in kids(el) if local(x) in EXPRESSIONS]
        return lambda env: [f(env) for f in items]

    def b_function_definition(self, el: Any) -> Fn:
        kind = el.get("kind", "FEEL")
        if kind != "FEEL":
            raise self.fail(f"function kind {kind!r} is not supported (only FEEL)", el)
        params = [(p.get("name"), p.get("typeRef")) for p in kids(el, "formalParameter")]
        body = self.compile(self.expression_of(el))
        return lambda env: self.function("", params, body, env)

    def function(self, name: str, params: list[tuple[str, str | None]], body: Fn, env: Env,
                 type_ref: str | None = None) -> Function:
        names = tuple(p for p, _ in params)

        def impl(*args: Any) -> Any:
            env.budget.tick()
            values = {}
            for (p, t), a in zip(params, args, strict=False):
                if t and a is not None and not typeref.conforms(a, t, self.items):
                    a = self.coerce(a, t)
                    if a is None:
                        return None
                values[p] = a
            v = body(env.child(values))
            return self.coerce(v, type_ref) if type_ref else v
        return Function(name, names, impl)

    def b_conditional(self, el: Any) -> Fn:
        c = self.compile(self.expression_of(kid(el, "if")))
        a = self.compile(self.expression_of(kid(el, "then")))
        b = self.compile(self.expression_of(kid(el, "else")))
        def run(env: Env) -> Any:
            cond = c(env)
            if cond is True:
                return a(env)
            return b(env) if cond is False or cond is None else None
        return run

    def b_filter(self, el: Any) -> Fn:
        src = self.compile(self.expression_of(kid(el, "in")))
        match = self.compile(self.expression_of(kid(el, "match")))

        def run(env: Env) -> Any:
            lst = src(env)
            if lst is None:
                return None
            out = []
            for item in lst if isinstance(lst, list) else [lst]:
                scope = env.child(dict(item) if isinstance(item, dict) else {})
                scope.vars["item"] = item
                r = match(scope)
                if r is True:
                    out.append(item)
                elif r is not False and r is not None:
                    return None  # a match that is not a boolean
            return out
        return run

    def _iterator(self, el: Any, body_tag: str) -> tuple[str, Fn, Fn]:
        return (el.get("iteratorVariable"), self.compile(self.expression_of(kid(el, "in"))),
                self.compile(self.expression_of(kid(el, body_tag))))

    def b_for(self, el: Any) -> Fn:
        var, src, body = self._iterator(el, "return")

        def run(env: Env) -> Any:
            lst = src(env)
            if lst is None:
                return None
            out: list[Any] = []
            for x in lst if isinstance(lst, list) else [lst]:
                env.budget.tick()
                out.append(body(env.child({var: x, "partial": out})))
            return out
        return run

    def _quantifier(self, el: Any, every: bool) -> Fn:
        var, src, body = self._iterator(el, "satisfies")

        def run(env: Env) -> Any:
            lst = src(env)
            if not isinstance(lst, list):
                return None
            results = [body(env.child({var: x})) for x in lst]
            if any(r is not None and not isinstance(r, bool) for r in results):
                return None
            if every:
                return all(r is True for r in results)
            return any(r is True for r in results)
        return run

    def b_every(self, el: Any) -> Fn:
        return self._quantifier(el, True)

    def b_some(self, el: Any) -> Fn:
        return self._quantifier(el, False)

    def b_decision_table(self, el: Any) -> DecisionTable:
        hp = (el.get("hitPolicy") or "UNIQUE").replace("_", " ")
        agg = el.get("aggregation")
        if hp not in HIT_POLICIES:
            raise self.fail(f"unknown hit policy {hp!r}", el)
        if agg and (agg not in AGGREGATIONS or hp != "COLLECT"):
            raise self.fail(f"aggregation {agg!r} needs hit policy COLLECT and one of SUM, MIN, MAX, COUNT", el)
        inputs = []
        for i in kids(el, "input"):
            ie = kid(i, "inputExpression")
            expr = self.feel(text_of(ie), ie) if ie is not None and text_of(ie).strip() else None
            allowed = kid(i, "inputValues")
            inputs.append(Column(expr, i.get("label") or text_of(ie), ie.get("typeRef") if ie is not None else None,
                                 self.tests(text_of(allowed), allowed) if allowed is not None else None))
        outputs = []
        for o in kids(el, "output"):
            ov = kid(o, "outputValues")
            default = kid(o, "defaultOutputEntry")
            col = Column(None, o.get("name") or o.get("label") or el.getparent().get("name", ""), o.get("typeRef"),
                         self.tests(text_of(ov), ov) if ov is not None and text_of(ov).strip() else None,
                         default=self.feel(text_of(default), default) if default is not None else None)
            if ov is not None and text_of(ov).strip():
                col.values = self.feel("[" + text_of(ov) + "]", ov).evaluate({})
            outputs.append(col)
        if len(outputs) > 1 and not all(c.name for c in outputs):
            raise self.fail("a table with several outputs needs a name on each output", el)
        if agg and len(outputs) > 1:
            raise self.fail("an aggregation needs a single output", el)
        rules = []
        for r in kids(el, "rule"):
            tests = [self.tests(text_of(x), x) for x in kids(r, "inputEntry")]
            outs = [self.feel(text_of(x), x) if text_of(x).strip() else self.feel("null", x)
                    for x in kids(r, "outputEntry")]
            if len(tests) != len(inputs) or len(outs) != len(outputs):
                raise self.fail("a rule needs one entry per input and per output", r)
            rules.append(Rule(r.get("id") or f"rule{len(rules) + 1}", tests, outs))
        name = el.getparent().get("name") or el.get("id") or ""
        return DecisionTable(name, inputs, outputs, rules, hp, agg, self.coerce)
