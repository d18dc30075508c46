"""JUEL's coercions and operators, as translated JUEL calls them (engine/juel.py): `'5' == 5`, null as 0 in
arithmetic, Java's remainder, `empty`, composite text. They work on data only."""

from __future__ import annotations

import contextlib
import math
from typing import Any

from .sandbox_guards import check_items, check_text, mul

_PLAIN = (str, int, float, bool)
_NUMBERS = (int, float)


class JuelEvalError(ValueError):
    """A JUEL coercion or resolution that fails at run time (as JUEL's ELException)."""


def type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, dict):
        return "a map"
    if isinstance(value, (list, tuple)):
        return "a list"
    return f"a {type(value).__name__}"


def is_num(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def to_long(value: Any) -> int:
    if value is None or value == "":
        return 0
    if is_num(value):
        return int(value)
    if isinstance(value, str):
        with contextlib.suppress(ValueError):  # not a number: the error below says so
            return int(value.strip())
    raise JuelEvalError(f"cannot coerce {value!r} ({type_name(value)}) to a number")


def to_double(value: Any) -> float:
    if value is None or value == "":
        return 0.0
    if is_num(value):
        return float(value)
    if isinstance(value, str):
        with contextlib.suppress(ValueError):  # not a number: the error below says so
            return float(value.strip())
    raise JuelEvalError(f"cannot coerce {value!r} ({type_name(value)}) to a number")


def juel_bool(value: Any) -> bool:
    """JUEL's coercion to Boolean: null and "" are false, strings are "true" or not."""
    if value is True or value is False:
        return value
    if value is None or value == "":
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return value.strip().lower() == "true"
    raise JuelEvalError(f"cannot coerce {type_name(value)} ({value!r}) to a boolean")


def doubleish(value: Any) -> bool:
    return isinstance(value, float) or (isinstance(value, str) and any(c in value for c in ".eE"))


def to_string(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(check_text(value))


def juel_eq(a: Any, b: Any) -> bool:
    if type(a) is type(b) and type(a) in _PLAIN:  # the common case, without coercions (and their calls)
        return bool(a == b)
    if a is b:
        return True
    if a is None or b is None:
        return False
    if isinstance(a, bool) or isinstance(b, bool):
        return juel_bool(a) == juel_bool(b)
    if isinstance(a, float) or isinstance(b, float):
        if is_num(a) or is_num(b):
            return to_double(a) == to_double(b)
    if is_num(a) or is_num(b):
        return to_long(a) == to_long(b) if not doubleish(a) and not doubleish(b) else to_double(a) == to_double(b)
    if isinstance(a, str) or isinstance(b, str):
        if isinstance(a, (dict, list, tuple)) or isinstance(b, (dict, list, tuple)):
            return False
        return to_string(a) == to_string(b)
    return bool(a == b)


def juel_cmp(op: str, a: Any, b: Any) -> bool:
    if type(a) in _NUMBERS and type(b) in _NUMBERS or type(a) is str and type(b) is str:
        return _compare(op, a, b)
    if a is b and op in ("<=", ">="):
        return True
    if a is None or b is None:
        return False
    if is_num(a) or is_num(b):
        x, y = (to_double(a), to_double(b)) if doubleish(a) or doubleish(b) else (to_long(a), to_long(b))
    elif isinstance(a, str) or isinstance(b, str):
        x, y = to_string(a), to_string(b)
    else:
        x, y = a, b
    try:
        return _compare(op, x, y)
    except TypeError:
        raise JuelEvalError(f"cannot compare {type_name(a)} with {type_name(b)}") from None


def _compare(op: str, x: Any, y: Any) -> bool:
    if op == "<":
        return bool(x < y)
    if op == ">":
        return bool(x > y)
    if op == "<=":
        return bool(x <= y)
    return bool(x >= y)


def juel_arith(op: str, a: Any, b: Any) -> Any:
    if a is None and b is None:
        return 0
    if op == "/":
        x, y = to_double(a), to_double(b)
        if y == 0:
            return math.nan if x == 0 or math.isnan(x) else math.copysign(math.inf, x) * math.copysign(1, y)
        return x / y
    if op == "+" and (_text(a) or _text(b)):
        # Not JUEL (which fails here): text joined, as this server's `${...}` did when it was Python.
        return juel_concat(a, b)
    if doubleish(a) or doubleish(b):
        x, y = to_double(a), to_double(b)
        if op == "%":
            return math.fmod(x, y) if y != 0 else math.nan
    else:
        x, y = to_long(a), to_long(b)
        if op == "%":
            if y == 0:
                raise JuelEvalError("division by zero")
            r = abs(x) % abs(y)  # Java's remainder takes the sign of the dividend
            return -r if x < 0 else r
    if op == "+":
        return x + y
    if op == "-":
        return x - y
    return mul(x, y)


def _text(value: Any) -> bool:
    """A string that is no number."""
    if not isinstance(value, str):
        return False
    try:
        float(value.strip() or "0")
    except ValueError:
        return True
    return False


def juel_neg(a: Any) -> Any:
    if a is None:
        return 0
    return -(to_double(a) if doubleish(a) else to_long(a))


def juel_empty(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, (str, list, tuple, dict, set)):
        return len(value) == 0
    return False


def juel_concat(*parts: Any) -> str:
    """Composite text: every part as JUEL turns it into a string (null is empty)."""
    text = [to_string(p) for p in parts]
    check_items(sum(len(t) for t in text), "str")
    return "".join(text)
