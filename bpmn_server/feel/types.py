"""`instance of`: FEEL's type names and the type a value conforms to."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from .values import Function, Range, YMDuration

# A scope entry that answers `value instance of NAME` for the types a DMN model defines: (value, name) -> bool.
TYPE_RESOLVER = "\x00types"

SIMPLE_TYPES = {  # FEEL's built-in types: name -> is a value of it (dmn/typeref.py uses it too)
    "number": lambda v: type(v) is Decimal,
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "date": lambda v: isinstance(v, dt.date) and not isinstance(v, dt.datetime),
    "date and time": lambda v: isinstance(v, dt.datetime),
    "time": lambda v: isinstance(v, dt.time),
    "days and time duration": lambda v: isinstance(v, dt.timedelta),
    "years and months duration": lambda v: isinstance(v, YMDuration),
    "list": lambda v: isinstance(v, list),
    "context": lambda v: isinstance(v, dict),
    "range": lambda v: isinstance(v, Range),
    "function": lambda v: isinstance(v, Function),
}


def instance_of(v: Any, typ: tuple) -> bool:
    name = typ[1]
    if name == "Any":
        return v is not None
    if name == "Null":
        return v is None
    if v is None:
        return False
    if name == "list" and len(typ) > 2:
        return isinstance(v, list) and all(x is None or instance_of(x, typ[2]) for x in v)
    if name == "range" and len(typ) > 2:
        return isinstance(v, Range) and all(x is None or instance_of(x, typ[2]) for x in (v.start, v.end))
    if name == "context" and len(typ) > 2:
        return isinstance(v, dict) and all(k in v and instance_of(v[k], t) for k, t in typ[2])
    if name == "function" and len(typ) > 2:
        return isinstance(v, Function) and len(v.params) == len(typ[2])
    check = SIMPLE_TYPES.get(name)
    return bool(check and check(v))


KNOWN_TYPES = frozenset({*SIMPLE_TYPES, "Any", "Null"})
