"""Jinja filters for the pages: times in UTC, ages, durations, JSON."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from flask import Blueprint


def _aware(value: Any) -> dt.datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def when(value: Any) -> str:
    """2026-01-31 09:00 UTC"""
    moment = _aware(value)
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC") if moment else ""


def iso(value: Any) -> str:
    moment = _aware(value)
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z") if moment else ""


def duration(seconds: float | None) -> str:
    """A span the way people say it: 45 s, 12 min, 3 h 20 min, 2 d 4 h."""
    if seconds is None:
        return "–"
    seconds = abs(float(seconds))
    if seconds < 60:
        return f"{seconds:.0f} s"
    minutes = int(seconds // 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


def age(value: Any, now: dt.datetime | None = None) -> str:
    """How long ago: the age of waiting work."""
    moment = _aware(value)
    if moment is None:
        return ""
    return duration(((now or dt.datetime.now(dt.UTC)) - moment).total_seconds())


def until(value: Any, now: dt.datetime | None = None) -> str:
    """'in 3 h' or '2 h overdue'."""
    moment = _aware(value)
    if moment is None:
        return ""
    left = (moment - (now or dt.datetime.now(dt.UTC))).total_seconds()
    return f"in {duration(left)}" if left >= 0 else f"{duration(left)} overdue"


def overdue(value: Any) -> bool:
    moment = _aware(value)
    return moment is not None and moment < dt.datetime.now(dt.UTC)


def pretty(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False, default=str)


def percent(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.1f} %"


def register(bp: Blueprint) -> None:
    for name, fn in (("when", when), ("iso", iso), ("duration", duration), ("age", age), ("until", until),
                     ("overdue", overdue), ("pretty", pretty), ("percent", percent)):
        bp.add_app_template_filter(fn, f"web_{name}")
