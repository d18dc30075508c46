"""Camunda's typed variables, `{"value", "type", "valueInfo"}`, to and from our plain JSON variables.

In: String, Short, Integer, Long, Double, Boolean, Date, Json, Object (JSON-serialized only) and Null, or
no type (the JSON value as it is). Out: the type is read off the JSON value, so what a Camunda client
sends comes back with the same type, except that a serialized Object comes back as Json. Where the JSON
value does not tell the type (a Long or Short that fits 32 bits, a String that reads as a Date) the declared
type is kept with the instance (`declared_types`, the instance's `variable_types`) and served while the value
still fits it. Dates are stored as text in Camunda's own format, normalized to UTC
(`2026-01-31T09:00:00.000+0000`), and only text of exactly that form is reported as a Date.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from ...exceptions import BadRequest
from .base import camunda_time, parse_camunda_time

RANGES = {"Short": 16, "Integer": 32, "Long": 64}
_DATE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d{4}")
UNSUPPORTED = ("Bytes", "File")


def _fail(name: str, type_: str, value: Any, why: str | None = None) -> BadRequest:
    text = json.dumps(value)[:80] if not isinstance(value, str) else value[:80]
    return BadRequest(f"Cannot convert value '{text}' of variable '{name}' to type {type_}"
                      + (f": {why}" if why else ""))


def _integer(name: str, type_: str, value: Any) -> int:
    if isinstance(value, bool):
        raise _fail(name, type_, value)
    if isinstance(value, str):
        try:
            value = int(value.strip())
        except ValueError:
            raise _fail(name, type_, value) from None
    if isinstance(value, float):
        if not value.is_integer():
            raise _fail(name, type_, value, "not a whole number")
        value = int(value)
    if not isinstance(value, int):
        raise _fail(name, type_, value)
    bits = RANGES[type_]
    if not -(2 ** (bits - 1)) <= value < 2 ** (bits - 1):
        raise _fail(name, type_, value, f"outside the {bits}-bit range")
    return value


def _double(name: str, value: Any) -> float:
    if isinstance(value, bool):
        raise _fail(name, "Double", value)
    try:
        number = float(value.strip() if isinstance(value, str) else value)
    except (TypeError, ValueError):
        raise _fail(name, "Double", value) from None
    if not math.isfinite(number):
        raise _fail(name, "Double", value, "not a finite number")
    return number


def _boolean(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise _fail(name, "Boolean", value)


def _json(name: str, type_: str, value: Any) -> Any:
    if not isinstance(value, str):
        return value  # already JSON: a client that sent the object itself
    try:
        return json.loads(value)
    except ValueError:
        raise _fail(name, type_, value, "not valid JSON") from None


def _date(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise _fail(name, "Date", value)
    try:
        return camunda_time(parse_camunda_time(value))  # type: ignore[return-value]
    except ValueError:
        raise _fail(name, "Date", value, "expected yyyy-MM-dd'T'HH:mm:ss.SSSZ, e.g. 2026-01-31T09:00:00.000+0100") \
            from None


def from_typed_value(name: str, typed: Any) -> Any:
    """One Camunda variable value object to our JSON value (400 for a value that does not fit its type)."""
    if not isinstance(typed, dict):
        raise BadRequest(f"variable '{name}' must be an object such as {{\"value\": 42, \"type\": \"Integer\"}}")
    value = typed.get("value")
    type_ = typed.get("type")
    if isinstance(type_, str):
        type_ = type_[:1].upper() + type_[1:]  # Camunda accepts "string" as well as "String"
    if type_ in (None, ""):
        return value
    if type_ == "Null" or value is None:
        return None
    if type_ == "String":
        if isinstance(value, (dict, list)):
            raise _fail(name, type_, value)
        return value if isinstance(value, str) else json.dumps(value)
    if type_ in RANGES:
        return _integer(name, type_, value)
    if type_ == "Double":
        return _double(name, value)
    if type_ == "Boolean":
        return _boolean(name, value)
    if type_ == "Date":
        return _date(name, value)
    if type_ == "Json":
        return _json(name, type_, value)
    if type_ == "Object":
        info = typed.get("valueInfo") or {}
        if info.get("serializationDataFormat", "application/json") != "application/json":
            raise BadRequest(f"variable '{name}': only JSON-serialized objects are supported "
                             f"(serializationDataFormat application/json), not {info.get('serializationDataFormat')}")
        return _json(name, type_, value)
    if type_ in UNSUPPORTED:
        raise BadRequest(f"variable '{name}': type {type_} is not supported; send files through your own storage "
                         "and pass a reference")
    raise BadRequest(f"variable '{name}': unsupported value type '{type_}'")


def from_typed(variables: Any, field: str = "variables") -> dict[str, Any]:
    """A Camunda variables map (`{name: {"value", "type", "valueInfo"}}`) to plain JSON variables."""
    if variables is None:
        return {}
    if not isinstance(variables, dict):
        raise BadRequest(f"{field} must be an object of variable names to value objects")
    return {name: from_typed_value(name, typed) for name, typed in variables.items()}


def declared_types(variables: Any) -> dict[str, str]:
    """The types a client declared that its values, once plain JSON, would not tell: `{name: type}` for a Long
    or Short within 32 bits and a String that reads as a Date (call after `from_typed` accepted them)."""
    if not isinstance(variables, dict):
        return {}
    found = {}
    for name, typed in variables.items():
        declared = typed.get("type") if isinstance(typed, dict) else None
        if not isinstance(declared, str) or not declared:
            continue
        declared = declared[:1].upper() + declared[1:]
        if declared in ("Short", "Long", "String") and typed.get("value") is not None:
            value = from_typed_value(name, typed)
            if type_of(value) != declared and _fits(declared, value):
                found[name] = declared
    return found


def _fits(declared: str, value: Any) -> bool:
    if declared in RANGES:
        bits = RANGES[declared]
        return isinstance(value, int) and not isinstance(value, bool) and -(2 ** (bits - 1)) <= value < 2 ** (
            bits - 1)
    return declared == "String" and isinstance(value, str)


def type_of(value: Any) -> str:
    if value is None:
        return "Null"
    if isinstance(value, bool):
        return "Boolean"
    if isinstance(value, int):
        return "Integer" if -(2**31) <= value < 2**31 else "Long"
    if isinstance(value, float):
        return "Double"
    if isinstance(value, str):
        return "Date" if _DATE.fullmatch(value) else "String"
    return "Json"


def to_typed_value(value: Any, declared: str | None = None) -> dict[str, Any]:
    """One value as Camunda serves it; `declared`: the type its client declared, served while the value fits it."""
    type_ = declared if declared and _fits(declared, value) else type_of(value)
    if type_ == "Json":
        # Camunda serves Json (Spin) values as their JSON text.
        return {"type": "Json", "value": json.dumps(value, separators=(",", ":")), "valueInfo": {}}
    return {"type": type_, "value": value, "valueInfo": {}}


def to_typed(variables: dict[str, Any] | None, names: list[str] | None = None,
             types: dict[str, str] | None = None) -> dict[str, Any]:
    """Our variables as a Camunda variables map; only `names` when given (a fetch's `variables` list); `types`:
    the types declared for them (the instance's `variable_types`)."""
    variables, types = variables or {}, types or {}
    keys = [n for n in names if n in variables] if names is not None else list(variables)
    return {name: to_typed_value(variables[name], types.get(name)) for name in keys}
