"""List built-ins (DMN 1.5 10.3.4.4), including the statistics ones."""

from __future__ import annotations

import functools
from decimal import Decimal
from typing import Any

from . import ops
from .registry import builtin, call_function
from .values import DECIMAL, Function


def _items(args: tuple) -> list[Any]:
    """Functions taking a list or varargs: `min([1, 2])` and `min(1, 2)`."""
    if len(args) == 1 and isinstance(args[0], list):
        return args[0]
    if not args:
        raise TypeError("no arguments")
    return list(args)


def _list(v: Any) -> list[Any]:
    if not isinstance(v, list):
        raise TypeError("not a list")
    return v


def _pos(v: Any) -> int:
    if type(v) is not Decimal or v % 1:
        raise TypeError("not an integer")
    return int(v)


def _nums(lst: list[Any]) -> list[Decimal]:
    if any(type(x) is not Decimal for x in lst):
        raise TypeError("not numbers")
    return lst


@builtin("list contains", "list,element")
def _contains(lst: Any, e: Any) -> Any:
    return any(ops.equal(x, e) is True for x in _list(lst))


@builtin("count", "list", varargs=True)
def _count(*args: Any) -> Any:
    return Decimal(len(_items(args)))


def _extreme(args: tuple, sign: int) -> Any:
    lst = _items(args)
    if not lst:
        return None
    best = lst[0]
    for x in lst[1:]:
        c = ops.compare(x, best)
        if c is None:
            return None
        if c * sign > 0:
            best = x
    if len(lst) == 1 and ops.compare(best, best) is None:
        return None
    return best


@builtin("min", "list", varargs=True)
def _min(*args: Any) -> Any:
    return _extreme(args, -1)


@builtin("max", "list", varargs=True)
def _max(*args: Any) -> Any:
    return _extreme(args, 1)


@builtin("sum", "list", varargs=True)
def _sum(*args: Any) -> Any:
    lst = _nums(_items(args))
    return functools.reduce(DECIMAL.add, lst, Decimal(0)) if lst else None


@builtin("product", "list", varargs=True)
def _product(*args: Any) -> Any:
    lst = _nums(_items(args))
    return functools.reduce(DECIMAL.multiply, lst, Decimal(1)) if lst else None


@builtin("mean", "list", varargs=True)
def _mean(*args: Any) -> Any:
    lst = _nums(_items(args))
    return DECIMAL.divide(functools.reduce(DECIMAL.add, lst), Decimal(len(lst))) if lst else None


@builtin("median", "list", varargs=True)
def _median(*args: Any) -> Any:
    lst = sorted(_nums(_items(args)))
    if not lst:
        return None
    n = len(lst)
    return lst[n // 2] if n % 2 else DECIMAL.divide(DECIMAL.add(lst[n // 2 - 1], lst[n // 2]), Decimal(2))


@builtin("stddev", "list", varargs=True)
def _stddev(*args: Any) -> Any:
    lst = _nums(_items(args))
    if len(lst) < 2:
        return None
    mean = DECIMAL.divide(functools.reduce(DECIMAL.add, lst), Decimal(len(lst)))
    sq = functools.reduce(DECIMAL.add, (DECIMAL.power(DECIMAL.subtract(x, mean), 2) for x in lst))
    return DECIMAL.sqrt(DECIMAL.divide(sq, Decimal(len(lst) - 1)))


@builtin("mode", "list", varargs=True)
def _mode(*args: Any) -> Any:
    lst = _nums(_items(args))
    counts: dict[Decimal, int] = {}
    for x in lst:
        counts[x] = counts.get(x, 0) + 1
    if not counts:
        return []
    top = max(counts.values())
    return sorted(k for k, c in counts.items() if c == top)


def _all(args: tuple) -> Any:
    lst = _items(args)
    if any(x is False for x in lst):
        return False
    return True if all(x is True for x in lst) else None


def _any(args: tuple) -> Any:
    lst = _items(args)
    if any(x is True for x in lst):
        return True
    return False if all(x is False for x in lst) else None


builtin("all", "list", varargs=True)(lambda *a: _all(a))
builtin("and", "list", varargs=True)(lambda *a: _all(a))
builtin("any", "list", varargs=True)(lambda *a: _any(a))
builtin("or", "list", varargs=True)(lambda *a: _any(a))


@builtin("sublist", "list,start position", "list,start position,length")
def _sublist(lst: Any, start: Any, length: Any = None) -> Any:
    lst, st = _list(lst), _pos(start)
    n = len(lst)
    if st == 0 or abs(st) > n:
        return None
    begin = st - 1 if st > 0 else n + st
    if length is None:
        return lst[begin:]
    ln = _pos(length)
    if ln < 0 or begin + ln > n:
        return None
    return lst[begin:begin + ln]


@builtin("append", "list,item", varargs=True)
def _append(lst: Any, *items: Any) -> Any:
    return _list(lst) + list(items)


@builtin("concatenate", "list", varargs=True)
def _concatenate(*lists: Any) -> Any:
    out: list[Any] = []
    for x in lists:
        out.extend(_list(x))
    return out


@builtin("insert before", "list,position,newItem")
def _insert(lst: Any, position: Any, item: Any) -> Any:
    lst, p = list(_list(lst)), _pos(position)
    if p == 0 or abs(p) > len(lst):
        return None
    lst.insert(p - 1 if p > 0 else len(lst) + p, item)
    return lst


@builtin("remove", "list,position")
def _remove(lst: Any, position: Any) -> Any:
    lst, p = list(_list(lst)), _pos(position)
    if p == 0 or abs(p) > len(lst):
        return None
    del lst[p - 1 if p > 0 else p]
    return lst


@builtin("reverse", "list")
def _reverse(lst: Any) -> Any:
    return list(reversed(_list(lst)))


@builtin("index of", "list,match")
def _index_of(lst: Any, m: Any) -> Any:
    return [Decimal(i + 1) for i, x in enumerate(_list(lst)) if ops.equal(x, m) is True]


def _distinct(lst: list[Any]) -> list[Any]:
    out: list[Any] = []
    for x in lst:
        if not any(ops.equal(x, y) is True for y in out):
            out.append(x)
    return out


@builtin("union", "list", varargs=True)
def _union(*lists: Any) -> Any:
    return _distinct([x for lst in lists for x in _list(lst)])


@builtin("distinct values", "list")
def _distinct_values(lst: Any) -> Any:
    return _distinct(_list(lst))


@builtin("flatten", "list")
def _flatten(lst: Any) -> Any:
    out: list[Any] = []

    def walk(v: list[Any]) -> None:
        for x in v:
            walk(x) if isinstance(x, list) else out.append(x)
    walk(_list(lst))
    return out


@builtin("sort", "list", "list,precedes")
def _sort(lst: Any, precedes: Any = None) -> Any:
    lst = list(_list(lst))
    if precedes is None:
        def cmp(a: Any, b: Any) -> int:
            c = ops.compare(a, b)
            if c is None:
                raise TypeError("not comparable")
            return c
    elif isinstance(precedes, Function):
        def cmp(a: Any, b: Any) -> int:
            if call_function(precedes, [a, b], None) is True:
                return -1
            return 1 if call_function(precedes, [b, a], None) is True else 0
    else:
        return None
    return sorted(lst, key=functools.cmp_to_key(cmp))


@builtin("list replace", "list,position,newItem", "list,match,newItem")
def _list_replace(lst: Any, where: Any, item: Any) -> Any:
    if lst is None:
        return None
    lst = list(lst) if isinstance(lst, list) else [lst]
    if isinstance(where, Function):
        if len(where.params) != 2 and not where.variadic:
            return None
        out = []
        for x in lst:
            hit = call_function(where, [x, item], None)
            if not isinstance(hit, bool):
                return None  # the match function must answer true or false
            out.append(item if hit else x)
        return out
    if type(where) is not Decimal:
        return None
    p = int(where)
    if p == 0 or abs(p) > len(lst):
        return None
    lst[p - 1 if p > 0 else p] = item
    return lst
