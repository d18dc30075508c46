"""FEEL values to and from JSON-able Python values."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from .text import to_string
from .values import DECIMAL, Function, Range, YMDuration


def from_python(v: Any) -> Any:
    """JSON-able (or FEEL) Python values to FEEL values: numbers become Decimal, the rest stays."""
    if v is None or isinstance(v, (bool, str, Decimal)):
        return v
    if isinstance(v, int):
        return Decimal(v)
    if isinstance(v, float):
        return DECIMAL.create_decimal(repr(v)) if v == v and v not in (float("inf"), float("-inf")) else None
    if isinstance(v, (list, tuple)):
        return [from_python(x) for x in v]
    if isinstance(v, dict):
        return {str(k): from_python(x) for k, x in v.items()}
    return v


def to_json(v: Any) -> Any:
    """FEEL values to JSON-able Python: integral numbers as int, others as float; temporal values and
    ranges as their FEEL string forms; functions as null."""
    if v is None or isinstance(v, (bool, str)):
        return v
    if isinstance(v, Decimal):
        if v == v.to_integral_value() and abs(v) < 10 ** 18:
            return int(v)
        return float(v)
    if isinstance(v, list):
        return [to_json(x) for x in v]
    if isinstance(v, dict):
        return {k: to_json(x) for k, x in v.items()}
    if isinstance(v, Function):
        return None
    if isinstance(v, (dt.date, dt.time, dt.timedelta, YMDuration, Range)):
        return to_string(v)
    return to_string(v)
