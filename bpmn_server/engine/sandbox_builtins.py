"""The builtins and helper modules that scripts see: an allow-list, with size checks where one C call
could build a huge value or run long (see sandbox_guards.py and docs/SANDBOX.md)."""

from __future__ import annotations

import datetime
import decimal
import json
import math
import types
from collections.abc import Callable, Iterable
from typing import Any

from RestrictedPython import limited_builtins, safe_builtins

from .sandbox_guards import GuardedStr, SandboxViolation, add, check_bits, check_items, check_text, mul, power


def _guarded_repr(value: Any) -> str:
    return repr(check_text(value))


class Module(types.SimpleNamespace):
    """A module as scripts see it: only the listed names, no module object (no `datetime.sys`)."""


def _guarded_range(*args: int) -> range:
    r = range(*args)
    check_items(len(r), "range")
    return r


def _guarded_sum(iterable: Iterable[Any], start: Any = 0) -> Any:
    """Numbers only, added in Python so that each addition is checked (and the clock with it)."""
    if not isinstance(start, (int, float, complex, decimal.Decimal)):
        raise SandboxViolation("sum() adds numbers only; join strings with ''.join(...)")
    total = start
    for item in iterable:
        total = add(total, item)
    return total


def _guarded_round(number: Any, ndigits: int | None = None) -> Any:
    if ndigits is not None and abs(ndigits) > 1000:
        raise SandboxViolation("round() takes at most 1000 digits")
    return round(number, ndigits) if ndigits is not None else round(number)


def _lg_bits(*terms: tuple[int, int]) -> float:
    """log2 of a product of factorials: sum(sign * log2(n!))."""
    return sum(sign * math.lgamma(n + 1) for n, sign in terms) / math.log(2)


def _factorial(n: int) -> int:
    check_bits(_lg_bits((n, 1)) if n > 1 else 0)
    return math.factorial(n)


def _comb(n: int, k: int) -> int:
    if 0 <= k <= n:
        check_bits(_lg_bits((n, 1), (k, -1), (n - k, -1)))
    return math.comb(n, k)


def _perm(n: int, k: int | None = None) -> int:
    if k is None or 0 <= k <= n:
        check_bits(_lg_bits((n, 1), (n - (n if k is None else k), -1)))
    return math.perm(n, k)


def _prod(iterable: Iterable[Any], start: Any = 1) -> Any:
    total = start
    for item in iterable:
        total = mul(total, item)
    return total


def _json_dumps(obj: Any, indent: int | str | None = None, sort_keys: bool = False) -> str:
    if isinstance(indent, int) and indent > 16 or isinstance(indent, str) and len(indent) > 16:
        raise SandboxViolation("json indent is limited to 16")
    check_text(obj)
    return json.dumps(obj, indent=indent, sort_keys=sort_keys, default=str)


def _forbidden(name: str) -> Callable[..., Any]:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise SandboxViolation(f"'{name}' is not allowed in scripts")
    return refuse


# Called by name, these are refused when the script is compiled (at deploy); reached any other way,
# the builtin below refuses at run time.
FORBIDDEN_CALLS = ("open", "compile", "getattr", "setattr", "delattr", "globals", "locals", "vars", "dir",
                   "input", "breakpoint", "help", "memoryview", "type", "object", "super", "exit", "quit",
                   "eval", "exec", "__import__")

MATH = Module(**{n: getattr(math, n) for n in dir(math) if not n.startswith("_")})
MATH.factorial, MATH.comb, MATH.perm, MATH.prod = _factorial, _comb, _perm, _prod
DATETIME = Module(datetime=datetime.datetime, date=datetime.date, time=datetime.time,
                  timedelta=datetime.timedelta, timezone=datetime.timezone, UTC=datetime.UTC,
                  MINYEAR=datetime.MINYEAR, MAXYEAR=datetime.MAXYEAR)
DECIMAL = Module(Decimal=decimal.Decimal, InvalidOperation=decimal.InvalidOperation,
                 **{n: getattr(decimal, n) for n in dir(decimal) if n.startswith("ROUND_")})
JSON = Module(dumps=_json_dumps, loads=json.loads)


class BpmnError(Exception):  # noqa: N818 - the name Camunda's scripts use (`throw new BpmnError("CODE")`)
    """`raise BpmnError("CODE", "message")` in a script: the task throws BPMN error CODE, caught by an error
    boundary event or error event subprocess that catches it (engine/runtime.py); uncaught, an incident."""

    def __init__(self, code: Any, message: Any = None):
        super().__init__(f"BPMN error {code}" + (f": {message}" if message else ""))
        self.code = str(code)
        self.message = None if message is None else str(message)


def builtins() -> dict[str, Any]:
    """The allow-list: RestrictedPython's safe builtins, the harmless iteration helpers, and the modules
    datetime, decimal (Decimal only), math and json as plain namespaces. No `string` or `random`."""
    allowed = {k: v for k, v in safe_builtins.items() if not k.startswith("_")}
    allowed.update({k: v for k, v in limited_builtins.items() if not k.startswith("_")})
    for name in ("min", "max", "any", "all", "enumerate", "map", "filter", "reversed", "list", "dict",
                 "set", "frozenset", "sorted", "abs", "len", "zip", "isinstance"):
        allowed[name] = __builtins__[name] if isinstance(__builtins__, dict) else getattr(__builtins__, name)
    allowed.update({"range": _guarded_range, "sum": _guarded_sum, "pow": power, "round": _guarded_round,
                    "str": GuardedStr, "repr": _guarded_repr,
                    "math": MATH, "datetime": DATETIME, "decimal": DECIMAL, "json": JSON,
                    "timedelta": datetime.timedelta, "date": datetime.date, "Decimal": decimal.Decimal,
                    "json_dumps": _json_dumps, "json_loads": json.loads, "BpmnError": BpmnError})
    for name in FORBIDDEN_CALLS:
        allowed[name] = _forbidden(name)
    allowed["__import__"] = _internal_import
    return allowed


# Modules that C code of allowed objects imports through the caller's builtins (datetime.strftime
# imports `time`, datetime.strptime `_strptime`). A script cannot name `__import__` (no `_` names).
_INTERNAL_IMPORTS = frozenset({"time", "_strptime"})


def _internal_import(name: str, *args: Any, **kwargs: Any) -> Any:
    if name not in _INTERNAL_IMPORTS:
        raise SandboxViolation("'__import__' is not allowed in scripts")
    return __import__(name, *args, **kwargs)
