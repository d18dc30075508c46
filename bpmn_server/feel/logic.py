"""FEEL's three-valued logic, comparisons and unary-test helpers shared by the compiler modules."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from . import ops
from .values import Range


def and3(a: Any, b: Any) -> bool | None:
    if a is False or b is False:
        return False
    if a is True and b is True:
        return True
    return None


def or3(a: Any, b: Any) -> bool | None:
    if a is True or b is True:
        return True
    if a is False and b is False:
        return False
    return None


def not3(v: Any) -> bool | None:
    return (not v) if isinstance(v, bool) else None


CMP = {
    "<": lambda c: c < 0, "<=": lambda c: c <= 0, ">": lambda c: c > 0, ">=": lambda c: c >= 0,
}


def compare_op(op: str, a: Any, b: Any) -> bool | None:
    if op == "=":
        return ops.equal(a, b)
    if op == "!=":
        return not3(ops.equal(a, b))
    c = ops.compare(a, b)
    return None if c is None else CMP[op](c)


def unary_range(op: str, v: Any) -> Range:
    if op in ("=", "!="):
        return Range(v, v, op == "=", op == "=", op=op)
    if op in ("<", "<="):
        return Range(None, v, False, op == "<=", start_unbounded=True)
    return Range(v, None, op == ">=", False, end_unbounded=True)


def test_value(value: Any, r: Any, is_list_test: bool = True) -> bool | None:
    """Does `value` satisfy a positive unary test whose expression evaluated to `r`?"""
    if isinstance(r, Range):
        return ops.in_range(value, r)
    if isinstance(r, list) and is_list_test:
        seen_null = False
        for item in r:
            res = ops.in_range(value, item) if isinstance(item, Range) else ops.equal(value, item)
            if res is True:
                return True
            seen_null = seen_null or res is None
        if isinstance(value, list) and ops.equal(value, r) is True:
            return True
        return None if seen_null and not r else False
    if isinstance(r, bool) and not isinstance(value, bool):
        return r
    return ops.equal(value, r)


NOT_LITERAL = object()


def literal(node: tuple) -> Any:
    """The value of a literal number, string or boolean node (a negated number too), else NOT_LITERAL."""
    if node[0] in ("num", "str", "bool"):
        return node[2]
    if node[0] == "neg" and node[2][0] == "num":
        return -node[2][2]
    return NOT_LITERAL


def is_date(v: Any) -> bool:
    return isinstance(v, dt.date) and not isinstance(v, dt.datetime)


def index_of(lst: list, r: Decimal) -> Any:
    if r % 1:
        return None
    i = int(r)
    if i > 0 and i <= len(lst):
        return lst[i - 1]
    if i < 0 and -i <= len(lst):
        return lst[i]
    return None
