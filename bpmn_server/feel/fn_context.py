"""Context and boolean built-ins: get value, get entries, context, context put, context merge, not, is."""

from __future__ import annotations

import datetime as dt
from typing import Any

from . import ops
from .registry import builtin


@builtin("get value", "m,key")
def _get_value(m: Any, key: Any) -> Any:
    if not isinstance(m, dict) or not isinstance(key, str):
        return None
    return m.get(key)


@builtin("get entries", "m")
def _get_entries(m: Any) -> Any:
    if not isinstance(m, dict):
        return None
    return [{"key": k, "value": v} for k, v in m.items()]


@builtin("context", "entries")
def _context(entries: Any) -> Any:
    if isinstance(entries, dict):
        entries = [entries]
    if not isinstance(entries, list):
        return None
    out: dict[str, Any] = {}
    for e in entries:
        if not isinstance(e, dict) or "key" not in e or "value" not in e or not isinstance(e["key"], str):
            return None
        if e["key"] in out:
            return None
        out[e["key"]] = e["value"]
    return out


def _put(ctx: dict, keys: list, value: Any) -> Any:
    if not keys or not all(isinstance(k, str) for k in keys):
        return None
    out = dict(ctx)
    if len(keys) == 1:
        out[keys[0]] = value
        return out
    inner = out.get(keys[0])
    if not isinstance(inner, dict):
        return None
    new = _put(inner, keys[1:], value)
    if new is None:
        return None
    out[keys[0]] = new
    return out


@builtin("context put", "context,key,value", "context,keys,value")
def _context_put(ctx: Any, key: Any, value: Any) -> Any:
    if not isinstance(ctx, dict):
        return None
    return _put(ctx, key if isinstance(key, list) else [key], value)


@builtin("context merge", "contexts")
def _context_merge(contexts: Any) -> Any:
    if isinstance(contexts, dict):
        contexts = [contexts]
    if not isinstance(contexts, list) or not all(isinstance(c, dict) for c in contexts):
        return None
    out: dict[str, Any] = {}
    for c in contexts:
        out.update(c)
    return out


@builtin("not", "negand")
def _not(v: Any) -> Any:
    return (not v) if isinstance(v, bool) else None


@builtin("is", "value1,value2")
def _is(a: Any, b: Any = None) -> Any:
    if type(a) is not type(b):
        return False
    if isinstance(a, (dt.datetime, dt.time)) and a.tzinfo != b.tzinfo:
        return False
    return ops.equal(a, b) is True
