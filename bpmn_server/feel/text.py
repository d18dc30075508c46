"""FEEL's `string(x)` form of every value."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from . import temporal
from .values import Function, Range, YMDuration


def number_string(n: Decimal) -> str:
    if n == 0:
        return "0"
    text = format(n.normalize(), "f")
    return text


def to_string(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, Decimal):
        return number_string(v)
    if isinstance(v, str):
        return v
    if isinstance(v, dt.datetime):
        return temporal.format_datetime(v)
    if isinstance(v, dt.date):
        return temporal.format_date(v)
    if isinstance(v, dt.time):
        return temporal.format_time(v)
    if isinstance(v, dt.timedelta):
        return temporal.format_dt_duration(v)
    if isinstance(v, YMDuration):
        return temporal.format_ym_duration(v)
    if isinstance(v, list):
        return "[" + ", ".join(_inner(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k}: {_inner(x)}" for k, x in v.items()) + "}"
    if isinstance(v, Range):
        s = "null" if v.start_unbounded else _inner(v.start)
        e = "null" if v.end_unbounded else _inner(v.end)
        return ("[" if v.start_included else "(") + s + ".." + e + ("]" if v.end_included else ")")
    if isinstance(v, Function):
        return f"function {v.name}".strip()
    return str(v)


def _inner(v: Any) -> str:
    return '"' + v + '"' if isinstance(v, str) else to_string(v)
