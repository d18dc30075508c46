"""FEEL operators on values: equality, ordering, arithmetic. A type mismatch gives null, as the spec says."""

from __future__ import annotations

import datetime as dt
import decimal
from decimal import Decimal
from typing import Any

from . import temporal
from .values import DECIMAL, Function, Range, YMDuration

_ZERO = dt.timedelta(0)


def _kind(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, Decimal):
        return "num"
    if isinstance(v, str):
        return "str"
    if isinstance(v, dt.datetime):
        return "dt"
    if isinstance(v, dt.date):
        return "date"
    if isinstance(v, dt.time):
        return "time"
    if isinstance(v, dt.timedelta):
        return "dtd"
    if isinstance(v, YMDuration):
        return "ymd"
    if isinstance(v, list):
        return "list"
    if isinstance(v, dict):
        return "ctx"
    if isinstance(v, Range):
        return "range"
    return "other"


def _time_key(t: dt.time) -> Any:
    if t.tzinfo is None:
        return (t.hour, t.minute, t.second, t.microsecond)
    off = t.utcoffset() or _ZERO
    secs = (t.hour * 3600 + t.minute * 60 + t.second - off.total_seconds()) % 86400
    return (secs, t.microsecond)


def _time_seconds(t: dt.time) -> dt.timedelta:
    off = t.utcoffset() if t.tzinfo is not None else None
    return dt.timedelta(hours=t.hour, minutes=t.minute, seconds=t.second, microseconds=t.microsecond) - (off or _ZERO)


def _dt_comparable(a: dt.datetime, b: dt.datetime) -> bool:
    return (a.tzinfo is None) == (b.tzinfo is None)


def equal(a: Any, b: Any) -> bool | None:
    ka, kb = _kind(a), _kind(b)
    if ka == "null" or kb == "null":
        return ka == kb
    if ka != kb:
        return None
    if ka == "list":
        if len(a) != len(b):
            return False
        for x, y in zip(a, b, strict=False):
            r = equal(x, y)
            if r is not True:
                return r
        return True
    if ka == "ctx":
        if a.keys() != b.keys():
            return False
        for k in a:
            r = equal(a[k], b[k])
            if r is not True:
                return r
        return True
    if ka == "time":
        if (a.tzinfo is None) != (b.tzinfo is None):
            return False
        return _time_key(a) == _time_key(b)
    if ka == "dt":
        if not _dt_comparable(a, b):
            return False
        return a == b
    if ka == "range":
        return (a.op == b.op and a.start_included == b.start_included and a.end_included == b.end_included
                and a.start_unbounded == b.start_unbounded and a.end_unbounded == b.end_unbounded
                and equal(a.start, b.start) is True and equal(a.end, b.end) is True)
    if ka == "other":
        return a is b if isinstance(a, Function) else a == b
    return a == b


def compare(a: Any, b: Any) -> int | None:
    """-1, 0, 1, or None when a and b are not ordered (different types, null, naive vs zoned)."""
    ka, kb = _kind(a), _kind(b)
    if ka != kb or ka in ("null", "bool", "list", "ctx", "range", "other"):
        return None
    if ka == "time":
        if (a.tzinfo is None) != (b.tzinfo is None):
            return None
        a, b = _time_key(a), _time_key(b)
    elif ka == "dt" and not _dt_comparable(a, b):
        return None
    elif ka == "ymd":
        a, b = a.months, b.months
    return -1 if a < b else (1 if a > b else 0)


def add(a: Any, b: Any) -> Any:
    ka, kb = _kind(a), _kind(b)
    try:
        if ka == kb == "num":
            return DECIMAL.add(a, b)
        if ka == kb == "str":
            return a + b
        if ka == kb == "dtd":
            return a + b
        if ka == kb == "ymd":
            return YMDuration(a.months + b.months)
        if kb in ("dtd", "ymd") and ka in ("dt", "date", "time"):
            return _shift(a, b, 1)
        if ka in ("dtd", "ymd") and kb in ("dt", "date", "time"):
            return _shift(b, a, 1)
    except (OverflowError, decimal.DecimalException):
        return None
    return None


def sub(a: Any, b: Any) -> Any:
    ka, kb = _kind(a), _kind(b)
    try:
        if ka == kb == "num":
            return DECIMAL.subtract(a, b)
        if ka == kb == "dtd":
            return a - b
        if ka == kb == "ymd":
            return YMDuration(a.months - b.months)
        if ka in ("dt", "date") and kb in ("dt", "date"):
            a, b = _as_dt(a), _as_dt(b)  # a date is midnight UTC
            if (a.tzinfo is None) != (b.tzinfo is None):
                return None  # one local, one zoned: undefined
            return a - b
        if ka == kb == "time":
            if (a.tzinfo is None) != (b.tzinfo is None):
                return None
            return _time_seconds(a) - _time_seconds(b)
        if kb in ("dtd", "ymd") and ka in ("dt", "date", "time"):
            return _shift(a, b, -1)
    except (OverflowError, decimal.DecimalException):
        return None
    return None


def _as_dt(v: dt.date) -> dt.datetime:
    if isinstance(v, dt.datetime):
        return v
    return dt.datetime(v.year, v.month, v.day, tzinfo=dt.UTC)


def _shift(v: Any, d: Any, sign: int) -> Any:
    if isinstance(d, YMDuration):
        if isinstance(v, dt.time):
            return None
        return temporal.add_months(v, sign * d.months)
    if isinstance(v, dt.datetime):
        if isinstance(v.tzinfo, temporal.ZoneInfo):  # wall-clock arithmetic in a named zone, then re-resolve
            naive = v.replace(tzinfo=None) + sign * d
            return naive.replace(tzinfo=v.tzinfo)
        return v + sign * d
    if isinstance(v, dt.date):
        return (dt.datetime(v.year, v.month, v.day) + sign * d).date()
    base = dt.datetime(2000, 1, 1, v.hour, v.minute, v.second, v.microsecond)
    return (base + sign * d).time().replace(tzinfo=v.tzinfo)


def mul(a: Any, b: Any) -> Any:
    ka, kb = _kind(a), _kind(b)
    try:
        if ka == kb == "num":
            return DECIMAL.multiply(a, b)
        if ka == "num" and kb in ("dtd", "ymd"):
            a, b, ka, kb = b, a, kb, ka
        if kb == "num" and ka == "dtd":
            return dt.timedelta(microseconds=int(_micros(a) * b))
        if kb == "num" and ka == "ymd":
            return YMDuration(int(DECIMAL.multiply(Decimal(a.months), b)))
    except (OverflowError, decimal.DecimalException):
        return None
    return None


def div(a: Any, b: Any) -> Any:
    ka, kb = _kind(a), _kind(b)
    try:
        if ka == kb == "num":
            return DECIMAL.divide(a, b)
        if ka == "dtd" and kb == "num":
            return dt.timedelta(microseconds=int(DECIMAL.divide(_micros(a), b)))
        if ka == "ymd" and kb == "num":
            return YMDuration(int(DECIMAL.divide(Decimal(a.months), b)))
        if ka == kb == "dtd":
            return DECIMAL.divide(_micros(a), _micros(b))
        if ka == kb == "ymd":
            return DECIMAL.divide(Decimal(a.months), Decimal(b.months))
    except (OverflowError, decimal.DecimalException, ZeroDivisionError):
        return None
    return None


def power(a: Any, b: Any) -> Any:
    if _kind(a) == _kind(b) == "num":
        try:
            if b == b.to_integral_value() and abs(b) < 1000000:
                return DECIMAL.power(a, int(b))
            return DECIMAL.power(a, b)
        except (OverflowError, decimal.DecimalException):
            return None
    return None


def negate(a: Any) -> Any:
    k = _kind(a)
    if k == "num":
        return DECIMAL.minus(a)
    if k == "dtd":
        return -a
    if k == "ymd":
        return YMDuration(-a.months)
    return None


def _micros(d: dt.timedelta) -> Decimal:
    return Decimal((d.days * 86400 + d.seconds) * 1000000 + d.microseconds)


def in_range(value: Any, r: Range) -> bool | None:
    if r.op == "!=":
        eq = equal(value, r.start)
        return None if eq is None else not eq
    if not r.start_unbounded:
        c = compare(value, r.start)
        if c is None:
            return None
        if c < 0 or (c == 0 and not r.start_included):
            return False
    if not r.end_unbounded:
        c = compare(value, r.end)
        if c is None:
            return None
        if c > 0 or (c == 0 and not r.end_included):
            return False
    return True
