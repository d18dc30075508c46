"""Quartz cron expressions, as Camunda 7 accepts them in `timeCycle` (`0 0 9 * * ?`).

Fields: seconds, minutes, hours, day of month, month, day of week, and an optional year. Each takes `*`,
numbers, ranges `a-b` (a range may wrap, `22-2`), lists `a,b`, steps `a/n` and `*/n`, and names (`JAN`-`DEC`,
`SUN`-`SAT`). Day of week counts 1 = Sunday to 7 = Saturday, as in Quartz (not Unix cron's 0-6). Day of
month: `L` (last day), `L-3`, `LW` (last weekday), `15W` (weekday nearest the 15th, within the month). Day of
week: `6L` (last Friday), `6#3` (third Friday), `L` alone is Saturday. `?` means "no value" and one of the two
day fields must be `?` (Quartz refuses both, and so does Camunda). Times are the server's local wall time,
as Camunda's engine reads them (the JVM's default zone); results are returned in UTC.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

MONTHS = {m: i for i, m in enumerate(("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV",
                                      "DEC"), start=1)}
DAYS = {d: i for i, d in enumerate(("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"), start=1)}
_SHAPE = re.compile(r"^[0-9A-Za-z*?/,#\-]+$")
HORIZON_YEARS = 200  # a schedule with no occurrence in this window has none (e.g. 30 FEB)


class CronError(ValueError):
    """An expression that is not valid Quartz cron."""


@dataclass(frozen=True)
class Cron:
    seconds: frozenset[int]
    minutes: frozenset[int]
    hours: frozenset[int]
    months: frozenset[int]
    years: frozenset[int] | None
    dom: tuple  # ("any",) | ("set", values) | ("last", offset) | ("lastweekday",) | ("weekday", n)
    dow: tuple  # ("any",) | ("set", values) | ("last", day) | ("nth", day, k)


def looks_like_cron(text: str) -> bool:
    """6 or 7 fields of cron characters: what a `timeCycle` holds when it is not ISO 8601 nor `${...}`."""
    fields = (text or "").split()
    return len(fields) in (6, 7) and all(_SHAPE.match(f) for f in fields)


def _number(token: str, names: dict[str, int] | None, low: int, high: int, what: str) -> int:
    token = token.upper()
    if names and token in names:
        value = names[token]
    elif token.isdigit():
        value = int(token)
    else:
        raise CronError(f"'{token}' is not a valid {what}")
    if not low <= value <= high:
        raise CronError(f"{what} {value} is outside {low}-{high}")
    return value


def _values(field: str, low: int, high: int, what: str, names: dict[str, int] | None = None) -> frozenset[int]:
    found: set[int] = set()
    for part in field.split(","):
        base, _, step_text = part.partition("/")
        step = _number(step_text, None, 1, high - low + 1 if high > low else 1, f"{what} step") if step_text else 1
        if base in ("*", "?"):
            start, end = low, high
        elif "-" in base:
            a, _, b = base.partition("-")
            start, end = _number(a, names, low, high, what), _number(b, names, low, high, what)
        else:
            start = _number(base, names, low, high, what)
            end = high if step_text else start
        span = end - start if end >= start else end + (high - low + 1) - start  # a wrapping range
        for offset in range(0, span + 1, step):
            found.add(low + (start - low + offset) % (high - low + 1))
    if not found:
        raise CronError(f"the {what} field '{field}' selects nothing")
    return frozenset(found)


def _day_of_month(field: str) -> tuple:
    upper = field.upper()
    if upper == "?":
        return ("any",)
    if upper == "LW":
        return ("lastweekday",)
    if upper.startswith("L"):
        offset = upper[1:]
        if offset and not re.fullmatch(r"-\d{1,2}", offset):
            raise CronError(f"'{field}' is not a valid day of month")
        return ("last", int(offset[1:]) if offset else 0)
    if upper.endswith("W"):
        return ("weekday", _number(upper[:-1], None, 1, 31, "day of month"))
    return ("set", _values(field, 1, 31, "day of month"))


def _day_of_week(field: str) -> tuple:
    upper = field.upper()
    if upper == "?":
        return ("any",)
    if upper == "L":
        return ("set", frozenset({7}))
    if "#" in upper:
        day, _, nth = upper.partition("#")
        return ("nth", _number(day, DAYS, 1, 7, "day of week"), _number(nth, None, 1, 5, "week of the month"))
    if upper.endswith("L"):
        return ("last", _number(upper[:-1], DAYS, 1, 7, "day of week"))
    return ("set", _values(field, 1, 7, "day of week", DAYS))


def parse(text: str) -> Cron:
    """A Quartz expression; CronError naming the field at fault."""
    fields = (text or "").split()
    if len(fields) not in (6, 7):
        raise CronError(f"a cron expression has 6 or 7 fields (seconds to day of week, optional year), "
                        f"not {len(fields)}")
    sec, minute, hour, dom, month, dow = fields[:6]
    if (dom == "?") == (dow == "?"):
        raise CronError("exactly one of day of month and day of week must be '?' (Quartz and Camunda 7 refuse "
                        "both or neither)")
    for name, value in (("seconds", sec), ("minutes", minute), ("hours", hour), ("month", month)):
        if "?" in value:
            raise CronError(f"'?' is allowed in the day fields only, not in {name}")
    return Cron(seconds=_values(sec, 0, 59, "second"), minutes=_values(minute, 0, 59, "minute"),
                hours=_values(hour, 0, 23, "hour"), months=_values(month, 1, 12, "month", MONTHS),
                years=_values(fields[6], 1970, 2199, "year") if len(fields) == 7 else None,
                dom=_day_of_month(dom), dow=_day_of_week(dow))


def problem(text: str) -> str | None:
    """Why `text` is not a Quartz expression with an occurrence to come, or None."""
    try:
        parse(text)
    except CronError as exc:
        return str(exc)
    return None


def _quartz_weekday(day: dt.date) -> int:
    return (day.weekday() + 1) % 7 + 1  # Monday (Python 0) -> 2, Sunday (6) -> 1


def _day_matches(cron: Cron, day: dt.date) -> bool:
    last = calendar.monthrange(day.year, day.month)[1]
    kind = cron.dom[0]
    if kind == "set":
        return day.day in cron.dom[1]
    if kind == "last":
        return day.day == last - cron.dom[1]
    if kind in ("lastweekday", "weekday"):
        target = last if kind == "lastweekday" else cron.dom[1]
        if target > last:
            return False
        wanted = dt.date(day.year, day.month, target)
        if wanted.weekday() == 5:  # Saturday: the Friday before, or the Monday after on the 1st
            wanted = wanted - dt.timedelta(days=1) if target > 1 else wanted + dt.timedelta(days=2)
        elif wanted.weekday() == 6:  # Sunday: the Monday after, or the Friday before at the month's end
            wanted = wanted + dt.timedelta(days=1) if target < last else wanted - dt.timedelta(days=2)
        return day == wanted
    weekday, kind = _quartz_weekday(day), cron.dow[0]
    if kind == "set":
        return weekday in cron.dow[1]
    if kind == "last":
        return weekday == cron.dow[1] and day.day + 7 > last
    return weekday == cron.dow[1] and (day.day - 1) // 7 + 1 == cron.dow[2]


def _first_time(cron: Cron, day: dt.date, after: dt.datetime | None) -> dt.datetime | None:
    """The first time of `day` that matches, later than `after` (a naive local time) when given."""
    for hour in sorted(cron.hours):
        if after is not None and hour < after.hour:
            continue
        for minute in sorted(cron.minutes):
            if after is not None and hour == after.hour and minute < after.minute:
                continue
            for second in sorted(cron.seconds):
                moment = dt.datetime(day.year, day.month, day.day, hour, minute, second)
                if after is None or moment > after:
                    return moment
    return None


def next_fire(expression: str | Cron, after: dt.datetime) -> dt.datetime | None:
    """The first occurrence strictly after `after` (an aware datetime), in UTC; None if there is none."""
    cron = parse(expression) if isinstance(expression, str) else expression
    local = after.astimezone().replace(tzinfo=None, microsecond=0)
    day, end = local.date(), local.date().replace(year=min(local.year + HORIZON_YEARS, 9999))
    while day <= end:
        if cron.years is not None and day.year not in cron.years:
            later = [y for y in cron.years if y > day.year]
            if not later:
                return None
            day = dt.date(min(later), 1, 1)
            continue
        if day.month not in cron.months:
            day = dt.date(day.year + (day.month == 12), day.month % 12 + 1, 1)
            continue
        if _day_matches(cron, day):
            found = _first_time(cron, day, local if day == local.date() else None)
            if found is not None:
                return found.astimezone(dt.UTC)  # naive local -> aware
        day += dt.timedelta(days=1)
    return None
