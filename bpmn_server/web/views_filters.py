"""Saved task filters on the pages (issue 23): the task list's menu of filters with their counts, a filter's
tasks with its variable columns, and a form to save one (shared with a group or not) and to delete it."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from marshmallow import ValidationError
from werkzeug.wrappers import Response

from models import User

from ..api.task_filter_schemas import TaskFilterCreateSchema
from ..exceptions import Forbidden, Invalid
from ..services import task_filters
from . import bp, forms
from .session import page

VARIABLE_ROWS = 3
KINDS = ("text", "number", "yes", "no")


def _value(kind: str, raw: str) -> Any:
    """A variable value as typed, in the type chosen beside it (no JSON to type)."""
    if kind in ("yes", "no"):
        return kind == "yes"
    if kind == "number":
        try:
            return int(raw) if raw.strip().lstrip("-").isdigit() else float(raw)
        except ValueError:
            raise Invalid("a number is expected", errors=[{"field": "variables", "message": f"'{raw}' is not a "
                                                                                           "number"}]) from None
    return raw


def _posted(form: Any) -> dict[str, Any]:
    variables: dict[str, Any] = {}
    for i in range(VARIABLE_ROWS):
        name = (form.get(f"var_name_{i}") or "").strip()
        if name:
            variables[name] = _value(form.get(f"var_kind_{i}") or "text", form.get(f"var_value_{i}") or "")
    criteria = {k: (form.get(k) or "").strip() or None for k in ("process", "candidate_group", "assignee",
                                                                 "due_before")}
    if criteria["due_before"] and len(criteria["due_before"]) == 10:  # a date input: the start of that day, UTC
        criteria["due_before"] += "T00:00:00Z"
    criteria["unassigned"] = True if form.get("unassigned") == "true" else None
    criteria["variables"] = variables
    return {"name": (form.get("name") or "").strip(), "criteria": criteria, "columns": forms.names(
        form.get("columns", "")), "sort": form.get("sort") or "due", "shared_group": form.get("shared_group") or None}


@bp.route("/filters/new", methods=["GET", "POST"])
@page("tasks.read")
def filter_new(user: User) -> Any:
    if request.method == "GET":
        return render_template("web/filter_form.html", values={}, errors={}, problem=None, rows=VARIABLE_ROWS,
                               kinds=KINDS)
    values = request.form.to_dict()
    try:
        body = TaskFilterCreateSchema().load(_posted(request.form))
        made = task_filters.create(user, body["name"], body["criteria"], body["columns"], body["sort"],
                                   body["shared_group"])
    except ValidationError as exc:
        errors = {k: "; ".join(map(str, v)) if isinstance(v, list) else str(v) for k, v in exc.messages.items()}
        return render_template("web/filter_form.html", values=values, errors=errors, rows=VARIABLE_ROWS,
                               kinds=KINDS, problem="the filter is not valid"), 422
    except Invalid as exc:
        return render_template("web/filter_form.html", values=values, errors=forms.field_errors(exc),
                               rows=VARIABLE_ROWS, kinds=KINDS, problem=exc.detail), 422
    flash(f"Filter “{made.name}” saved{' and shared with ' + made.shared_group if made.shared_group else ''}.",
          "ok")
    return redirect(url_for("web.task_list", filter=made.id), 303)


@bp.route("/filters/<filter_id>/delete", methods=["POST"])
@page("tasks.read")
def filter_delete(user: User, filter_id: str) -> Response:
    try:
        task_filters.delete(filter_id, user)
        flash("Filter deleted.", "ok")
    except Forbidden as exc:
        flash(f"Could not delete the filter: {exc.detail}", "error")
    return redirect(url_for("web.task_list"), 303)
