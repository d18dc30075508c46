"""Compiling unary tests (a decision table's input entries, the right side of `in`): the general form and
fast paths for the literal tests tables are mostly made of (`< 5`, `[1..10]`, `"gold", "silver"`)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from . import ops
from .logic import CMP, compare_op, literal, not3, or3, test_value
from .scope import Env
from .values import Range

Test = Callable[[Env, Any], Any]


def constant_tests(tests: list[tuple]) -> Test | None:
    """`"north", "south"`: a set lookup for strings (the most common input entry after comparisons)."""
    values = [literal(t[2]) for t in tests if t[0] == "ut_expr"]
    if len(values) != len(tests) or not values or not all(isinstance(v, str) for v in values):
        return None
    members = frozenset(values)

    def one_of(env: Env, x: Any) -> Any:
        if isinstance(x, str):
            return x in members
        result: Any = False
        for v in values:
            result = or3(result, ops.equal(x, v))
        return result
    return one_of


class UnaryCompiler:
    """Mixin of the compiler: `comp` (an expression node to a closure) comes from the compiler class."""

    comp: Callable[[tuple], Callable[[Env], Any]]

    def tests(self, node: tuple) -> Test:
        if node[0] == "ut_any":
            return lambda env, x: True
        if node[0] == "ut_not":
            inner = self.tests(("ut_list", node[1], node[2]))
            return lambda env, x: not3(inner(env, x))
        fast = constant_tests(node[2])
        if fast is not None:
            return fast
        tests = [self.positive(t, True) for t in node[2]]
        if len(tests) == 1:
            return tests[0]

        def run(env: Env, x: Any) -> Any:
            result: Any = False
            for t in tests:
                result = or3(result, t(env, x))
                if result is True:
                    return True
            return result
        return run

    def positive(self, node: tuple, unary: bool = False) -> Test:
        if node[0] == "ut_cmp":
            op, f = node[2], self.comp(node[3])
            c = literal(node[3])
            if type(c) is Decimal and op in CMP:  # `< 5`: compare numbers directly, the common case
                check = CMP[op]

                def number(env: Env, x: Any) -> Any:
                    if type(x) is Decimal:
                        return check((x > c) - (x < c))
                    return compare_op(op, x, c)
                return number
            return lambda env, x: compare_op(op, x, f(env))
        if node[2][0] == "range" and unary:
            lo, hi = literal(node[2][3]), literal(node[2][4])
            if type(lo) is Decimal and type(hi) is Decimal:
                r = Range(lo, hi, node[2][2], node[2][5])
                lo_ok = (lambda x: x >= lo) if r.start_included else (lambda x: x > lo)
                hi_ok = (lambda x: x <= hi) if r.end_included else (lambda x: x < hi)

                def between(env: Env, x: Any) -> Any:
                    if type(x) is Decimal:
                        return lo_ok(x) and hi_ok(x)
                    return ops.in_range(x, r)
                return between
        f, uses_input = self.comp(node[2]), node[3]
        if uses_input:
            def with_input(env: Env, x: Any) -> Any:
                r = f(env.child({"?": x}))
                return r if isinstance(r, bool) else test_value(x, r)
            return with_input
        if unary:
            return lambda env, x: test_value(x, f(env.child({"?": x})))
        return lambda env, x: test_value(x, f(env))
