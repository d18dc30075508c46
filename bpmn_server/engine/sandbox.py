"""The restricted environment in which uploaded scripts and expressions run.

RestrictedPython rewrites the code at compile time: no imports, no names or attributes that start
with `_`, guarded item access and iteration. At run time only an allow-list of builtins and modules
is visible, and a trace function stops code that runs longer than the time limit.
"""

from __future__ import annotations

import datetime
import decimal
import json
import math
import sys
import time
from functools import lru_cache
from typing import Any

from RestrictedPython import compile_restricted, limited_builtins, safe_builtins, utility_builtins
from RestrictedPython.Eval import default_guarded_getitem, default_guarded_getiter
from RestrictedPython.Guards import (
    full_write_guard,
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
    safer_getattr,
)

DEFAULT_TIME_LIMIT = 5.0


class SandboxViolation(Exception):
    """Code tried something the sandbox forbids."""


class ScriptTimeout(Exception):
    """Code ran past the time limit."""


def _safe_getattr(obj: Any, name: str, default: Any = None) -> Any:
    if name.startswith("_"):
        raise SandboxViolation(f"access to attribute '{name}' is not allowed")
    return safer_getattr(obj, name, default)


def _write(obj: Any) -> Any:
    return obj if isinstance(obj, (dict, list, set)) else full_write_guard(obj)


def _inplacevar(op: str, x: Any, y: Any) -> Any:
    ops = {"+=": lambda a, b: a + b, "-=": lambda a, b: a - b, "*=": lambda a, b: a * b,
           "/=": lambda a, b: a / b, "//=": lambda a, b: a // b, "%=": lambda a, b: a % b,
           "**=": lambda a, b: a ** b, "|=": lambda a, b: a | b, "&=": lambda a, b: a & b}
    if op not in ops:
        raise SandboxViolation(f"operator {op} is not allowed")
    return ops[op](x, y)


def _forbidden(name: str):
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise SandboxViolation(f"'{name}' is not allowed in scripts")
    return refuse


def _builtins() -> dict[str, Any]:
    allowed = dict(safe_builtins)
    allowed.update(limited_builtins)
    allowed.update(utility_builtins)
    for name in ("min", "max", "sum", "any", "all", "enumerate", "map", "filter", "reversed",
                 "list", "dict", "set", "frozenset", "sorted", "round", "abs", "len", "zip", "range"):
        allowed[name] = __builtins__[name] if isinstance(__builtins__, dict) else getattr(__builtins__, name)
    for name in ("open", "eval", "exec", "compile", "getattr", "setattr", "delattr", "__import__",
                 "globals", "locals", "vars", "input", "breakpoint", "help"):
        allowed[name] = _forbidden(name)
    # `string` and `random` from utility_builtins are harmless; keep `math`, add the rest of the allow-list.
    allowed.update({"datetime": datetime, "timedelta": datetime.timedelta, "date": datetime.date,
                    "Decimal": decimal.Decimal, "math": math, "json_dumps": json.dumps,
                    "json_loads": json.loads})
    return allowed


BUILTINS = _builtins()
GUARDS = {
    "_getattr_": _safe_getattr,
    "_getitem_": default_guarded_getitem,
    "_getiter_": default_guarded_getiter,
    "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
    "_unpack_sequence_": guarded_unpack_sequence,
    "_write_": _write,
    "_inplacevar_": _inplacevar,
    "_print_": None,
}


@lru_cache(maxsize=4096)
def compile_code(source: str, mode: str) -> Any:
    """Compile restricted code once per source text; raise SyntaxError or SandboxViolation."""
    try:
        return compile_restricted(source, filename="<script>", mode=mode)
    except SyntaxError as exc:
        msg = str(exc)
        if "invalid variable name" in msg or "is an invalid" in msg or "not allowed" in msg:
            raise SandboxViolation(msg) from exc
        raise


def check(source: str, mode: str = "exec") -> str | None:
    """A message saying why `source` cannot run in the sandbox, or None."""
    try:
        compile_code(source, mode)
    except (SyntaxError, SandboxViolation) as exc:
        return str(exc)
    return None


class _Deadline:
    """A trace function that raises once the wall-clock budget is spent."""

    def __init__(self, seconds: float):
        self.until = time.monotonic() + seconds
        self.seconds = seconds

    def __call__(self, frame: Any, event: str, arg: Any) -> Any:
        if time.monotonic() > self.until:
            raise ScriptTimeout(f"script ran longer than {self.seconds:g} s")
        return self


def run(source: str, namespace: dict[str, Any], mode: str, time_limit: float) -> Any:
    """Run restricted code against `namespace` (the task data) with the time limit."""
    code = compile_code(source, mode)
    env = dict(GUARDS)
    env["__builtins__"] = BUILTINS
    env["_print_"] = _PrintCollector
    previous = sys.gettrace()
    sys.settrace(_Deadline(time_limit))
    try:
        if mode == "eval":
            env.update(namespace)
            return eval(code, env)  # noqa: S307 - restricted bytecode, guarded globals
        env.update(namespace)
        before = set(env)
        exec(code, env)  # noqa: S102 - restricted bytecode, guarded globals
        for key, value in env.items():
            if key.startswith("_") or key in GUARDS or (key in before and key not in namespace):
                continue
            if callable(value) or isinstance(value, type(math)):
                continue
            namespace[key] = value
        for key in list(namespace):
            if key not in env:
                del namespace[key]
        return True
    finally:
        sys.settrace(previous)


class _PrintCollector:
    """`print` in a script writes nowhere: scripts have no console."""

    def __init__(self, _getattr_: Any = None):
        self.txt: list[str] = []

    def _call_print(self, *objects: Any, **kwargs: Any) -> None:
        self.txt.append(" ".join(map(str, objects)))

    def __call__(self) -> str:
        return "\n".join(self.txt)
