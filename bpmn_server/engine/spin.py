"""Camunda Spin's JSON API (`S(...)`, `JSON(...)`) for JUEL expressions: a SpinJson wraps one node of a plain JSON
value (dict, list, str, number, bool, None) and has Spin's methods (SPIN_METHODS, called through
juel_runtime.juel_call). js_spin.py is the same API for JavaScript.

Nodes are views: `S(x).prop("a")` shares the dict of its parent, so `prop("a").prop("b", 1)` changes the whole
tree, as with Spin's Jackson nodes. `S()` of a variable that is a dict or list works on a copy (Spin maps a Java
object into a new tree). What leaves an expression is plain JSON again (`plain`): a Spin value stored as a
variable is stored as its JSON value. Spin XML (`XML()`, `S()` of XML text) is not offered: SpinError says so.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

from .spin_path import SpinError, query

__all__ = ["SPIN_METHODS", "SpinError", "SpinJson", "plain", "spin_json", "spin_s", "table_of", "variable_node"]

XML_REFUSED = ("Spin XML is not supported here (no XML(), and S() reads JSON only): only Camunda Spin's JSON API "
               "runs")


class SpinJson:
    """One node of a JSON tree, with Spin's methods."""

    __slots__ = ("node",)

    def __init__(self, node: Any):
        self.node = node

    def __repr__(self) -> str:
        return _text(self.node)


class SpinPathQuery:
    """The result of `jsonPath(path)`: element(), elements() and the typed values of what the path selects."""

    __slots__ = ("path", "root")

    def __init__(self, root: Any, path: Any):
        if not isinstance(path, str):
            raise SpinError("jsonPath() takes the path as a string")
        self.root, self.path = root, path

    def element(self) -> SpinJson:
        return SpinJson(query(self.root, self.path))


def _text(node: Any) -> str:
    return json.dumps(node, separators=(",", ":"), ensure_ascii=False)


def _kind(node: Any) -> str:
    if node is None:
        return "NULL"
    if isinstance(node, bool):
        return "BOOLEAN"
    if isinstance(node, (int, float)):
        return "NUMBER"
    if isinstance(node, str):
        return "STRING"
    return "ARRAY" if isinstance(node, list) else "OBJECT"


def _json_of(value: Any) -> Any:
    """A value as a JSON node: a SpinJson's node, or a plain value (a tuple is a list)."""
    if isinstance(value, SpinJson):
        return value.node
    if isinstance(value, SpinPathQuery):
        raise SpinError("a jsonPath() query is not a JSON value: call element() on it first")
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (list, tuple)):
        return [_json_of(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _json_of(v) for k, v in value.items()}
    raise SpinError(f"Spin cannot map a {type(value).__name__} to JSON")


def _parse(text: str) -> Any:
    if text.lstrip().startswith("<"):
        raise SpinError(XML_REFUSED)
    try:
        return json.loads(text)
    except ValueError as exc:
        raise SpinError(f"Spin cannot read the text as JSON: {exc}") from None


def spin_json(value: Any) -> SpinJson:
    """`JSON(value)` and `S(value)`: JSON text parsed, a Spin value as it is, a map or list as a copy."""
    if isinstance(value, SpinJson):
        return value
    if value is None:
        raise SpinError("S()/JSON() of null: Spin needs a value")
    if isinstance(value, str):
        return SpinJson(_parse(value))
    return SpinJson(copy.deepcopy(_json_of(value)))


spin_s = spin_json  # S() detects the data format; here JSON is the only one (XML text raises SpinError)


def plain(value: Any) -> Any:
    """A value leaving an expression: a Spin node as its JSON value (also inside a list)."""
    if isinstance(value, SpinJson):
        return value.node
    if isinstance(value, list) and any(isinstance(v, SpinJson) for v in value):
        return [plain(v) for v in value]
    if isinstance(value, SpinPathQuery):
        raise SpinError("a jsonPath() query cannot be a variable: call element() on it first")
    return value


def _typed(node: Any, wanted: str) -> Any:
    if _kind(node) != wanted:
        raise SpinError(f"Expected '{wanted}', got '{_kind(node)}'")
    return node


def _object(node: Any, what: str) -> dict[str, Any]:
    if not isinstance(node, dict):
        raise SpinError(f"{what} needs a JSON object, not {_kind(node)}")
    return node


def _array(node: Any, what: str) -> list[Any]:
    if not isinstance(node, list):
        raise SpinError(f"{what} needs a JSON array, not {_kind(node)}")
    return node


def _inserted(target: Any, value: Any) -> Any:
    """The node to put into `target`: shared as Jackson shares it, copied if it holds `target` (no cycles)."""
    node = _json_of(value)
    stack = [node]
    while stack:
        item = stack.pop()
        if item is target:
            return copy.deepcopy(node)
        if isinstance(item, (dict, list)):
            stack.extend(item.values() if isinstance(item, dict) else item)
    return node


def _same(a: Any, b: Any) -> bool:
    return a == b and isinstance(a, bool) == isinstance(b, bool)


def _index(items: list[Any], value: Any, last: bool = False) -> int:
    search = _json_of(value)
    order = range(len(items) - 1, -1, -1) if last else range(len(items))
    found = next((i for i in order if _same(items[i], search)), None)
    if found is None:
        raise SpinError(f"Unable to find {_text(search)} in the array")
    return found


def _position(items: list[Any], index: Any, extra: int = 0) -> int:
    if not isinstance(index, int) or isinstance(index, bool):
        raise SpinError("the index must be a whole number")
    at = index + len(items) if index < 0 else index
    if not 0 <= at < len(items) + extra:
        raise SpinError(f"index {index} is out of bounds for an array of size {len(items)}")
    return at


def _prop(s: SpinJson, name: Any, *value: Any) -> Any:
    obj = _object(s.node, "prop()")
    if value:
        obj[str(name)] = _inserted(obj, value[0])
        return s
    if name not in obj:
        raise SpinError(f"Unable to find '{name}'")
    return SpinJson(obj[name])


def _delete(s: SpinJson, names: Any) -> SpinJson:
    obj = _object(s.node, "deleteProp()")
    for name in names if isinstance(names, (list, tuple)) else [names]:
        if name not in obj:
            raise SpinError(f"Unable to find '{name}'")
        del obj[name]
    return s


def _insert(s: SpinJson, at: int, value: Any) -> SpinJson:
    items = _array(s.node, "inserting")
    items.insert(at, _inserted(items, value))
    return s


def _remove_at(s: SpinJson, at: int) -> SpinJson:
    del _array(s.node, "removing")[at]
    return s


def _field_names(node: Any) -> list[str]:
    if isinstance(node, list):
        return []
    return list(_object(node, "fieldNames()"))


def _value(node: Any) -> Any:
    if node is None or isinstance(node, (dict, list)):
        raise SpinError(f"Expected 'String/Number/Boolean', got '{_kind(node)}'")
    return node


_NODE_METHODS: dict[str, Callable[..., Any]] = {
    "prop": _prop,
    "hasProp": lambda s, name: isinstance(s.node, dict) and name in s.node,
    "deleteProp": _delete,
    "fieldNames": lambda s: _field_names(s.node),
    "elements": lambda s: [SpinJson(x) for x in _array(s.node, "elements()")],
    "isObject": lambda s: isinstance(s.node, dict),
    "isArray": lambda s: isinstance(s.node, list),
    "isString": lambda s: isinstance(s.node, str),
    "isNumber": lambda s: _kind(s.node) == "NUMBER",
    "isBoolean": lambda s: isinstance(s.node, bool),
    "isNull": lambda s: s.node is None,
    "isValue": lambda s: not isinstance(s.node, (dict, list)),
    "stringValue": lambda s: _typed(s.node, "STRING"),
    "numberValue": lambda s: _typed(s.node, "NUMBER"),
    "boolValue": lambda s: _typed(s.node, "BOOLEAN"),
    "value": lambda s: _value(s.node),
    "toString": lambda s: _text(s.node),
    "equals": lambda s, other: isinstance(other, SpinJson) and _same(s.node, other.node),
    "indexOf": lambda s, v: _index(_array(s.node, "indexOf()"), v),
    "lastIndexOf": lambda s, v: _index(_array(s.node, "lastIndexOf()"), v, last=True),
    "contains": lambda s, v: any(_same(x, _json_of(v)) for x in _array(s.node, "contains()")),
    "append": lambda s, v: _insert(s, len(_array(s.node, "append()")), v),
    "insertAt": lambda s, i, v: _insert(s, _position(_array(s.node, "insertAt()"), i, extra=1), v),
    "insertBefore": lambda s, search, v: _insert(s, _index(_array(s.node, "insertBefore()"), search), v),
    "insertAfter": lambda s, search, v: _insert(s, _index(_array(s.node, "insertAfter()"), search) + 1, v),
    "remove": lambda s, v: _remove_at(s, _index(_array(s.node, "remove()"), v)),
    "removeLast": lambda s, v: _remove_at(s, _index(_array(s.node, "removeLast()"), v, last=True)),
    "removeAt": lambda s, i: _remove_at(s, _position(_array(s.node, "removeAt()"), i)),
    "jsonPath": lambda s, path: SpinPathQuery(s.node, path),
}
_QUERY_METHODS: dict[str, Callable[..., Any]] = {
    "element": SpinPathQuery.element,
    "elements": lambda q: _NODE_METHODS["elements"](q.element()),
    "stringValue": lambda q: _typed(q.element().node, "STRING"),
    "numberValue": lambda q: _typed(q.element().node, "NUMBER"),
    "boolValue": lambda q: _typed(q.element().node, "BOOLEAN"),
}
SPIN_METHODS = frozenset(_NODE_METHODS) | frozenset(_QUERY_METHODS)


# Methods that change the node: on a map or list variable called as a Spin node, they work on a copy.
_MUTATORS = frozenset({"deleteProp", "append", "insertAt", "insertBefore", "insertAfter", "remove", "removeLast",
                       "removeAt"})


def variable_node(value: Any, method: str, args: tuple[Any, ...]) -> SpinJson | None:
    """A map or list variable called with a Spin method that maps and lists lack (`customer.prop("age")`): in
    Camunda such a variable is a Spin JSON value (stored here as its JSON), so it answers as a Spin node. None if
    the method is not Spin's."""
    if method not in _NODE_METHODS or not isinstance(value, (dict, list)):
        return None
    changes = method in _MUTATORS or (method == "prop" and len(args) > 1)
    return SpinJson(copy.deepcopy(value) if changes else value)


def table_of(value: Any) -> dict[str, Callable[..., Any]] | None:
    """Spin's methods for a Spin value, None for any other value."""
    if isinstance(value, SpinJson):
        return _NODE_METHODS
    if isinstance(value, SpinPathQuery):
        return _QUERY_METHODS
    return None
