"""The auditor's searches in the history: by business key, by a variable's value, by text in comments.

- business key: the events of the instances with that business key (one probe of its index);
- variable: the events of the instances in which the variable had the value at some point: given at the
  start, submitted with a task, set by a repair, held at the end (the events' data), or held now (the
  instance's variables). The value is compared as JSON would read it (`800` is the number or the text
  "800", `true` the boolean), so an auditor types it as it was entered;
- comment: the comments (`comment.added`) and task completions with a comment that contain the text,
  case-insensitively.
These read JSON in the events' `data`, which no index covers: they scan the events of the types that
carry variables or comments. Combined with the indexed filters (process, instance, time) they stay narrow.
"""

from __future__ import annotations

import json
import re
from typing import Any

from sqlalchemy import func, or_, select

from models import Event, Instance

from ..db import is_postgres
from ..exceptions import Invalid

NAME = re.compile(r"^[^\"\\\x00-\x1f]{1,255}$")  # what a JSON path may quote (SQLite's json_extract)
CARRIERS = {  # event type -> where its data holds variables
    "instance.started": ("variables",), "task.completed": ("variables",), "instance.completed": ("variables",),
    "variables.updated": ("set",),
}


def _field(column: Any, *path: str) -> Any:
    """A JSON member as SQL: text on PostgreSQL, the typed SQL value on SQLite."""
    if is_postgres():
        return func.json_extract_path_text(column, *path)
    return func.json_extract(column, "$" + "".join(f'."{p}"' for p in path))


def _candidates(raw: str) -> list[Any]:
    """The SQL values a JSON member equal to what the auditor typed may read as."""
    try:
        typed = json.loads(raw)
    except ValueError:
        typed = raw
    if isinstance(typed, (dict, list)) or typed is None:
        typed = raw
    if is_postgres():  # ->> gives JSON's text of a scalar: true, 800, the string unquoted
        text = json.dumps(typed) if isinstance(typed, bool) else str(typed)
        return sorted({raw, text})
    if isinstance(typed, bool):
        return [int(typed), raw]
    return [typed, raw] if typed != raw else [raw]


def variable_clause(name: str, value: str | None) -> Any:
    """Events of instances in which variable `name` had `value`."""
    if not NAME.match(name):
        raise Invalid("a variable name is 1 to 255 characters without quotes, backslashes or control characters",
                      errors=[{"field": "variable", "message": "not a variable name"}])
    if value is None:
        raise Invalid("give the value to look for with the variable",
                      errors=[{"field": "value", "message": "required with 'variable'"}])
    wanted = _candidates(value)
    carried = or_(*[(Event.type == kind) & _field(Event.data, key, name).in_(wanted)
                    for kind, (key,) in CARRIERS.items()])
    in_events = select(Event.instance_id).where(Event.type.in_(list(CARRIERS)), carried,
                                                Event.instance_id.is_not(None))
    now = select(Instance.id).where(_field(Instance.variables, name).in_(wanted))
    return or_(Event.instance_id.in_(in_events), Event.instance_id.in_(now))


def business_key_clause(business_key: str) -> Any:
    return Event.instance_id.in_(select(Instance.id).where(Instance.business_key == business_key))


def comment_clause(text: str) -> Any:
    """Comments, and task completions with a comment, that contain `text` (any case)."""
    needle = text.lower()
    return or_((Event.type == "comment.added") & func.lower(_field(Event.data, "text")).contains(needle,
                                                                                              autoescape=True),
               (Event.type == "task.completed") & func.lower(_field(Event.data, "comment")).contains(
                   needle, autoescape=True))


def validate(variable: str | None, value: str | None) -> None:
    """Refuse a variable search that cannot be run (before a download starts streaming)."""
    if variable:
        variable_clause(variable, value)
    elif value is not None:
        raise Invalid("a value is looked for in a variable: give 'variable' too",
                      errors=[{"field": "variable", "message": "required with 'value'"}])
