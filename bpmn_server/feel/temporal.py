"""FEEL dates, times, date-times and durations: parsing from and formatting to their ISO 8601 string forms."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .values import YMDuration

_DATE_TIME_START = re.compile(r"-?\d{4,9}-\d\d-\d\dT")
_DATE = re.compile(r"(-?\d{4,9})-(\d\d)-(\d\d)$")
_TIME = re.compile(r"(\d\d):(\d\d):(\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d(?::\d\d)?|@[A-Za-z0-9_/+\-]+)?$")
_DURATION = re.compile(r"(-)?P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d*)?)S)?)?$")


def parse_zone(text: str | None) -> dt.tzinfo | None:
    if not text:
        return None
    if text == "Z":
        return dt.UTC
    if text.startswith("@"):
        try:
            return ZoneInfo(text[1:])
        except (ZoneInfoNotFoundError, ValueError):
            return None
    sign = -1 if text[0] == "-" else 1
    parts = [int(x) for x in text[1:].split(":")]
    offset = dt.timedelta(hours=parts[0], minutes=parts[1], seconds=parts[2] if len(parts) > 2 else 0)
    if offset > dt.timedelta(hours=14):
        raise ValueError("offset out of range")
    return dt.timezone(sign * offset)


def parse_date(text: str) -> dt.date | None:
    m = _DATE.match(text)
    if not m or len(m.group(1).lstrip("-")) > 4 and m.group(1).startswith("0"):
        return None
    try:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def parse_time(text: str) -> dt.time | None:
    m = _TIME.match(text)
    if not m:
        return None
    h, mi, s = int(m.group(1)), int(m.group(2)), int(m.group(3))
    frac = m.group(4)
    micro = int((frac[1:] + "000000")[:6]) if frac else 0
    try:
        tz = parse_zone(m.group(5))
        if m.group(5) and m.group(5).startswith("@") and tz is None:
            return None
        if h == 24 and mi == 0 and s == 0 and micro == 0:
            h = 0
        return dt.time(h, mi, s, micro, tzinfo=tz)
    except ValueError:
        return None


def parse_datetime(text: str) -> dt.datetime | dt.date | None:
    if not _DATE_TIME_START.match(text):
        d = parse_date(text)
        return dt.datetime(d.year, d.month, d.day) if d else None
    ds, ts = text.split("T", 1)
    d, t = parse_date(ds), parse_time(ts)
    if d is None or t is None:
        return None
    next_day = ts.startswith("24:")
    value = dt.datetime.combine(d, t.replace(tzinfo=None))
    if next_day:
        value += dt.timedelta(days=1)
    return value.replace(tzinfo=t.tzinfo)


def parse_duration(text: str) -> dt.timedelta | YMDuration | None:
    m = _DURATION.match(text)
    if not m or text.endswith("T") or text in ("P", "-P"):
        return None
    neg, y, mo, d, h, mi, s = m.groups()
    sign = -1 if neg else 1
    if (y or mo) and not (d or h or mi or s):
        return YMDuration(sign * (int(y or 0) * 12 + int(mo or 0)))
    if y or mo:
        return None
    sec = Decimal(s or 0)
    try:
        delta = dt.timedelta(days=int(d or 0), hours=int(h or 0), minutes=int(mi or 0),
                             seconds=int(sec), microseconds=int((sec % 1) * 1000000))
    except OverflowError:
        return None
    return -delta if neg else delta


def parse_temporal(text: str) -> Any:
    """What `@"..."` means: a duration, a date and time, a date or a time, judged by the string's form."""
    if text.startswith(("P", "-P")):
        return parse_duration(text)
    if _DATE_TIME_START.match(text):
        return parse_datetime(text)
    if _DATE.match(text):
        return parse_date(text)
    return parse_time(text)


def format_zone(tz: dt.tzinfo | None, when: dt.datetime | None = None) -> str:
    if tz is None:
        return ""
    if isinstance(tz, ZoneInfo):
        return "@" + tz.key
    off = tz.utcoffset(when)
    if off is None:
        return ""
    if off == dt.timedelta(0):
        return "Z"
    sign = "-" if off < dt.timedelta(0) else "+"
    total = abs(int(off.total_seconds()))
    text = f"{sign}{total // 3600:02d}:{total % 3600 // 60:02d}"
    return text + (f":{total % 60:02d}" if total % 60 else "")


def format_time(t: dt.time, when: dt.datetime | None = None) -> str:
    text = f"{t.hour:02d}:{t.minute:02d}:{t.second:02d}"
    if t.microsecond:
        text += ("." + f"{t.microsecond:06d}").rstrip("0")
    return text + format_zone(t.tzinfo, when)


def format_date(d: dt.date) -> str:
    y = f"{d.year:04d}" if d.year >= 0 else f"-{-d.year:04d}"
    return f"{y}-{d.month:02d}-{d.day:02d}"


def format_datetime(v: dt.datetime) -> str:
    return format_date(v) + "T" + format_time(v.timetz(), v)


def format_dt_duration(v: dt.timedelta) -> str:
    neg = v < dt.timedelta(0)
    v = -v if neg else v
    days, rest = v.days, v.seconds
    h, m, s = rest // 3600, rest % 3600 // 60, rest % 60
    text = "P" + (f"{days}D" if days else "")
    t = (f"{h}H" if h else "") + (f"{m}M" if m else "")
    if s or v.microseconds:
        t += (f"{s}.{v.microseconds:06d}".rstrip("0") if v.microseconds else str(s)) + "S"
    if t:
        text += "T" + t
    if text == "P":
        text = "PT0S"
    return ("-" if neg else "") + text


def format_ym_duration(v: YMDuration) -> str:
    n = abs(v.months)
    y, m = n // 12, n % 12
    text = "P" + (f"{y}Y" if y else "") + (f"{m}M" if m or not y else "")
    return ("-" if v.months < 0 else "") + text


def add_months(value: dt.date, months: int) -> dt.date | None:
    total = value.year * 12 + value.month - 1 + months
    y, m = divmod(total, 12)
    m += 1
    if not 1 <= y <= 9999:
        return None
    day = value.day
    while True:
        try:
            return value.replace(year=y, month=m, day=day)
        except ValueError:
            day -= 1


def months_between(a: dt.date, b: dt.date) -> int:
    """Whole months from a to b, as `years and months duration(a, b)`."""
    months = (b.year - a.year) * 12 + b.month - a.month
    a_rest, b_rest = a.day, b.day  # whole months by calendar date; the time of day does not count
    if months > 0 and b_rest < a_rest:
        months -= 1
    elif months < 0 and b_rest > a_rest:
        months += 1
    return months
