"""Range built-ins (DMN 1.5 10.3.4.9: before, after, meets, overlaps, includes, ...) and `range(string)`."""

from __future__ import annotations

from typing import Any

from . import ops
from .registry import builtin
from .values import Range


def _r(v: Any) -> Range:
    """A point is the degenerate range [p..p]."""
    if isinstance(v, Range):
        return v
    if v is None:
        raise TypeError("null")
    return Range(v, v, True, True)


def _lt(a: Any, b: Any) -> bool:
    c = ops.compare(a, b)
    if c is None:
        raise TypeError("not comparable")
    return c < 0


def _eq(a: Any, b: Any) -> bool:
    c = ops.compare(a, b)
    if c is None:
        raise TypeError("not comparable")
    return c == 0


def _before(a: Range, b: Range) -> bool:
    if a.end_unbounded or b.start_unbounded:
        return False
    return _lt(a.end, b.start) or (_eq(a.end, b.start) and not (a.end_included and b.start_included))


@builtin("before", "point1,point2", "point,range", "range,point", "range1,range2")
def _f_before(a: Any, b: Any) -> Any:
    return _before(_r(a), _r(b))


@builtin("after", "point1,point2", "point,range", "range,point", "range1,range2")
def _f_after(a: Any, b: Any) -> Any:
    return _before(_r(b), _r(a))


def _meets(a: Range, b: Range) -> bool:
    return a.end_included and b.start_included and _eq(a.end, b.start)


@builtin("meets", "range1,range2")
def _f_meets(a: Any, b: Any) -> Any:
    return _meets(_r(a), _r(b))


@builtin("met by", "range1,range2")
def _f_met_by(a: Any, b: Any) -> Any:
    return _meets(_r(b), _r(a))


def _starts_before_start(a: Range, b: Range) -> bool:
    """a's start is strictly before b's start."""
    if b.start_unbounded:
        return False
    if a.start_unbounded:
        return True
    return _lt(a.start, b.start) or (_eq(a.start, b.start) and a.start_included and not b.start_included)


def _ends_after_end(a: Range, b: Range) -> bool:
    if b.end_unbounded:
        return False
    if a.end_unbounded:
        return True
    return _lt(b.end, a.end) or (_eq(a.end, b.end) and a.end_included and not b.end_included)


def _start_le_end(a: Range, b: Range) -> bool:
    """a starts no later than b ends, sharing a point."""
    if a.start_unbounded or b.end_unbounded:
        return True
    return _lt(a.start, b.end) or (_eq(a.start, b.end) and a.start_included and b.end_included)


def _overlaps_before(a: Range, b: Range) -> bool:
    return _starts_before_start(a, b) and _start_le_end(b, a) and not _ends_after_end(a, b)


@builtin("overlaps", "range1,range2")
def _f_overlaps(a: Any, b: Any) -> Any:
    a, b = _r(a), _r(b)
    return _start_le_end(a, b) and _start_le_end(b, a)


@builtin("overlaps before", "range1,range2")
def _f_overlaps_before(a: Any, b: Any) -> Any:
    return _overlaps_before(_r(a), _r(b))


@builtin("overlaps after", "range1,range2")
def _f_overlaps_after(a: Any, b: Any) -> Any:
    return _overlaps_before(_r(b), _r(a))


def _includes(a: Range, b: Range) -> bool:
    return not _starts_before_start(b, a) and not _ends_after_end(b, a)


@builtin("includes", "range,point", "range1,range2")
def _f_includes(a: Any, b: Any) -> Any:
    return _includes(_r(a), _r(b))


@builtin("during", "point,range", "range1,range2")
def _f_during(a: Any, b: Any) -> Any:
    return _includes(_r(b), _r(a))


def _same_start(a: Range, b: Range) -> bool:
    if a.start_unbounded or b.start_unbounded:
        return a.start_unbounded == b.start_unbounded
    return _eq(a.start, b.start) and a.start_included == b.start_included


def _same_end(a: Range, b: Range) -> bool:
    if a.end_unbounded or b.end_unbounded:
        return a.end_unbounded == b.end_unbounded
    return _eq(a.end, b.end) and a.end_included == b.end_included


@builtin("starts", "point,range", "range1,range2")
def _f_starts(a: Any, b: Any) -> Any:
    a, b = _r(a), _r(b)
    return _same_start(a, b) and not _ends_after_end(a, b)


@builtin("started by", "range,point", "range1,range2")
def _f_started_by(a: Any, b: Any) -> Any:
    return _f_starts(b, a)


@builtin("finishes", "point,range", "range1,range2")
def _f_finishes(a: Any, b: Any) -> Any:
    a, b = _r(a), _r(b)
    return _same_end(a, b) and not _starts_before_start(a, b)


@builtin("finished by", "range,point", "range1,range2")
def _f_finished_by(a: Any, b: Any) -> Any:
    return _f_finishes(b, a)


@builtin("coincides", "point1,point2", "range1,range2")
def _f_coincides(a: Any, b: Any) -> Any:
    a, b = _r(a), _r(b)
    return _same_start(a, b) and _same_end(a, b)


@builtin("range", "from")
def _range(text: Any) -> Any:
    from .api import compile_expression  # a range literal is parsed like any expression
    from .parser import Parser
    if not isinstance(text, str):
        return None
    node = Parser(text).expression()
    if node[0] == "range" and not all(_literal_end(e) for e in (node[3], node[4])):
        return None  # only literals (and temporal constructors of string literals) may bound it
    v = compile_expression(text).evaluate({})
    if not isinstance(v, Range):
        return None
    for x in (v.start, v.end):
        if x is not None and ops.compare(x, x) is None:
            return None
    if v.start is None or v.end is None or ops.compare(v.start, v.end) > 0:
        return None
    return v


def _literal_end(node: tuple) -> bool:
    kind = node[0]
    if kind in ("num", "str", "at"):
        return True
    if kind == "neg":
        return node[2][0] == "num"
    if kind == "call" and node[2][0] == "name" and node[2][2] in ("date", "time", "date and time", "duration"):
        style, args = node[3]
        return style == "pos" and len(args) == 1 and args[0][0] == "str"
    return False
