"""typeRef conformance and coercion (DMN 1.5 10.3.2.9): a value that does not conform becomes null."""

from __future__ import annotations

from typing import Any

from bpmn_server.feel.types import SIMPLE_TYPES
from bpmn_server.feel.values import Function

from .model import ItemDef

_ALIASES = {"dateTime": "date and time", "dayTimeDuration": "days and time duration",
            "yearMonthDuration": "years and months duration", "decimal": "number", "integer": "number",
            "double": "number", "int": "number"}
_BUILTIN = {**SIMPLE_TYPES, "Any": lambda v: True}


def normalize(type_ref: str | None, items: dict[str, ItemDef]) -> str | None:
    if not type_ref:
        return None
    t = type_ref.strip()
    if t in items:
        return t
    if ":" in t and not t.startswith(("list<", "context<", "range<", "function<")):
        t = t.split(":", 1)[1]
    return _ALIASES.get(t, t)


def conforms(v: Any, type_ref: str | None, items: dict[str, ItemDef], values: bool = True) -> bool:
    """Does `v` conform to the type? `values`: allowed values count too (`instance of` ignores them)."""
    t = normalize(type_ref, items)
    if t is None or v is None:
        return True
    item = items.get(t)
    if item is not None:
        return _item_conforms(v, item, items, values)
    if t.startswith("list<") and t.endswith(">"):
        return isinstance(v, list) and all(conforms(x, t[5:-1], items, values) for x in v)
    check = _BUILTIN.get(t)
    return True if check is None else check(v)


def _item_conforms(v: Any, item: ItemDef, items: dict[str, ItemDef], values: bool = True) -> bool:
    if item.is_collection:
        if not isinstance(v, list):
            return False
        single = ItemDef(item.name, item.type_ref, False, item.components, item.allowed, item.function)
        return all(x is None or _item_conforms(x, single, items, values) for x in v)
    if item.function:
        return isinstance(v, Function)
    if item.components is not None:
        if not isinstance(v, dict):
            return False
        return all(k in v and (c is None or v[k] is None or _item_conforms(v[k], c, items, values))
                   for k, c in item.components.items())
    if item.type_ref and not conforms(v, item.type_ref, items, values):
        return False
    if item.allowed is not None and values:
        from bpmn_server.feel import Env
        return item.allowed.matches_in(v, Env({})) is True
    return True


def is_collection(type_ref: str | None, items: dict[str, ItemDef]) -> bool:
    t = normalize(type_ref, items)
    if t is None:
        return False
    item = items.get(t)
    return bool(item and item.is_collection) or t == "list" or t.startswith("list<")


def coerce(v: Any, type_ref: str | None, items: dict[str, ItemDef]) -> Any:
    """The value as the typeRef wants it: a singleton list unwrapped, or null when it does not conform."""
    if v is None or not type_ref:
        return v
    if conforms(v, type_ref, items):
        return v
    if isinstance(v, list) and len(v) == 1 and not is_collection(type_ref, items):
        return coerce(v[0], type_ref, items)
    if not isinstance(v, list) and is_collection(type_ref, items) and conforms([v], type_ref, items):
        return [v]
    return None
