"""FEEL values in Python: null None, boolean bool, number Decimal, string str, list list, context dict,
date datetime.date, date and time datetime.datetime, time datetime.time, days and time duration timedelta,
years and months duration YMDuration, range Range, function Function."""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

# FEEL numbers are IEEE 754 decimal128: 34 significant digits.
DECIMAL = decimal.Context(prec=34, rounding=decimal.ROUND_HALF_EVEN, Emax=6144, Emin=-6143,
                          traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow])


@dataclass(frozen=True, slots=True)
class YMDuration:
    """A years and months duration, kept as a signed number of months."""

    months: int

    def __lt__(self, other: "YMDuration") -> bool:
        return self.months < other.months

    def __le__(self, other: "YMDuration") -> bool:
        return self.months <= other.months


@dataclass(frozen=True, slots=True)
class Range:
    """An interval; None as an end is unbounded (from `< 5` or `>= x`)."""

    start: Any
    end: Any
    start_included: bool
    end_included: bool
    start_unbounded: bool = False
    end_unbounded: bool = False
    op: str | None = None  # "=" or "!=": the unary tests `(=10)` and `(!=10)` used as values


@dataclass(eq=False, slots=True)
class Function:
    """A FEEL function value: a built-in (impl takes Python arguments) or a user-defined closure."""

    name: str
    params: tuple[str, ...]
    impl: Callable[..., Any]
    variadic: bool = False
    needs_env: bool = False
    param_types: tuple[Any, ...] | None = None


def is_number(v: Any) -> bool:
    return type(v) is Decimal


def type_name(v: Any) -> str:
    if v is None:
        return "Null"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, Decimal):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, dt.datetime):
        return "date and time"
    if isinstance(v, dt.date):
        return "date"
    if isinstance(v, dt.time):
        return "time"
    if isinstance(v, dt.timedelta):
        return "days and time duration"
    if isinstance(v, YMDuration):
        return "years and months duration"
    if isinstance(v, list):
        return "list"
    if isinstance(v, dict):
        return "context"
    if isinstance(v, Range):
        return "range"
    if isinstance(v, Function):
        return "function"
    return type(v).__name__


def to_decimal(v: Any) -> Decimal:
    return v if isinstance(v, Decimal) else DECIMAL.create_decimal(v)
