"""What translated JUEL calls in the sandbox: JUEL's coercions and property resolution, and `execution`.

The helpers are put into every sandbox run after the variables (sandbox.GUARDS), so a variable cannot
replace them. They touch data only: map keys, list items, and a fixed table of methods per value type
(no getattr by name, so nothing outside the tables is reachable). Sizes are checked where a result can grow
(`concat`, `replace`, composite text). `Execution` is the process instance as Camunda's `execution`:
its id, business key, current activity and variables, nothing of the server.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .sandbox_guards import SandboxViolation, check_items, check_text, mul

EXECUTION = "execution"


@dataclass(frozen=True)
class ExecutionInfo:
    """What the engine knows of the instance an expression runs for."""

    instance_id: str | None = None
    business_key: str | None = None
    activity: str | None = None


class Execution:
    """Camunda's `execution` in expressions and scripts. Read-only in expressions; a script may also set
    and remove variables (they become the script's variables)."""

    __slots__ = ("_info", "_vars", "_writable")

    def __init__(self, info: ExecutionInfo, variables: dict[str, Any], writable: bool):
        self._info, self._vars, self._writable = info, variables, writable

    def getVariable(self, name: str) -> Any:  # noqa: N802 - Camunda's names
        return self._vars.get(name)

    def getVariables(self) -> dict[str, Any]:  # noqa: N802
        return {k: v for k, v in self._vars.items() if _is_variable(k, v)}

    def getVariableNames(self) -> list[str]:  # noqa: N802
        return sorted(self.getVariables())

    def hasVariable(self, name: str) -> bool:  # noqa: N802
        return name in self._vars and _is_variable(name, self._vars[name])

    def setVariable(self, name: str, value: Any) -> None:  # noqa: N802
        if not self._writable:
            raise SandboxViolation("execution.setVariable() is available in scripts, not in expressions")
        if not isinstance(name, str) or not name.isidentifier() or name.startswith("_"):
            raise SandboxViolation(f"{name!r} cannot be a variable name")
        self._vars[name] = value

    def removeVariable(self, name: str) -> None:  # noqa: N802
        if not self._writable:
            raise SandboxViolation("execution.removeVariable() is available in scripts, not in expressions")
        self._vars.pop(name, None)

    def getProcessInstanceId(self) -> str | None:  # noqa: N802
        return self._info.instance_id

    def getProcessBusinessKey(self) -> str | None:  # noqa: N802
        return self._info.business_key

    getBusinessKey = getProcessBusinessKey  # noqa: N815

    def getCurrentActivityId(self) -> str | None:  # noqa: N802
        return self._info.activity

    processInstanceId = property(getProcessInstanceId)  # noqa: N815
    processBusinessKey = property(getProcessBusinessKey)  # noqa: N815
    businessKey = property(getProcessBusinessKey)  # noqa: N815
    currentActivityId = property(getCurrentActivityId)  # noqa: N815
    variables = property(getVariables)
    variableNames = property(getVariableNames)  # noqa: N815


def _is_variable(name: str, value: Any) -> bool:
    return not name.startswith("_") and not name.startswith("juel_") and not callable(value) \
        and not isinstance(value, Execution) and name != "__builtins__"


EXECUTION_PROPERTIES: dict[str, Callable[[Execution], Any]] = {
    "processInstanceId": Execution.getProcessInstanceId, "processBusinessKey": Execution.getProcessBusinessKey,
    "businessKey": Execution.getProcessBusinessKey, "currentActivityId": Execution.getCurrentActivityId,
    "variables": Execution.getVariables, "variableNames": Execution.getVariableNames,
}
EXECUTION_METHODS: dict[str, Callable[..., Any]] = {
    "getVariable": Execution.getVariable, "getVariables": Execution.getVariables,
    "getVariableNames": Execution.getVariableNames, "hasVariable": Execution.hasVariable,
    "getProcessInstanceId": Execution.getProcessInstanceId, "getProcessBusinessKey": Execution.getProcessBusinessKey,
    "getBusinessKey": Execution.getProcessBusinessKey, "getCurrentActivityId": Execution.getCurrentActivityId,
}


class JuelEvalError(ValueError):
    """A JUEL coercion or resolution that fails at run time (as JUEL's ELException)."""


def _name(value: Any) -> str:
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


def _is_num(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _to_long(value: Any) -> int:
    if value is None or value == "":
        return 0
    if _is_num(value):
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            pass
    raise JuelEvalError(f"cannot coerce {value!r} ({_name(value)}) to a number")


def _to_double(value: Any) -> float:
    if value is None or value == "":
        return 0.0
    if _is_num(value):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            pass
    raise JuelEvalError(f"cannot coerce {value!r} ({_name(value)}) to a number")


def juel_bool(value: Any) -> bool:
    """JUEL's coercion to Boolean: null and "" are false, strings are "true" or not."""
    if value is None or value == "":
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return value.strip().lower() == "true"
    raise JuelEvalError(f"cannot coerce {_name(value)} ({value!r}) to a boolean")


def _doubleish(value: Any) -> bool:
    return isinstance(value, float) or (isinstance(value, str) and any(c in value for c in ".eE"))


def _to_string(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(check_text(value))


def juel_eq(a: Any, b: Any) -> bool:
    if a is b:
        return True
    if a is None or b is None:
        return False
    if isinstance(a, bool) or isinstance(b, bool):
        return juel_bool(a) == juel_bool(b)
    if isinstance(a, float) or isinstance(b, float):
        if _is_num(a) or _is_num(b):
            return _to_double(a) == _to_double(b)
    if _is_num(a) or _is_num(b):
        return _to_long(a) == _to_long(b) if not _doubleish(a) and not _doubleish(b) else _to_double(a) == _to_double(b)
    if isinstance(a, str) or isinstance(b, str):
        if isinstance(a, (dict, list, tuple)) or isinstance(b, (dict, list, tuple)):
            return False
        return _to_string(a) == _to_string(b)
    return bool(a == b)


def juel_cmp(op: str, a: Any, b: Any) -> bool:
    if a is b and op in ("<=", ">="):
        return True
    if a is None or b is None:
        return False
    if _is_num(a) or _is_num(b):
        x, y = (_to_double(a), _to_double(b)) if _doubleish(a) or _doubleish(b) else (_to_long(a), _to_long(b))
    elif isinstance(a, str) or isinstance(b, str):
        x, y = _to_string(a), _to_string(b)
    else:
        x, y = a, b
    try:
        return _compare(op, x, y)
    except TypeError:
        raise JuelEvalError(f"cannot compare {_name(a)} with {_name(b)}") from None


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
        x, y = _to_double(a), _to_double(b)
        if y == 0:
            return math.nan if x == 0 or math.isnan(x) else math.copysign(math.inf, x) * math.copysign(1, y)
        return x / y
    if _doubleish(a) or _doubleish(b):
        x, y = _to_double(a), _to_double(b)
        if op == "%":
            return math.fmod(x, y) if y != 0 else math.nan
    else:
        x, y = _to_long(a), _to_long(b)
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


def juel_neg(a: Any) -> Any:
    if a is None:
        return 0
    return -(_to_double(a) if _doubleish(a) else _to_long(a))


def juel_empty(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, (str, list, tuple, dict, set)):
        return len(value) == 0
    return False


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
        return base.get(str(prop)) if _is_num(prop) else None
    if isinstance(base, (list, tuple)):
        if prop in ("empty",):
            return len(base) == 0
        try:
            index = _to_long(prop)
        except JuelEvalError:
            raise JuelEvalError(f"a list has no property {prop!r}") from None
        return base[index] if 0 <= index < len(base) else None
    if isinstance(base, str) and prop in ("empty", "blank"):
        return base == "" if prop == "empty" else base.strip() == ""
    raise JuelEvalError(f"cannot read property {prop!r} of {_name(base)}")


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
    other = _to_string(other)
    check_items(len(s) + len(other), "str")
    return s + other


def _replace(s: str, old: Any, new: Any) -> str:
    old, new = _to_string(old), _to_string(new)
    n = s.count(old) if old else len(s) + 1
    check_items(len(s) + n * max(len(new) - len(old), 0), "str")
    return s.replace(old, new)


def _list_get(items: list[Any], i: Any) -> Any:
    index = _to_long(i)
    if not 0 <= index < len(items):
        raise JuelEvalError(f"index {index} is out of range for a list of size {len(items)}")
    return items[index]


_STRING_METHODS: dict[str, Callable[..., Any]] = {
    "equals": lambda s, o: isinstance(o, str) and s == o,
    "equalsIgnoreCase": lambda s, o: isinstance(o, str) and s.casefold() == o.casefold(),
    "contains": lambda s, o: _to_string(o) in s,
    "startsWith": lambda s, o: s.startswith(_to_string(o)),
    "endsWith": lambda s, o: s.endswith(_to_string(o)),
    "length": len,
    "isEmpty": lambda s: s == "",
    "isBlank": lambda s: s.strip() == "",
    "toUpperCase": str.upper,
    "toLowerCase": str.lower,
    "trim": str.strip,
    "substring": lambda s, b, e=None: _substring(s, _to_long(b), None if e is None else _to_long(e)),
    "indexOf": lambda s, o: s.find(_to_string(o)),
    "lastIndexOf": lambda s, o: s.rfind(_to_string(o)),
    "charAt": lambda s, i: _char_at(s, _to_long(i)),
    "concat": _concat,
    "replace": _replace,
    "toString": lambda s: s,
    "compareTo": lambda s, o: (s > _to_string(o)) - (s < _to_string(o)),
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
    "toString": lambda n: _to_string(n),
    "intValue": lambda n: int(n),
    "longValue": lambda n: int(n),
    "doubleValue": lambda n: float(n),
    "compareTo": lambda n, o: (n > _to_double(o)) - (n < _to_double(o)),
}
_BOOLEAN_METHODS: dict[str, Callable[..., Any]] = {
    "equals": lambda b, o: isinstance(o, bool) and b == o,
    "toString": _to_string,
    "booleanValue": lambda b: b,
}
VALUE_METHODS = frozenset(_STRING_METHODS) | frozenset(_LIST_METHODS) | frozenset(_MAP_METHODS) \
    | frozenset(_NUMBER_METHODS) | frozenset(_BOOLEAN_METHODS)


def juel_call(base: Any, method: str, *args: Any) -> Any:
    """`base.method(args)` from the fixed tables above (or execution's); JuelEvalError otherwise."""
    if base is None:
        raise JuelEvalError(f"cannot call {method}() on null")
    if isinstance(base, Execution):
        table: dict[str, Callable[..., Any]] = EXECUTION_METHODS
    elif isinstance(base, bool):
        table = _BOOLEAN_METHODS
    elif _is_num(base):
        table = _NUMBER_METHODS
    elif isinstance(base, str):
        table = _STRING_METHODS
    elif isinstance(base, (list, tuple)):
        table = _LIST_METHODS
    elif isinstance(base, dict):
        table = _MAP_METHODS
    else:
        table = {}
    if method not in table:
        raise JuelEvalError(f"{_name(base)} has no method {method}()")
    try:
        return table[method](base, *args)
    except TypeError:
        raise JuelEvalError(f"{method}() does not take {len(args)} argument(s) on {_name(base)}") from None


def juel_concat(*parts: Any) -> str:
    """Composite text: every part as JUEL turns it into a string (null is empty)."""
    text = [_to_string(p) for p in parts]
    check_items(sum(len(t) for t in text), "str")
    return "".join(text)


HELPERS: dict[str, Any] = {"juel_bool": juel_bool, "juel_eq": juel_eq, "juel_cmp": juel_cmp,
                           "juel_arith": juel_arith, "juel_neg": juel_neg, "juel_empty": juel_empty,
                           "juel_get": juel_get, "juel_call": juel_call, "juel_concat": juel_concat}
