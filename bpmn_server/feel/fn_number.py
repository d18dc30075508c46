"""Number built-ins (DMN 1.5 10.3.4.5)."""

from __future__ import annotations

import decimal
from decimal import Decimal
from typing import Any

from .registry import builtin
from .values import DECIMAL


def _num(v: Any) -> Decimal:
    if type(v) is not Decimal:
        raise TypeError("not a number")
    return v


def _scale(n: Any, scale: Any, rounding: str) -> Decimal | None:
    n, scale = _num(n), _num(scale)
    if scale % 1 or not -6111 <= scale <= 6176:
        return None
    if n.as_tuple().exponent >= -int(scale):  # already at that scale or coarser: nothing to round
        return n
    q = Decimal(1).scaleb(-int(scale))
    return n.quantize(q, rounding=rounding, context=decimal.Context(prec=100))


@builtin("decimal", "n,scale")
def _decimal(n: Any, scale: Any) -> Any:
    return _scale(n, scale, decimal.ROUND_HALF_EVEN)


@builtin("floor", "n", "n,scale")
def _floor(n: Any, *scale: Any) -> Any:
    return _scale(n, scale[0] if scale else Decimal(0), decimal.ROUND_FLOOR)


@builtin("ceiling", "n", "n,scale")
def _ceiling(n: Any, *scale: Any) -> Any:
    return _scale(n, scale[0] if scale else Decimal(0), decimal.ROUND_CEILING)


@builtin("round up", "n,scale")
def _round_up(n: Any, scale: Any) -> Any:
    return _scale(n, scale, decimal.ROUND_UP)


@builtin("round down", "n,scale")
def _round_down(n: Any, scale: Any) -> Any:
    return _scale(n, scale, decimal.ROUND_DOWN)


@builtin("round half up", "n,scale")
def _round_half_up(n: Any, scale: Any) -> Any:
    return _scale(n, scale, decimal.ROUND_HALF_UP)


@builtin("round half down", "n,scale")
def _round_half_down(n: Any, scale: Any) -> Any:
    return _scale(n, scale, decimal.ROUND_HALF_DOWN)


@builtin("abs", "n")
def _abs(n: Any) -> Any:
    import datetime as dt

    from .values import YMDuration
    if isinstance(n, dt.timedelta):
        return abs(n)
    if isinstance(n, YMDuration):
        return YMDuration(abs(n.months))
    return abs(_num(n))


@builtin("modulo", "dividend,divisor")
def _modulo(a: Any, b: Any) -> Any:
    a, b = _num(a), _num(b)
    if b == 0:
        return None
    q = DECIMAL.divide(a, b).to_integral_value(rounding=decimal.ROUND_FLOOR)
    return DECIMAL.subtract(a, DECIMAL.multiply(b, q))


@builtin("sqrt", "number")
def _sqrt(n: Any) -> Any:
    n = _num(n)
    return None if n < 0 else DECIMAL.sqrt(n)


@builtin("log", "number")
def _log(n: Any) -> Any:
    n = _num(n)
    return None if n <= 0 else DECIMAL.ln(n)


@builtin("exp", "number")
def _exp(n: Any) -> Any:
    return DECIMAL.exp(_num(n))


@builtin("odd", "number")
def _odd(n: Any) -> Any:
    n = _num(n)
    return None if n % 1 else n % 2 != 0


@builtin("even", "number")
def _even(n: Any) -> Any:
    n = _num(n)
    return None if n % 1 else n % 2 == 0


@builtin("number", "from", "from,grouping separator,decimal separator")
def _number(s: Any, group: Any = None, dec: Any = None) -> Any:
    if not isinstance(s, str):
        return None
    if group not in (None, " ", ",", ".") or dec not in (None, ",", "."):
        return None
    if group is not None and group == dec:
        return None
    if group:
        s = s.replace(group, "")
    if dec:
        s = s.replace(dec, ".")
    s = s.strip()
    if not s or not all(c in "0123456789.-+eE" for c in s):
        return None
    return DECIMAL.create_decimal(s)
