"""The restricted environment in which uploaded scripts and expressions run.

RestrictedPython rewrites the code at compile time: no imports, no names or attributes that start
with `_`, guarded attribute and item access and iteration. Our policy adds to it: calls of `open`,
`getattr`, `globals` and the like, class definitions and computed format specifications are refused
at compile time (so at deploy), operators that can build huge values go through size checks, and
every `while` body ticks the clock. At run time only an allow-list of builtins is visible
(sandbox_builtins.py), a time budget stops long code, and the variables a script leaves behind are
limited in size. docs/SANDBOX.md says what this guarantees and what it does not.
"""

from __future__ import annotations

import ast
import json
import sys
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import orjson
from RestrictedPython import compile_restricted
from RestrictedPython.Eval import default_guarded_getitem
from RestrictedPython.Guards import guarded_iter_unpack_sequence, guarded_unpack_sequence
from RestrictedPython.transformer import RestrictingNodeTransformer

from . import sandbox_builtins as allowed
from . import sandbox_guards as guards
from .juel_execution import REMOVED
from .juel_runtime import HELPERS, Execution, ExecutionInfo
from .sandbox_guards import SandboxViolation, ScriptTimeout

__all__ = ["SandboxViolation", "ScriptTimeout", "DEFAULT_TIME_LIMIT", "DEFAULT_MAX_VARIABLES_BYTES",
           "compile_code", "check", "run", "variables_size"]

DEFAULT_TIME_LIMIT = 5.0
DEFAULT_MAX_VARIABLES_BYTES = 1024 * 1024
# SpiffWorkflow finds the failing line of a script by looking for frames of this file name.
FILENAME = guards.SCRIPT_FILENAME
BUILTINS = allowed.builtins()
EXECUTION = "execution"  # Camunda's name for the running instance in expressions and scripts
GUARDS: dict[str, Any] = {
    "_getitem_": default_guarded_getitem,
    "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
    "_unpack_sequence_": guarded_unpack_sequence,
    "_getattr_": guards.guarded_getattr,
    "_write_": guards.write,
    "_inplacevar_": guards.inplacevar,
    "_apply_": guards.apply,
    "_mul_": guards.mul,
    "_pow_": guards.power,
    "_lshift_": guards.lshift,
    "_add_": guards.add,
    "_mod_": guards.mod,
    "_text_": guards.check_text,
    **HELPERS,  # what translated JUEL calls (juel_runtime.py)
}
_BINOPS = {ast.Mult: "_mul_", ast.Pow: "_pow_", ast.LShift: "_lshift_", ast.Add: "_add_", ast.Mod: "_mod_"}


def _call(name: str, args: list[ast.expr], like: ast.AST) -> ast.Call:
    return ast.copy_location(ast.Call(func=ast.copy_location(ast.Name(name, ast.Load()), like), args=args,
                                      keywords=[]), like)


class Policy(RestrictingNodeTransformer):
    """RestrictedPython's policy plus ours (see the module docstring)."""

    def visit_Import(self, node: ast.Import) -> Any:  # noqa: N802
        self.error(node, "imports are not allowed in scripts; math, datetime, decimal and json are "
                         "available by name")
        return node

    visit_ImportFrom = visit_Import  # noqa: N815 - the ast visitor's naming

    def visit_ClassDef(self, node: ast.ClassDef) -> Any:  # noqa: N802
        self.error(node, "class definitions are not allowed in scripts")
        return node

    def visit_Call(self, node: ast.Call) -> Any:  # noqa: N802
        if isinstance(node.func, ast.Name) and node.func.id in allowed.FORBIDDEN_CALLS \
                and node.func.id not in ("eval", "exec"):  # RestrictedPython reports these two itself
            self.error(node, f"'{node.func.id}()' is not allowed in scripts")
        return super().visit_Call(node)

    def visit_While(self, node: ast.While) -> Any:  # noqa: N802
        node = self.node_contents_visit(node)
        node.body.insert(0, ast.copy_location(ast.Expr(_call("_tick_", [], node)), node))
        return node

    def visit_BinOp(self, node: ast.BinOp) -> Any:  # noqa: N802
        node = self.node_contents_visit(node)
        name = _BINOPS.get(type(node.op))
        return _call(name, [node.left, node.right], node) if name else node

    def visit_FormattedValue(self, node: ast.FormattedValue) -> Any:  # noqa: N802
        spec = node.format_spec
        if spec is not None:
            parts = spec.values if isinstance(spec, ast.JoinedStr) else [spec]
            if any(not isinstance(p, ast.Constant) for p in parts):
                self.error(node, "computed format specifications are not allowed in f-strings")
            else:
                try:
                    guards.check_format_numbers("".join(str(p.value) for p in parts))
                except SandboxViolation as exc:
                    self.error(node, str(exc))
        node = self.node_contents_visit(node)
        node.value = _call("_text_", [node.value], node.value)  # its size checked before C formats it
        return node


def _messages(exc: SyntaxError) -> str:
    """RestrictedPython puts a tuple of messages in `msg`; make one readable line of it."""
    msg = exc.msg if exc.msg is not None else (exc.args[0] if exc.args else "")
    if isinstance(msg, (tuple, list)):
        return "; ".join(str(m) for m in msg)
    return str(msg) if exc.lineno is None else f"line {exc.lineno}: {msg}"


@lru_cache(maxsize=4096)
def compile_code(source: str, mode: str) -> Any:
    """Compile restricted code once per source text; raise SyntaxError (not Python) or
    SandboxViolation (Python that the sandbox refuses)."""
    try:
        ast.parse(source, filename=FILENAME, mode=mode)
    except SyntaxError as exc:
        raise SyntaxError(_messages(exc)) from None
    try:
        return compile_restricted(source, filename=FILENAME, mode=mode, policy=Policy)
    except SyntaxError as exc:
        # The source parsed above, so whatever RestrictedPython refuses is a policy violation.
        raise SandboxViolation(_messages(exc)) from None


def check(source: str, mode: str = "exec") -> str | None:
    """A message saying why `source` cannot run in the sandbox, or None."""
    try:
        compile_code(source, mode)
    except (SyntaxError, SandboxViolation) as exc:
        return str(exc)
    return None


def variables_size(variables: dict[str, Any]) -> int:
    """The size of variables as JSON, in bytes (what the database will store)."""
    try:
        return len(orjson.dumps(variables, default=str, option=orjson.OPT_NON_STR_KEYS))
    except TypeError:  # integers beyond 64 bits, for one
        return len(json.dumps(variables, default=str).encode())


# Set from the server's configuration at start (engine.set_limits): the engine knows nothing of Flask.
LIMITS = {"max_variables_bytes": DEFAULT_MAX_VARIABLES_BYTES}


def _max_variables_bytes() -> int:
    return LIMITS["max_variables_bytes"]


def _is_data(key: str, value: Any) -> bool:
    return not key.startswith("_") and not callable(value) and not isinstance(value, allowed.Module)


def run(source: str, namespace: dict[str, Any], mode: str, time_limit: float,
        execution: ExecutionInfo | None = None, written: dict[str, Any] | None = None,
        bind: Callable[[Execution], dict[str, Any]] | None = None) -> Any:
    """Run restricted code against `namespace` (the task data) within the time limit. In "exec" mode
    the script's variables are written back to `namespace`, unless they are over the size limit.
    `execution` makes Camunda's `execution` object available (juel_runtime.Execution); what an expression
    sets through it (`execution.setVariable`) is written to `written` (default: `namespace`). `bind`: more
    objects the code sees by name, made with the `execution` view (a task listener's `task`); never variables."""
    code = compile_code(source, mode)
    budget = guards.Budget(time_limit)
    # The data first, the guards last: a variable named like a guard must not replace it.
    env = dict(namespace)
    env.update(GUARDS)
    env.update({"__builtins__": BUILTINS, "_print_": _PrintCollector, "_getiter_": budget.iterate,
                "_tick_": budget.tick})
    env[EXECUTION] = view = Execution(execution or ExecutionInfo(), env)
    bound = bind(view) if bind is not None else {}
    env.update(bound)
    previous = sys.gettrace()
    sys.settrace(budget.trace)
    try:
        if mode == "eval":
            # The engine turns results into text and JSON in C: their size is checked here.
            # eval and exec run RestrictedPython's compiled code with guarded globals (docs/SANDBOX.md).
            value = guards.check_text(eval(code, env), what="used")  # noqa: S307 # nosec B307
            if view.changes:
                _write_back(view.changes, namespace if written is None else written)
            return value
        before = set(env)
        exec(code, env)  # noqa: S102 # nosec B102
    finally:
        sys.settrace(previous)
    result = {key: value for key, value in env.items()
              if _is_data(key, value) and key not in GUARDS and key != EXECUTION and key not in bound
              and (key not in before or key in namespace)}
    limit = _max_variables_bytes()
    # Counted before serializing: a list holding one big list a million times is small in memory and
    # terabytes as JSON. Every item takes at least a byte, so more items than bytes is over the limit.
    try:
        guards.check_text(result, limit)
    except SandboxViolation:
        raise SandboxViolation(f"the script's variables are larger than the limit of {limit:,} bytes") from None
    size = variables_size(result)
    if size > limit:
        raise SandboxViolation(f"the script's variables take {size:,} bytes; the limit is {limit:,}")
    for key in [k for k in namespace if k not in env]:  # deleted by the script
        del namespace[key]
    namespace.update(result)
    return True


def _write_back(changes: dict[str, Any], target: dict[str, Any]) -> None:
    """Variables an expression set or removed through `execution`, within the size limit as a script's."""
    kept = {k: v for k, v in changes.items() if v is not REMOVED}
    limit = _max_variables_bytes()
    guards.check_text(kept, limit)
    if variables_size(kept) > limit:
        raise SandboxViolation(f"the variables set by the expression are larger than the limit of {limit:,} bytes")
    for key, value in changes.items():
        if value is REMOVED:
            target.pop(key, None)
        else:
            target[key] = value


class _PrintCollector:
    """`print` in a script writes nowhere: scripts have no console."""

    def __init__(self, _getattr_: Any = None):
        self.txt: list[str] = []

    def _call_print(self, *objects: Any, **kwargs: Any) -> None:
        self.txt.append(" ".join(str(guards.check_text(o)) for o in objects))

    def __call__(self) -> str:
        return "\n".join(self.txt)
