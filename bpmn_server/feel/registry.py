"""The built-in function registry and function invocation (positional and named arguments)."""

from __future__ import annotations

import decimal
import re
from collections.abc import Callable
from typing import Any

from .errors import FeelError, FeelLimitExceeded
from .values import Function

BUILTINS: dict[str, Function] = {}
_SIGNATURES: dict[str, list[tuple[str, ...]]] = {}
_MAX_ARGS: dict[str, int] = {}


def builtin(name: str, *signatures: tuple[str, ...] | str, varargs: bool = False
            ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register `impl` under a FEEL name with one or more parameter-name signatures (overloads);
    `varargs`: it also takes any number of positional arguments (`min(1, 2, 3)`)."""
    sigs = [tuple(s.split(",")) if isinstance(s, str) else s for s in signatures]
    sigs = [tuple(p.strip() for p in s if p.strip()) for s in sigs]

    def register(impl: Callable[..., Any]) -> Callable[..., Any]:
        longest = max(sigs, key=len) if sigs else ()
        BUILTINS[name] = Function(name, longest, impl, variadic=True)
        _SIGNATURES[name] = sigs
        if not varargs:
            _MAX_ARGS[name] = len(longest)
        return impl
    return register


def _named_to_positional(fn: Function, named: dict[str, Any]) -> list[Any] | None:
    sigs = _SIGNATURES.get(fn.name) if fn.variadic else [fn.params]
    for sig in sigs or []:
        if set(named) <= set(sig):
            args = [named.get(p) for p in sig]
            # drop trailing parameters that were not given (optional ones)
            while args and sig[len(args) - 1] not in named:
                args.pop()
            return args
    return None


def call_function(fn: Function, args: list[Any] | None, named: dict[str, Any] | None, text: str = "",
                  pos: int | None = None) -> Any:
    if args is None:
        args = _named_to_positional(fn, named or {})
        if args is None:
            return None
    if not fn.variadic and len(args) != len(fn.params):
        return None
    if fn.variadic and len(args) > _MAX_ARGS.get(fn.name, len(args)):
        return None
    try:
        return fn.impl(*args)
    except (FeelLimitExceeded, RecursionError) as exc:
        if isinstance(exc, RecursionError):
            raise FeelLimitExceeded("evaluation recursed too deeply", text, pos) from None
        raise
    except FeelError:
        raise
    except (ValueError, TypeError, ArithmeticError, IndexError, KeyError, AttributeError, OverflowError,
            decimal.DecimalException, OSError, re.error):
        return None
