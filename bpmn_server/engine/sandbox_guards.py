"""Run-time guards of the script sandbox: the time budget and size limits (the builtins: sandbox_builtins.py).

A trace function (on Python calls only) and a tick in every loop enforce the time budget. A C-level
operation cannot be interrupted, so the operations that can make one huge value in a single C call
(`*`, `**`, `<<`, `%`-formatting, padding methods, `range`, `sum`, `pow`, `round`, factorials) check
the size of their result before they run. See docs/SANDBOX.md for what this does and does not cover.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from RestrictedPython.Guards import full_write_guard, safer_getattr
from RestrictedPython.transformer import INSPECT_ATTRIBUTES

MAX_ITEMS = 1_000_000  # longest str, bytes, list or tuple one operation may build; longest range()
MAX_INT_BITS = 10_000  # about 3,000 decimal digits: beyond, big-integer arithmetic turns slow in C
MAX_FORMAT_WIDTH = 10_000  # widths and precisions in %-formatting and f-strings


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


SCRIPT_FILENAME = "<string>"  # what sandbox.compile_code names restricted code


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
        It returns None, so there is no per-line tracing (which is slow and misses `while True: pass`).
        It raises only in the script's own frames, never inside library code the script called."""
        if frame.f_code.co_filename == SCRIPT_FILENAME or frame.f_code is Budget.iterate.__code__:
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
