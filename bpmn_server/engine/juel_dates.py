"""Camunda 7's date functions in JUEL: `now()` (a java.util.Date) and `dateTime()` (a Joda DateTime), with the
Joda arithmetic Camunda's own examples use (`${dateTime().plusWeeks(1).toDate()}` as a task's due date).

Both give the current time as a timezone-aware Python datetime (UTC); the methods of `DATE_METHODS` are what a
translated expression may call on one (juel_runtime.juel_call). A date reaches where it is used (`camunda:dueDate`,
a variable) as a datetime, which the services read as any ISO date.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable
from typing import Any

from .juel_coerce import to_long

FUNCTIONS = {"now": "juel_now", "dateTime": "juel_date_time"}  # JUEL name -> the helper the Python calls


def juel_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


juel_date_time = juel_now  # a Joda DateTime and a Date are the same value here


def _months(when: dt.datetime, months: int) -> dt.datetime:
    """Joda's plusMonths: the same day of the month, the month's last day when it has fewer."""
    index = when.month - 1 + months
    year, month = when.year + index // 12, index % 12 + 1
    return when.replace(year=year, month=month, day=min(when.day, calendar.monthrange(year, month)[1]))


def _plus(unit: str, sign: int) -> Callable[[dt.datetime, Any], dt.datetime]:
    def add(when: dt.datetime, amount: Any) -> dt.datetime:
        n = sign * to_long(amount)
        if unit == "months":
            return _months(when, n)
        if unit == "years":
            return _months(when, 12 * n)
        return when + dt.timedelta(**{unit: n})
    return add


DATE_METHODS: dict[str, Callable[..., Any]] = {
    **{f"{verb}{unit.capitalize()}": _plus(unit, sign) for verb, sign in (("plus", 1), ("minus", -1))
       for unit in ("seconds", "minutes", "hours", "days", "weeks", "months", "years")},
    "toDate": lambda when: when,
    "toDateTime": lambda when: when,
    "getTime": lambda when: int(when.timestamp() * 1000),
    "getMillis": lambda when: int(when.timestamp() * 1000),
    "toString": lambda when: when.isoformat(),
    "isBefore": lambda when, other: when < other,
    "isAfter": lambda when, other: when > other,
    "before": lambda when, other: when < other,
    "after": lambda when, other: when > other,
    "getYear": lambda when: when.year,
    "getMonthOfYear": lambda when: when.month,
    "getDayOfMonth": lambda when: when.day,
    "getDayOfWeek": lambda when: when.isoweekday(),
    "getHourOfDay": lambda when: when.hour,
}
HELPERS: dict[str, Any] = {"juel_now": juel_now, "juel_date_time": juel_date_time}
