"""JSONPath for Camunda Spin's `jsonPath(...)` (Spin uses Jayway JsonPath), on plain JSON values.

The subset: `$`, `.name`, `['name']`, `[n]` (negative counts from the end), `[*]` and `.*`, `..name` and `..*`
(recursive descent), unions `[0,2]` / `['a','b']`, slices `[1:3]`, and filters `[?(@.path)]` (the path exists)
and `[?(@.path OP literal)]` with OP one of == != < <= > >= and a number, quoted string, true, false or null.
Anything else raises SpinError naming the path. js_spin.py has the same grammar in JavaScript.

A definite path (only names and single indexes) gives the one value it names, or SpinError if there is none (as
Jayway's PathNotFoundException); any other path gives the list of what it matched, maybe empty.
"""

from __future__ import annotations

import re
from typing import Any


class SpinError(ValueError):
    """A Spin call that fails (Camunda's SpinJsonException and its kinds)."""


_FILTER = re.compile(r"^\?\(\s*@((?:\.[A-Za-z_$][\w$]*|\[\d+\])*)\s*(?:(==|!=|<=|>=|<|>)\s*(.+?))?\s*\)$")
_STEP = re.compile(r"\.\.|\.|\[")


def _literal(text: str, path: str) -> Any:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    words = {"true": True, "false": False, "null": None}
    if text in words:
        return words[text]
    try:
        return float(text) if any(c in text for c in ".eE") else int(text)
    except ValueError:
        raise SpinError(f"JSONPath '{path}': {text!r} is not a literal") from None


def _parse(path: str) -> list[tuple[str, Any]]:
    """The steps of `path`: (kind, argument), kind one of name, index, wild, deep, union, slice, filter."""
    if not path.startswith("$"):
        raise SpinError(f"JSONPath '{path}' must start with '$'")
    steps: list[tuple[str, Any]] = []
    i, n = 1, len(path)
    while i < n:
        if path.startswith("..", i):
            i += 2
            m = re.compile(r"\*|[A-Za-z_$][\w$-]*").match(path, i)
            if m is None:
                raise SpinError(f"JSONPath '{path}': a name or '*' must follow '..'")
            steps.append(("deep", None if m.group(0) == "*" else m.group(0)))
            i = m.end()
        elif path[i] == ".":
            m = re.compile(r"\*|[A-Za-z_$][\w$-]*").match(path, i + 1)
            if m is None:
                raise SpinError(f"JSONPath '{path}': a name must follow '.' at position {i + 1}")
            steps.append(("wild", None) if m.group(0) == "*" else ("name", m.group(0)))
            i = m.end()
        elif path[i] == "[":
            end = _closing(path, i)
            steps.append(_bracket(path[i + 1:end].strip(), path))
            i = end + 1
        else:
            raise SpinError(f"JSONPath '{path}': unexpected {path[i]!r} at position {i + 1}")
    return steps


def _closing(path: str, start: int) -> int:
    quote, depth = None, 0
    for j in range(start, len(path)):
        c = path[j]
        if quote:
            quote = None if c == quote else quote
        elif c in "'\"":
            quote = c
        elif c in "[(":
            depth += 1
        elif c in "])":
            depth -= 1
            if depth == 0 and c == "]":
                return j
    raise SpinError(f"JSONPath '{path}': '[' at position {start + 1} is not closed")


def _bracket(inner: str, path: str) -> tuple[str, Any]:
    if inner == "*":
        return "wild", None
    if inner.startswith("?"):
        m = _FILTER.match(inner)
        if m is None:
            raise SpinError(f"JSONPath '{path}': the filter [{inner}] is not supported here (filters compare one "
                            "property of @ with a literal)")
        keys = [k[1:] if k.startswith(".") else int(k[1:-1]) for k in re.findall(r"\.[^.\[]+|\[\d+\]", m.group(1))]
        return "filter", (keys, m.group(2), None if m.group(2) is None else _literal(m.group(3), path))
    if ":" in inner:
        parts = inner.split(":")
        try:
            bounds = [int(p) if p.strip() else None for p in parts[:2]]
        except ValueError:
            raise SpinError(f"JSONPath '{path}': [{inner}] is not a slice") from None
        return "slice", tuple(bounds)
    items = [_literal(p, path) for p in _split(inner)]
    if not items or not all(isinstance(x, str) or (isinstance(x, int) and not isinstance(x, bool)) for x in items):
        raise SpinError(f"JSONPath '{path}': [{inner}] is neither names nor indexes")
    if len(items) == 1:
        return ("name", items[0]) if isinstance(items[0], str) else ("index", items[0])
    return "union", items


def _split(inner: str) -> list[str]:
    parts, quote, current = [], None, ""
    for c in inner:
        if quote:
            quote = None if c == quote else quote
        elif c in "'\"":
            quote = c
        elif c == ",":
            parts.append(current)
            current = ""
            continue
        current += c
    return [*parts, current]


def _children(value: Any) -> list[Any]:
    return list(value.values()) if isinstance(value, dict) else list(value) if isinstance(value, list) else []


def _descend(value: Any) -> list[Any]:
    out, stack = [], [value]
    while stack:
        item = stack.pop()
        out.append(item)
        stack.extend(reversed(_children(item)))
    return out


def _select(value: Any, kind: str, arg: Any) -> list[Any]:
    if kind == "name":
        return [value[arg]] if isinstance(value, dict) and arg in value else []
    if kind == "index":
        if isinstance(value, list) and -len(value) <= arg < len(value):
            return [value[arg]]
        return []
    if kind == "wild":
        return _children(value)
    if kind == "union":
        return [x for a in arg for x in _select(value, "name" if isinstance(a, str) else "index", a)]
    if kind == "slice":
        return value[arg[0]:arg[1]] if isinstance(value, list) else []
    if kind == "deep":
        nodes = _descend(value)
        return [c for node in nodes for c in _children(node)] if arg is None else \
            [node[arg] for node in nodes if isinstance(node, dict) and arg in node]
    keys, op, literal = arg
    return [item for item in _children(value) if _matches(item, keys, op, literal)]


def _matches(item: Any, keys: list[Any], op: str | None, literal: Any) -> bool:
    for key in keys:
        found = _select(item, "name" if isinstance(key, str) else "index", key)
        if not found:
            return False
        item = found[0]
    if op is None:
        return True
    if op in ("==", "!="):
        same = item == literal and isinstance(item, bool) == isinstance(literal, bool)
        return same if op == "==" else not same
    numbers = all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in (item, literal))
    if not numbers and not (isinstance(item, str) and isinstance(literal, str)):
        return False
    return {"<": item < literal, "<=": item <= literal, ">": item > literal, ">=": item >= literal}[op]


def query(value: Any, path: str) -> Any:
    """What `path` selects in `value` (see the module's docstring)."""
    steps = _parse(path.strip())
    matches = [value]
    for kind, arg in steps:
        matches = [x for m in matches for x in _select(m, kind, arg)]
    if all(kind in ("name", "index") for kind, _ in steps):
        if not matches:
            raise SpinError(f"Unable to find json path '{path}'")
        return matches[0]
    return matches
