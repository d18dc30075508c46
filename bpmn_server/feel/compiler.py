"""Compiles parsed FEEL into nested Python closures `f(env) -> value`: parsed once, evaluated many times.
Nothing here runs Python source: each closure only calls the FEEL operators and built-ins."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from . import ops, properties, temporal
from .builtins import BUILTINS, call_function
from .errors import FeelError
from .logic import and3, compare_op, index_of, is_date, or3, unary_range
from .scope import MISSING, Env
from .types import KNOWN_TYPES, TYPE_RESOLVER, instance_of
from .unary import Test, UnaryCompiler
from .values import Function, Range

Fn = Callable[[Env], Any]


def compile_node(node: tuple, text: str) -> Fn:
    return _Compiler(text).comp(node)


def compile_tests(node: tuple, text: str) -> Test:
    return _Compiler(text).tests(node)


class _Compiler(UnaryCompiler):
    def __init__(self, text: str):
        self.text = text

    def err(self, message: str, pos: int) -> FeelError:
        return FeelError(message, self.text, pos)

    def comp(self, node: tuple) -> Fn:
        return getattr(self, "c_" + node[0])(node)

    # -- literals and names
    def c_num(self, n: tuple) -> Fn:
        v = n[2]
        return lambda env: v

    c_str = c_bool = c_num

    def c_null(self, n: tuple) -> Fn:
        return lambda env: None

    def c_at(self, n: tuple) -> Fn:
        v = temporal.parse_temporal(n[2])
        if v is None:
            raise self.err(f"not a date, time or duration: {n[2]!r}", n[1])
        return lambda env: v

    def c_name(self, n: tuple) -> Fn:
        name = n[2]
        builtin = BUILTINS.get(name)

        parts = name.split(".") if "." in name else None

        def look(env: Env) -> Any:
            v = env.lookup(name)
            if v is MISSING:
                if parts is not None:  # a known name with a dot ("Person.Gender") not in scope: a path
                    v = env.lookup(parts[0].strip())
                    if v is MISSING:
                        return None
                    for p in parts[1:]:
                        v = properties.get(v, p.strip())
                    return v
                return builtin
            return v
        return look

    def c_list(self, n: tuple) -> Fn:
        items = [self.comp(x) for x in n[2]]
        return lambda env: [f(env) for f in items]

    def c_ctx(self, n: tuple) -> Fn:
        entries = [(k, self.comp(e)) for k, e in n[2]]
        keys = [k for k, _ in entries]
        if len(set(keys)) != len(keys):
            raise self.err("duplicate context key", n[1])

        def ctx(env: Env) -> dict:
            out: dict[str, Any] = {}
            inner = env.child(out)
            for k, f in entries:
                out[k] = f(inner)
            return out
        return ctx

    def c_range(self, n: tuple) -> Fn:
        _, _, s_incl, s, e, e_incl = n
        fs, fe = self.comp(s), self.comp(e)

        def rng(env: Env) -> Any:
            a, b = fs(env), fe(env)
            if a is not None and b is not None and ops.compare(a, b) is None:
                return None
            return Range(a, b, s_incl, e_incl)
        return rng

    def c_oprange(self, n: tuple) -> Fn:
        op, f = n[2], self.comp(n[3])
        return lambda env: unary_range(op, f(env))

    # -- operators
    def c_neg(self, n: tuple) -> Fn:
        f = self.comp(n[2])
        return lambda env: ops.negate(f(env))

    def c_bin(self, n: tuple) -> Fn:
        op = {"+": ops.add, "-": ops.sub, "*": ops.mul, "/": ops.div, "**": ops.power}[n[2]]
        fa, fb = self.comp(n[3]), self.comp(n[4])
        return lambda env: op(fa(env), fb(env))

    def c_cmp(self, n: tuple) -> Fn:
        op, fa, fb = n[2], self.comp(n[3]), self.comp(n[4])
        return lambda env: compare_op(op, fa(env), fb(env))

    def c_and(self, n: tuple) -> Fn:
        fa, fb = self.comp(n[2]), self.comp(n[3])

        def f(env: Env) -> Any:
            a = fa(env)
            if a is False:
                return False
            return and3(a if isinstance(a, bool) else None, fb(env))
        return f

    def c_or(self, n: tuple) -> Fn:
        fa, fb = self.comp(n[2]), self.comp(n[3])

        def f(env: Env) -> Any:
            a = fa(env)
            if a is True:
                return True
            return or3(a if isinstance(a, bool) else None, fb(env))
        return f

    def c_between(self, n: tuple) -> Fn:
        fx, flo, fhi = self.comp(n[2]), self.comp(n[3]), self.comp(n[4])

        def f(env: Env) -> Any:
            x = fx(env)
            return and3(compare_op(">=", x, flo(env)), compare_op("<=", x, fhi(env)))
        return f

    def c_in(self, n: tuple) -> Fn:
        fx = self.comp(n[2])
        tests = [self.positive(t) for t in n[3]]

        def f(env: Env) -> Any:
            x = fx(env)
            result: Any = False
            for t in tests:
                result = or3(result, t(env, x))
                if result is True:
                    return True
            return result
        return f

    def c_instof(self, n: tuple) -> Fn:
        fx, typ = self.comp(n[2]), n[3]
        if len(typ) == 2 and typ[1] not in KNOWN_TYPES:  # a type the model defines (a DMN itemDefinition)
            def custom(env: Env) -> Any:
                resolver = env.lookup(TYPE_RESOLVER)
                v = fx(env)
                return resolver(v, typ[1]) if resolver is not MISSING else False
            return custom
        return lambda env: instance_of(fx(env), typ)

    def c_if(self, n: tuple) -> Fn:
        fc, fa, fb = self.comp(n[2]), self.comp(n[3]), self.comp(n[4])
        return lambda env: fa(env) if fc(env) is True else fb(env)

    # -- iteration
    def _iterable(self, node: tuple) -> Fn:
        if node[0] == "iterrange":
            fa, fb = self.comp(node[2]), self.comp(node[3])

            def rng(env: Env) -> Any:
                a, b = fa(env), fb(env)
                if is_date(a) and is_date(b):  # `for d in date1..date2`: one item per day
                    n = (b - a).days
                    env.budget.size(abs(n) + 1)
                    step = 1 if n >= 0 else -1
                    return (a + dt.timedelta(days=i) for i in range(0, n + step, step))
                if not (isinstance(a, Decimal) and isinstance(b, Decimal)) or a % 1 or b % 1:
                    return None
                a, b = int(a), int(b)
                env.budget.size(abs(b - a) + 1)
                step = 1 if b >= a else -1
                return (Decimal(i) for i in range(a, b + step, step))
            return rng
        f = self.comp(node)

        def it(env: Env) -> Any:
            v = f(env)
            if isinstance(v, Range) and isinstance(v.start, Decimal) and isinstance(v.end, Decimal):
                a = int(v.start) + (0 if v.start_included else 1)
                b = int(v.end) - (0 if v.end_included else 1)
                if b < a:
                    return None
                env.budget.size(b - a + 1)
                return (Decimal(i) for i in range(a, b + 1))
            if v is None or isinstance(v, Range):
                return None
            return v if isinstance(v, list) else [v]
        return it

    def c_for(self, n: tuple) -> Fn:
        its = [(name, self._iterable(e)) for name, e in n[2]]
        body = self.comp(n[3])

        def run(env: Env) -> Any:
            out: list[Any] = []
            budget = env.budget

            def loop(i: int, scope: Env) -> bool:
                if i == len(its):
                    budget.tick()
                    scope.vars["partial"] = out
                    out.append(body(scope))
                    budget.size(len(out))
                    return True
                name, src = its[i]
                seq = src(scope)
                if seq is None:
                    return False
                for v in seq:
                    budget.tick()
                    if not loop(i + 1, scope.child({name: v})):
                        return False
                return True
            return out if loop(0, env) else None
        return run

    def c_quant(self, n: tuple) -> Fn:
        every = n[2] == "every"
        its = [(name, self._iterable(e)) for name, e in n[3]]
        cond = self.comp(n[4])

        def run(env: Env) -> Any:
            results: list[Any] = []

            def loop(i: int, scope: Env) -> None:
                if i == len(its):
                    env.budget.tick()
                    results.append(cond(scope))
                    return
                name, src = its[i]
                for v in src(scope) or ():
                    loop(i + 1, scope.child({name: v}))
            loop(0, env)
            if every:
                return False if any(r is False for r in results) else (
                    True if all(r is True for r in results) else None)
            return True if any(r is True for r in results) else (
                False if all(r is False for r in results) else None)
        return run

    # -- functions
    def c_fndef(self, n: tuple) -> Fn:
        params = tuple(p for p, _ in n[2])
        types = tuple(t for _, t in n[2])
        body = self.comp(n[3])

        typed = any(t is not None for t in types)

        def make(env: Env) -> Function:
            def impl(*args: Any) -> Any:
                env.budget.tick()
                if typed and any(t is not None and a is not None and not instance_of(a, t)
                                 for a, t in zip(args, types, strict=False)):
                    return None  # an argument that does not conform to its declared type
                return body(env.child(dict(zip(params, args, strict=False))))
            return Function("", params, impl, param_types=types)
        return make

    def c_external(self, n: tuple) -> Fn:
        raise self.err("external functions are not supported", n[1])

    def c_call(self, n: tuple) -> Fn:
        ff = self.comp(n[2])
        kind, args = n[3]
        pos = n[1]
        if kind == "pos":
            fargs = [self.comp(a) for a in args]

            def call(env: Env) -> Any:
                fn = ff(env)
                if not isinstance(fn, Function):
                    return None
                env.budget.tick()
                return call_function(fn, [a(env) for a in fargs], None, self.text, pos)
            return call
        named = [(k, self.comp(a)) for k, a in args]

        def call_named(env: Env) -> Any:
            fn = ff(env)
            if not isinstance(fn, Function):
                return None
            env.budget.tick()
            return call_function(fn, None, {k: a(env) for k, a in named}, self.text, pos)
        return call_named

    # -- filters and paths
    def c_filter(self, n: tuple) -> Fn:
        fl, ff = self.comp(n[2]), self.comp(n[3])

        def filt(env: Env) -> Any:
            lst = fl(env)
            if lst is None:
                return None
            if not isinstance(lst, list):
                lst = [lst]
            out = []
            for i, item in enumerate(lst):
                env.budget.tick()
                scope = env.child({"item": item})
                if isinstance(item, dict):
                    scope = Env(dict(item), scope)
                    scope.vars.setdefault("item", item)
                r = ff(scope)
                if isinstance(r, Decimal) and i == 0:
                    return index_of(lst, r)
                if r is True:
                    out.append(item)
            return out
        return filt

    def c_path(self, n: tuple) -> Fn:
        fv, key = self.comp(n[2]), n[3]

        def path(env: Env) -> Any:
            return properties.get(fv(env), key)
        return path

    # -- unary tests
