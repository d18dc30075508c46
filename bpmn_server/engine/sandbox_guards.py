"""Run-time guards of the script sandbox: time budget, size limits, and the allow-listed builtins.

A trace function (on Python calls only) and a tick in every loop enforce the time budget. A C-level
operation cannot be interrupted, so the operations that can make one huge value in a single C call
(`*`, `**`, `<<`, `%`-formatting, padding methods, `range`, `sum`, `pow`, `round`, factorials) check
the size of their result before they run. See docs/SANDBOX.md for what this does and does not cover.
"""

from __future__ import annotations

import datetime
import decimal
import json
import math
import re
import time
import types
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from RestrictedPython import limited_builtins, safe_builtins
from RestrictedPython.Guards import full_write_guard, safer_getattr
from RestrictedPython.transformer import INSPECT_ATTRIBUTES

MAX_ITEMS = 1_000_000  # longest str, bytes, list or tuple one operation may build; longest range()
MAX_INT_BITS = 10_000  # about 3,000 decimal digits: beyond, big-integer arithmetic turns slow in C
MAX_FORMAT_WIDTH = 10_000  # widths and precisions in %-formatting and f-strings
_LN2 = math.log(2)


class SandboxViolation(Exception):
    """Code tried something the sandbox forbids."""


class ScriptTimeout(Exception):
    """Code ran past the time limit."""


def check_items(n: int, what: str = "value") -> None:
    if n > MAX_ITEMS:
        raise SandboxViolation(f"the script would build a {what} of {n:,} items; the limit is {MAX_ITEMS:,}")


def check_bits(bits: float) -> None:
    if bits > MAX_INT_BITS:
        raise SandboxViolation(f"the script would compute an integer of about {int(bits):,} bits; "
                               f"the limit is {MAX_INT_BITS:,}")


def check_text(value: Any, budget: int = MAX_ITEMS, what: str = "turned into text") -> Any:
    """Refuse a value whose nested size is over `budget` items (characters count one each) before C
    code walks it: `str([row] * 10**6)` with a big `row` would otherwise build terabytes in one call."""
    if isinstance(value, (int, float, bool, type(None))):
        return value
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, (str, bytes)):
            budget -= len(item)
        elif isinstance(item, (list, tuple, set, frozenset)):
            budget -= len(item)
            if budget >= 0:
                stack.extend(item)
        elif isinstance(item, dict):
            budget -= len(item)
            if budget >= 0:
                stack.extend(item.keys())
                stack.extend(item.values())
        else:
            budget -= 1
        if budget < 0:
            raise SandboxViolation(f"the value is too large to be {what} (over {MAX_ITEMS:,} items in all)")
    return value


class _GuardedStrType(type):
    """`str` as scripts see it: `str(x)` checks the size of x first; `isinstance(x, str)` and `str.upper`
    behave as usual."""

    def __call__(cls, *args: Any, **kwargs: Any) -> str:
        if args:
            check_text(args[0])
        return str(*args, **kwargs)

    def __instancecheck__(cls, obj: Any) -> bool:
        return isinstance(obj, str)

    def __subclasscheck__(cls, sub: type) -> bool:
        return sub is cls or issubclass(sub, str)


class GuardedStr(metaclass=_GuardedStrType):
    pass


def _guarded_repr(value: Any) -> str:
    return repr(check_text(value))


class Budget:
    """The wall-clock budget of one script run."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.until = time.monotonic() + seconds

    def check(self) -> None:
        if time.monotonic() > self.until:
            raise ScriptTimeout(f"the script ran longer than the limit of {self.seconds:g} s")

    def trace(self, frame: Any, event: str, arg: Any) -> None:
        """A global trace function: every Python call, generator step and loop tick checks the clock.
        It returns None, so there is no per-line tracing (which is slow and misses `while True: pass`)."""
        self.check()

    def tick(self) -> None:
        """Called at the top of every `while` body (inserted at compile time)."""
        self.check()

    def iterate(self, ob: Iterable[Any]) -> Iterator[Any]:
        """`_getiter_`: each step of a `for` loop or comprehension resumes this generator (a traced call)."""
        yield from ob


_SEQ = (str, bytes, list, tuple)


def mul(a: Any, b: Any) -> Any:
    if isinstance(a, int) and isinstance(b, int):
        check_bits(a.bit_length() + b.bit_length())
    elif isinstance(a, _SEQ) and isinstance(b, int):
        check_items(len(a) * b, type(a).__name__)
    elif isinstance(b, _SEQ) and isinstance(a, int):
        check_items(len(b) * a, type(b).__name__)
    return a * b


def power(a: Any, b: Any, mod: Any = None) -> Any:
    if mod is not None:
        return pow(a, b, mod)  # modular: bounded by the modulus
    if isinstance(a, int) and isinstance(b, int) and b > 1 and abs(a) > 1:
        check_bits(b * math.log2(abs(a)))
    return a ** b


def lshift(a: Any, b: Any) -> Any:
    if isinstance(a, int) and isinstance(b, int) and a:
        check_bits(a.bit_length() + b)
    return a << b


def add(a: Any, b: Any) -> Any:
    if isinstance(a, _SEQ) and isinstance(b, _SEQ):
        check_items(len(a) + len(b), type(a).__name__)
    return a + b


_PERCENT = re.compile(r"%(?:\([^)]*\))?[#0\- +]*(\*|\d+)?(?:\.(\*|\d+))?")


def check_format_numbers(spec: str) -> None:
    for number in re.findall(r"\d+", spec):
        if int(number) > MAX_FORMAT_WIDTH:
            raise SandboxViolation(f"a format width of {number} is over the limit of {MAX_FORMAT_WIDTH:,}")


def mod(a: Any, b: Any) -> Any:
    if isinstance(a, (str, bytes)):
        text = a.decode("latin-1") if isinstance(a, bytes) else a
        for width, precision in _PERCENT.findall(text):
            if "*" in (width, precision):
                raise SandboxViolation("'*' widths are not allowed in %-formatting")
            check_format_numbers(width + "." + precision)
        check_text(b)
    return a % b


INPLACE: dict[str, Callable[[Any, Any], Any]] = {
    "+=": add, "*=": mul, "**=": power, "<<=": lshift, "%=": mod,
    "-=": lambda a, b: a - b, "/=": lambda a, b: a / b, "//=": lambda a, b: a // b,
    ">>=": lambda a, b: a >> b, "|=": lambda a, b: a | b, "&=": lambda a, b: a & b, "^=": lambda a, b: a ^ b,
}


def inplacevar(op: str, x: Any, y: Any) -> Any:
    if op not in INPLACE:
        raise SandboxViolation(f"operator {op} is not allowed")
    return INPLACE[op](x, y)


def _sized_method(obj: Any, name: str, method: Any) -> Any:
    """Padding and joining methods of str and bytes, and int.to_bytes, with their result size checked."""
    if name in ("ljust", "rjust", "center", "zfill"):
        def pad(width: int, *args: Any) -> Any:
            check_items(width, type(obj).__name__)
            return method(width, *args)
        return pad
    if name == "expandtabs":
        def expand(tabsize: int = 8) -> Any:
            check_items(len(obj) * max(tabsize, 1), type(obj).__name__)
            return method(tabsize)
        return expand
    if name == "join":
        def join(items: Iterable[Any]) -> Any:
            items = list(items)
            check_items(sum(len(i) for i in items if isinstance(i, _SEQ)) + len(obj) * len(items),
                        type(obj).__name__)
            return method(items)
        return join
    if name == "replace":
        def replace(old: Any, new: Any, count: int = -1) -> Any:
            n = obj.count(old) if old else len(obj) + 1
            n = n if count < 0 else min(n, count)
            check_items(len(obj) + n * max(len(new) - len(old), 0), type(obj).__name__)
            return method(old, new, count)
        return replace
    return method


_MISSING = object()


def guarded_getattr(obj: Any, name: str, default: Any = None) -> Any:
    if name.startswith("_"):
        raise SandboxViolation(f"access to attribute '{name}' is not allowed")
    if obj is GuardedStr:
        obj = str  # `str.upper`, and `str.format` refused as on any str
    if name in INSPECT_ATTRIBUTES:
        raise SandboxViolation(f"access to attribute '{name}' is not allowed")
    try:
        value = safer_getattr(obj, name, _MISSING)
    except NotImplementedError as exc:  # str.format and string.Formatter: attribute access in disguise
        raise SandboxViolation(str(exc)) from None
    if value is _MISSING:
        raise AttributeError(f"'{type(obj).__name__}' object has no attribute '{name}'")
    if isinstance(obj, (str, bytes)):
        return _sized_method(obj, name, value)
    if isinstance(obj, int) and name == "to_bytes":
        def to_bytes(length: int = 1, *args: Any, **kwargs: Any) -> bytes:
            check_items(length, "bytes")
            return value(length, *args, **kwargs)
        return to_bytes
    if isinstance(obj, list) and name == "extend":
        def extend(items: Iterable[Any]) -> None:
            items = list(items)
            check_items(len(obj) + len(items), "list")
            value(items)
        return extend
    return value


def write(obj: Any) -> Any:
    return obj if isinstance(obj, (dict, list, set)) else full_write_guard(obj)


def apply(func: Any, *args: Any, **kwargs: Any) -> Any:
    """`_apply_`: calls written with *args or **kwargs."""
    return func(*args, **kwargs)


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
    return sum(sign * math.lgamma(n + 1) for n, sign in terms) / _LN2


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
                    "json_dumps": _json_dumps, "json_loads": json.loads})
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
