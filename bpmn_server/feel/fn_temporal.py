"""Conversion and temporal built-ins: date, time, date and time, durations, calendar functions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from . import temporal
from .registry import builtin
from .values import YMDuration


def _int(v: Any) -> int:
    if type(v) is not Decimal or v % 1:
        raise TypeError("not an integer")
    return int(v)


@builtin("date", "from", "year,month,day")
def _date(*args: Any) -> Any:
    if len(args) == 1:
        v = args[0]
        if isinstance(v, str):
            return temporal.parse_date(v)
        if isinstance(v, dt.datetime):
            return v.date()
        if isinstance(v, dt.date):
            return v
        return None
    y, m, d = (_int(a) for a in args)
    return dt.date(y, m, d)


@builtin("time", "from", "hour,minute,second", "hour,minute,second,offset")
def _time(*args: Any) -> Any:
    if len(args) == 1:
        v = args[0]
        if isinstance(v, str):
            return temporal.parse_time(v)
        if isinstance(v, dt.datetime):
            return v.timetz()
        if isinstance(v, dt.date):
            return dt.time(0, 0, 0, tzinfo=dt.UTC)
        if isinstance(v, dt.time):
            return v
        return None
    h, m = _int(args[0]), _int(args[1])
    s = args[2]
    if type(s) is not Decimal:
        return None
    tz = None
    if len(args) > 3 and args[3] is not None:
        if not isinstance(args[3], dt.timedelta):
            return None
        tz = dt.timezone(args[3])
    return dt.time(h, m, int(s), int((s % 1) * 1000000), tzinfo=tz)


@builtin("date and time", "from", "date,time")
def _date_and_time(*args: Any) -> Any:
    if len(args) == 1:
        v = args[0]
        if isinstance(v, str):
            return temporal.parse_datetime(v)
        if isinstance(v, dt.datetime):
            return v
        if isinstance(v, dt.date):
            return dt.datetime(v.year, v.month, v.day)
        return None
    d, t = args
    if not isinstance(d, dt.date) or not isinstance(t, dt.time):
        return None
    return dt.datetime.combine(d if not isinstance(d, dt.datetime) else d.date(), t.replace(tzinfo=None),
                               tzinfo=t.tzinfo)


@builtin("duration", "from")
def _duration(s: Any) -> Any:
    return temporal.parse_duration(s) if isinstance(s, str) else None


@builtin("years and months duration", "from,to")
def _ym(a: Any, b: Any) -> Any:
    if not isinstance(a, dt.date) or not isinstance(b, dt.date):
        return None
    if getattr(a, "tzinfo", None) is not None and getattr(b, "tzinfo", None) is not None:
        a, b = a.astimezone(dt.UTC), b.astimezone(dt.UTC)
    if isinstance(a, dt.datetime) != isinstance(b, dt.datetime):
        a = a if isinstance(a, dt.datetime) else dt.datetime(a.year, a.month, a.day, tzinfo=getattr(b, "tzinfo", None))
        b = b if isinstance(b, dt.datetime) else dt.datetime(b.year, b.month, b.day, tzinfo=getattr(a, "tzinfo", None))
    return YMDuration(temporal.months_between(a, b))


@builtin("now")
def _now() -> Any:
    return dt.datetime.now(dt.UTC)


@builtin("today")
def _today() -> Any:
    return dt.date.today()


def _d(v: Any) -> dt.date:
    if not isinstance(v, dt.date):
        raise TypeError("not a date")
    return v


@builtin("day of year", "date")
def _day_of_year(v: Any) -> Any:
    return Decimal(_d(v).timetuple().tm_yday)


@builtin("day of week", "date")
def _day_of_week(v: Any) -> Any:
    return ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")[_d(v).weekday()]


@builtin("month of year", "date")
def _month_of_year(v: Any) -> Any:
    return ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
            "November", "December")[_d(v).month - 1]


@builtin("week of year", "date")
def _week_of_year(v: Any) -> Any:
    return Decimal(_d(v).isocalendar()[1])
