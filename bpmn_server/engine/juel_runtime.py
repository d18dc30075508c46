"""What translated JUEL calls in the sandbox: property and index access, and method calls from fixed tables.

The helpers (HELPERS, with the coercions of juel_coerce.py) are put into every sandbox run after the variables
(sandbox.GUARDS), so a variable cannot replace them. They touch data only: map keys, list items, a fixed table of
methods per value type (no getattr by name, so nothing outside the tables is reachable), and the properties and
methods of `execution` (juel_execution.py). Sizes are checked where a result can grow (`concat`, `replace`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from . import juel_dates, spin
from .juel_coerce import (
    JuelEvalError,
    is_num,
    juel_arith,
    juel_bool,
    juel_cmp,
    juel_concat,
    juel_empty,
    juel_eq,
    juel_neg,
    to_double,
    to_long,
    to_string,
    type_name,
)
from .juel_execution import EXECUTION, EXECUTION_METHODS, EXECUTION_PROPERTIES, Execution, ExecutionInfo
from .sandbox_guards import check_items

__all__ = ["EXECUTION", "EXECUTION_METHODS", "EXECUTION_PROPERTIES", "Execution", "ExecutionInfo", "HELPERS",
           "JuelEvalError", "VALUE_METHODS"]


def juel_get(base: Any, prop: Any) -> Any:
    """`base.prop` and `base[prop]`: a map's key, a list's index (null when out of range), a property of
    `execution`; null on a null base, as JUEL."""
    if base is None:
        return None
    if isinstance(base, Execution):
        if prop not in EXECUTION_PROPERTIES:
            raise JuelEvalError(f"execution has no property {prop!r}")
        return EXECUTION_PROPERTIES[prop](base)
    if isinstance(base, dict):
        if prop in base:
            return base[prop]
        return base.get(str(prop)) if is_num(prop) else None
    if isinstance(base, (list, tuple)):
        if prop in ("empty",):
            return len(base) == 0
        try:
            index = to_long(prop)
        except JuelEvalError:
            raise JuelEvalError(f"a list has no property {prop!r}") from None
        return base[index] if 0 <= index < len(base) else None
    if isinstance(base, str) and prop in ("empty", "blank"):
        return base == "" if prop == "empty" else base.strip() == ""
    raise JuelEvalError(f"cannot read property {prop!r} of {type_name(base)}")


def _substring(s: str, begin: int, end: int | None = None) -> str:
    end = len(s) if end is None else end
    if not 0 <= begin <= end <= len(s):
        raise JuelEvalError(f"substring({begin}, {end}) is out of range for a string of length {len(s)}")
    return s[begin:end]


def _char_at(s: str, i: int) -> str:
    if not 0 <= i < len(s):
        raise JuelEvalError(f"charAt({i}) is out of range for a string of length {len(s)}")
    return s[i]


def _concat(s: str, other: Any) -> str:
    other = to_string(other)
    check_items(len(s) + len(other), "str")
    return s + other


def _replace(s: str, old: Any, new: Any) -> str:
    old, new = to_string(old), to_string(new)
    n = s.count(old) if old else len(s) + 1
    check_items(len(s) + n * max(len(new) - len(old), 0), "str")
    return s.replace(old, new)


def _list_get(items: list[Any], i: Any) -> Any:
    index = to_long(i)
    if not 0 <= index < len(items):
        raise JuelEvalError(f"index {index} is out of range for a list of size {len(items)}")
    return items[index]


_STRING_METHODS: dict[str, Callable[..., Any]] = {
    "equals": lambda s, o: isinstance(o, str) and s == o,
    "equalsIgnoreCase": lambda s, o: isinstance(o, str) and s.casefold() == o.casefold(),
    "contains": lambda s, o: to_string(o) in s,
    "startsWith": lambda s, o: s.startswith(to_string(o)),
    "endsWith": lambda s, o: s.endswith(to_string(o)),
    "length": len,
    "isEmpty": lambda s: s == "",
    "isBlank": lambda s: s.strip() == "",
    "toUpperCase": str.upper,
    "toLowerCase": str.lower,
    "trim": str.strip,
    "substring": lambda s, b, e=None: _substring(s, to_long(b), None if e is None else to_long(e)),
    "indexOf": lambda s, o: s.find(to_string(o)),
    "lastIndexOf": lambda s, o: s.rfind(to_string(o)),
    "charAt": lambda s, i: _char_at(s, to_long(i)),
    "concat": _concat,
    "replace": _replace,
    "toString": lambda s: s,
    "compareTo": lambda s, o: (s > to_string(o)) - (s < to_string(o)),
}
_LIST_METHODS: dict[str, Callable[..., Any]] = {
    "size": len,
    "isEmpty": lambda items: len(items) == 0,
    "contains": lambda items, o: any(juel_eq(i, o) for i in items),
    "get": _list_get,
    "indexOf": lambda items, o: next((n for n, i in enumerate(items) if juel_eq(i, o)), -1),
    "equals": lambda items, o: isinstance(o, (list, tuple)) and list(items) == list(o),
}
_MAP_METHODS: dict[str, Callable[..., Any]] = {
    "size": len,
    "isEmpty": lambda m: len(m) == 0,
    "containsKey": lambda m, k: k in m,
    "containsValue": lambda m, v: any(juel_eq(i, v) for i in m.values()),
    "get": lambda m, k: m.get(k),
    "keySet": lambda m: list(m.keys()),
    "values": lambda m: list(m.values()),
    "equals": lambda m, o: isinstance(o, dict) and m == o,
}
_NUMBER_METHODS: dict[str, Callable[..., Any]] = {
    "equals": lambda n, o: type(n) is type(o) and n == o,
    "toString": lambda n: to_string(n),
    "intValue": lambda n: int(n),
    "longValue": lambda n: int(n),
    "doubleValue": lambda n: float(n),
    "compareTo": lambda n, o: (n > to_double(o)) - (n < to_double(o)),
}
_BOOLEAN_METHODS: dict[str, Callable[..., Any]] = {
    "equals": lambda b, o: isinstance(o, bool) and b == o,
    "toString": to_string,
    "booleanValue": lambda b: b,
}
VALUE_METHODS = frozenset(_STRING_METHODS) | frozenset(_LIST_METHODS) | frozenset(_MAP_METHODS) \
    | frozenset(_NUMBER_METHODS) | frozenset(_BOOLEAN_METHODS) | frozenset(juel_dates.DATE_METHODS)
# Spin's methods (spin.SPIN_METHODS) are called on Spin values the same way.


def juel_call(base: Any, method: str, *args: Any) -> Any:
    """`base.method(args)` from the fixed tables above (or execution's); JuelEvalError otherwise."""
    if base is None:
        raise JuelEvalError(f"cannot call {method}() on null")
    spin_table = spin.table_of(base)
    if spin_table is not None:
        return _spin_call(spin_table, base, method, args)
    if isinstance(base, Execution):
        table: dict[str, Callable[..., Any]] = EXECUTION_METHODS
    elif isinstance(base, bool):
        table = _BOOLEAN_METHODS
    elif is_num(base):
        table = _NUMBER_METHODS
    elif isinstance(base, str):
        table = _STRING_METHODS
    elif isinstance(base, (list, tuple)):
        table = _LIST_METHODS
    elif isinstance(base, dict):
        table = _MAP_METHODS
    elif isinstance(base, dt.datetime):
        table = juel_dates.DATE_METHODS
    else:
        table = {}
    if method not in table:
        node = spin.variable_node(base, method, args)  # a JSON variable read as Camunda's Spin value
        if node is not None:
            return _spin_call(spin.table_of(node), node, method, args)
        raise JuelEvalError(f"{type_name(base)} has no method {method}()")
    try:
        return table[method](base, *args)
    except TypeError:
        raise JuelEvalError(f"{method}() does not take {len(args)} argument(s) on {type_name(base)}") from None


def _spin_call(table: dict[str, Callable[..., Any]], base: Any, method: str, args: tuple[Any, ...]) -> Any:
    if method not in table:
        raise JuelEvalError(f"a Spin JSON {'node' if 'prop' in table else 'path query'} has "
                            f"no method {method}()")
    try:
        return table[method](base, *args)
    except spin.SpinError as exc:
        raise JuelEvalError(f"Spin: {exc}") from None
    except TypeError:
        raise JuelEvalError(f"{method}() does not take {len(args)} argument(s) on a Spin JSON value") from None


def juel_spin(value: Any) -> spin.SpinJson:
    """`S(value)` and `JSON(value)`: Camunda Spin's JSON node of a JSON text, a map, a list or a Spin node."""
    try:
        return spin.spin_json(value)
    except spin.SpinError as exc:
        raise JuelEvalError(f"Spin: {exc}") from None


def juel_plain(value: Any) -> Any:
    """The value of an expression that used Spin, as plain JSON (a Spin node is stored as its JSON value)."""
    try:
        return spin.plain(value)
    except spin.SpinError as exc:
        raise JuelEvalError(f"Spin: {exc}") from None


HELPERS: dict[str, Any] = {"juel_spin": juel_spin, "juel_plain": juel_plain,
                           "juel_bool": juel_bool, "juel_eq": juel_eq, "juel_cmp": juel_cmp,
                           "juel_arith": juel_arith, "juel_neg": juel_neg, "juel_empty": juel_empty,
                           "juel_get": juel_get, "juel_call": juel_call, "juel_concat": juel_concat,
                           **juel_dates.HELPERS}
