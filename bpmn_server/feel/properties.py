"""Path expressions `a.b`: context entries, a list's items' entries, and the properties of temporal values."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from .values import Range, YMDuration


def _offset(v: Any) -> Any:
    off = v.utcoffset() if v.tzinfo is not None else None
    return off


def _zone(v: Any) -> Any:
    return v.tzinfo.key if isinstance(v.tzinfo, ZoneInfo) else None


_DATE = {"year": lambda v: Decimal(v.year), "month": lambda v: Decimal(v.month), "day": lambda v: Decimal(v.day),
         "weekday": lambda v: Decimal(v.isoweekday())}
_TIME = {"hour": lambda v: Decimal(v.hour), "minute": lambda v: Decimal(v.minute),
         "second": lambda v: Decimal(v.second) + (Decimal(v.microsecond) / 1000000 if v.microsecond else 0),
         "time offset": _offset, "timezone": _zone}
_DT = {**_DATE, **_TIME}


def _dtd(v: dt.timedelta, unit: str) -> Decimal:
    total = abs(v.days * 86400 + v.seconds)
    sign = -1 if v < dt.timedelta(0) else 1
    value = {"days": total // 86400, "hours": total % 86400 // 3600, "minutes": total % 3600 // 60,
             "seconds": total % 60}[unit]
    return Decimal(sign * value)


def get(v: Any, key: str) -> Any:
    if isinstance(v, dict):
        return v.get(key)
    if isinstance(v, list):
        return [get(x, key) for x in v]
    if isinstance(v, dt.datetime):
        f = _DT.get(key)
    elif isinstance(v, dt.date):
        f = _DATE.get(key)
    elif isinstance(v, dt.time):
        f = _TIME.get(key)
    elif isinstance(v, dt.timedelta):
        return _dtd(v, key) if key in ("days", "hours", "minutes", "seconds") else None
    elif isinstance(v, YMDuration):
        n = abs(v.months)
        sign = -1 if v.months < 0 else 1
        return {"years": Decimal(sign * (n // 12)), "months": Decimal(sign * (n % 12))}.get(key)
    elif isinstance(v, Range):
        return {"start": v.start, "end": v.end, "start included": v.start_included,
                "end included": v.end_included}.get(key)
    else:
        return None
    return f(v) if f else None
