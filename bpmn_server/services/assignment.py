"""Who may work a user task: assignee, candidates, lane, due date, priority, from deploy-time metadata.

The parser stores each `camunda:` attribute as Python source: a whole `${expr}` becomes the
translated expression, any other text a string literal. A literal may still hold expressions in
a comma list (`"management, ${dept}"`); those parts are evaluated here, one by one. Values that
come out of variables are only ever split on commas, never evaluated: data is not code.
"""

from __future__ import annotations

import ast
import calendar
import contextvars
import datetime as dt
import re
from functools import lru_cache
from typing import Any

from models import Instance, Task, TaskCandidate

from .. import engine
from ..engine.expressions import ExpressionError, shown, translate_expression
from ..states import TaskStatus
from . import form_definitions

# The instance whose task is being derived, for `execution` in the expressions (set by `task_row`).
_INSTANCE: contextvars.ContextVar[tuple[str | None, str | None]] = contextvars.ContextVar("assignment_instance")

FAR_FUTURE = dt.datetime(9999, 12, 31, tzinfo=dt.UTC)
DEFAULT_PRIORITY = 50  # Camunda's default
_PART = re.compile(r"\s*((?:[$#]\{[^}]*\}|[^,])+)")
_JUEL = re.compile(r"^[$#]\{.*\}$", re.S)
_DURATION = re.compile(r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?"
                       r"(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$", re.I)


def _fail(activity: str, message: str) -> engine.StepFailed:
    return engine.StepFailed(activity, "expression", message)


def _evaluate(source: str, data: dict[str, Any], activity: str, what: str) -> Any:
    try:
        instance_id, business_key = _INSTANCE.get((None, None))
        return engine.evaluate(source, data, instance_id, business_key, activity)
    except Exception as exc:  # noqa: BLE001 - any failure of user code becomes an incident
        raise _fail(activity, f"{what} expression {shown(source)} failed: {exc}") from None


@lru_cache(maxsize=4096)
def _parts(source: str) -> tuple[tuple[str, str], ...] | None:
    """(kind, text) per comma-separated part of a literal attribute, kind being literal, expression or
    error; None when the whole attribute is one expression."""
    try:
        text = ast.literal_eval(source)
    except (ValueError, SyntaxError):
        return None
    if not isinstance(text, str):
        return None
    out = []
    for match in _PART.finditer(text):
        part = match.group(1).strip()
        if _JUEL.match(part):
            try:
                out.append(("expression", translate_expression(part)))
            except ExpressionError as exc:
                out.append(("error", f"{part}: {exc}"))
        elif part:
            out.append(("literal", part))
    return tuple(out)


def _split(value: Any) -> list[str]:
    if value is None:
        return []
    items = value if isinstance(value, (list, tuple, set)) else str(value).split(",")
    return [str(v).strip() for v in items if str(v).strip()]


def names(source: str | None, data: dict[str, Any], activity: str, what: str) -> list[str]:
    """The user or group names an attribute gives, sorted and without duplicates."""
    if source is None:
        return []
    parts = _parts(source)
    if parts is None:
        return sorted(set(_split(_evaluate(source, data, activity, what))))
    found: list[str] = []
    for kind, text in parts:
        if kind == "error":
            raise _fail(activity, f"{what} expression cannot be read: {text}")
        found.extend(_split(_evaluate(text, data, activity, what)) if kind == "expression" else [text])
    return sorted(set(found))


def _single(source: str | None, data: dict[str, Any], activity: str, what: str) -> Any:
    return None if source is None else _evaluate(source, data, activity, what)


def _add_months(when: dt.datetime, months: int) -> dt.datetime:
    month = when.month - 1 + months
    year, month = when.year + month // 12, month % 12 + 1
    return when.replace(year=year, month=month, day=min(when.day, calendar.monthrange(year, month)[1]))


def due(value: Any, now: dt.datetime) -> dt.datetime | None:
    """A due date from an ISO date, date-time or duration (from now), or a datetime; ValueError otherwise."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
    text = str(value).strip()
    m = _DURATION.match(text)
    if m and text.upper() not in ("P", "PT") and not text.upper().endswith("T"):
        y, mo, w, d, h, mi, s = m.groups()
        when = _add_months(now, int(y or 0) * 12 + int(mo or 0))
        return when + dt.timedelta(weeks=int(w or 0), days=int(d or 0), hours=int(h or 0), minutes=int(mi or 0),
                                   seconds=float(s or 0))
    parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def external_priority(meta: dict[str, Any], activity: str, data: dict[str, Any]) -> int:
    """camunda:taskPriority of an external task (or of its process); Camunda's default is 0."""
    source = meta.get("external_task_priorities", {}).get(activity) or meta.get("task_priority")
    value = _single(source, data, activity, "taskPriority")
    try:
        return int(value) if value not in (None, "") else 0
    except (TypeError, ValueError):
        raise _fail(activity, f"taskPriority {value!r} is not a whole number") from None


def task_row(instance: Instance, meta: dict[str, Any], item: engine.OpenTask,
             now: dt.datetime) -> tuple[Task, list[TaskCandidate]]:
    """The task row and candidate rows of a user task that just became ready."""
    spec = meta.get("user_tasks", {}).get(item.activity, {})
    token = _INSTANCE.set((instance.id, instance.business_key))
    try:
        return _task_row(instance, spec, item, now)
    finally:
        _INSTANCE.reset(token)


def _choice(item: Any) -> dict[str, str]:
    if isinstance(item, dict) and "id" in item:
        return {"id": str(item["id"]), "name": str(item.get("name", item["id"]))}
    return {"id": str(item), "name": str(item)}


def _with_choices(form: dict[str, Any] | None, data: dict[str, Any], activity: str) -> dict[str, Any] | None:
    """The form with the values of each enum field that takes them from an expression (engine/forms.py
    `values_from`), evaluated now, once, as the task's name is: a list gives each item as id and name, a map
    its keys as ids and its values as names. The row keeps them; a submission is checked against them."""
    if not form or not any(f.get("values_from") for f in form.get("fields") or []):
        return form
    fields = []
    for f in form["fields"]:
        if f.get("values_from"):
            value = _evaluate(f["values_from"], data, activity, f"enum field '{f['id']}' values")
            if isinstance(value, dict):
                f = {**f, "values": [{"id": str(k), "name": str(v)} for k, v in value.items()]}
            elif isinstance(value, list | tuple):
                f = {**f, "values": [_choice(item) for item in value]}
            else:
                raise _fail(activity, f"enum field '{f['id']}' takes its values from "
                                      f"{shown(f['values_from'])}, which gave {type(value).__name__}, not a list "
                                      "or map")
        fields.append(f)
    return {**form, "fields": fields}


def _task_row(instance: Instance, spec: dict[str, Any], item: engine.OpenTask,
              now: dt.datetime) -> tuple[Task, list[TaskCandidate]]:
    data, activity = item.data, item.activity
    name = spec.get("name") or item.name
    if spec.get("name_expression"):
        # Camunda evaluates a name expression once, when the task is created; the row keeps the result.
        value = _evaluate(spec["name_expression"], data, activity, "name")
        name = str(value) if value not in (None, "") else name
    assignee = _single(spec.get("assignee"), data, activity, "assignee")
    assignee = str(assignee).strip() if assignee not in (None, "") else None
    groups = names(spec.get("candidate_groups"), data, activity, "candidateGroups")
    users = names(spec.get("candidate_users"), data, activity, "candidateUsers")
    if not groups and not users and not assignee and spec.get("lane"):
        groups = [spec["lane"]]
    raw_due = _single(spec.get("due_date"), data, activity, "dueDate")
    try:
        due_at = due(raw_due, now)
    except (ValueError, OverflowError):
        raise _fail(activity, f"dueDate {raw_due!r} is not an ISO 8601 date, date-time or duration") from None
    raw_follow_up = _single(spec.get("follow_up_date"), data, activity, "followUpDate")
    try:
        follow_up_at = due(raw_follow_up, now)
    except (ValueError, OverflowError):
        raise _fail(activity, f"followUpDate {raw_follow_up!r} is not an ISO 8601 date, date-time or duration") \
            from None
    raw_priority = _single(spec.get("priority"), data, activity, "priority")
    try:
        priority = int(raw_priority) if raw_priority not in (None, "") else DEFAULT_PRIORITY
    except (TypeError, ValueError):
        raise _fail(activity, f"priority {raw_priority!r} is not a whole number") from None
    instructions = None
    if spec.get("instructions"):  # spiff-arena's instructionsForEndUser, rendered once as Camunda's name is
        try:
            instructions = engine.render_instructions(spec["instructions"], data)
        except Exception as exc:  # noqa: BLE001 - the modeler's template: an incident at this task
            raise _fail(activity, f"instructionsForEndUser failed: {exc}") from None
    form = _with_choices(spec.get("form"), data, activity)
    if spec.get("form_id"):  # zeebe:formDefinition formId: the latest deployed version, bound now (Camunda 8)
        form = form_definitions.bound_form(spec["form_id"])
        if form is None:
            raise _fail(activity, f"zeebe:formDefinition formId {spec['form_id']!r}: no form with this id is "
                                  "deployed; deploy its .form file, then retry")
    row = Task(id=item.id, instance_id=instance.id, process=instance.process, business_key=instance.business_key,
               activity=activity, name=name[:255], status=TaskStatus.OPEN,
               assignee=assignee[:200] if assignee else None, candidate_groups=groups, candidate_users=users,
               open_to_all=not (groups or users or assignee), due_at=due_at, due_sort=due_at or FAR_FUTURE,
               priority=priority, form=form, form_key=spec.get("form_key"), follow_up_at=follow_up_at,
               instructions=instructions, created_at=now)
    named = [("group", g) for g in groups] + [("user", u) for u in users]
    if row.assignee:  # it holds the task from the start (services/visibility.py)
        named.append(("holder", row.assignee))
    candidates = [TaskCandidate(task_id=item.id, instance_id=instance.id, kind=kind, value=value[:200])
                  for kind, value in named]
    return row, candidates
