"""The operator's pages: my tasks, group tasks, a task with its form; claim, unclaim, complete."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from models import Task, User

from ..exceptions import Conflict, Invalid
from ..services import case_details, comments, instances, task_bulk, task_filters, task_plan, tasks
from . import bp, forms, overlays
from .session import page

PAGE_SIZE = 50


def _tabs(user: User) -> list[tuple[str, str]]:
    if user.role in ("operator", "admin"):
        return [("mine", "My tasks"), ("group", "Group tasks")]
    return [("all", "All open tasks")]


@bp.route("/tasks")
@page("tasks.read")
def task_list(user: User) -> str:
    tabs = _tabs(user)
    view = request.args.get("view") or tabs[0][0]
    if view not in dict(tabs):
        view = tabs[0][0]
    group = request.args.get("group") or None
    after = request.args.get("after") or None
    menu = task_filters.with_counts(user)
    chosen = request.args.get("filter")
    if chosen:  # a saved filter: its tasks in its sort, with its variable columns
        found = task_filters.run(chosen, user, PAGE_SIZE, after)
        current = next((f for f in menu if f["id"] == chosen), None) or task_filters.one(chosen, user)
        return render_template("web/tasks.html", tabs=tabs, view=None, group=None, items=found.items,
                               next=found.next, deadlines=overlays.deadlines(found.items),
                               ageing=overlays.ageing_class, menu=menu, current=current)
    # "Group tasks" is work to pick up: offered to me and held by nobody (what I hold is under "My tasks"),
    # filtered in the query so that each page is full while more remain.
    found = tasks.list_tasks(user, PAGE_SIZE, after, assignee="me" if view == "mine" else None,
                             candidate_group=group if view != "mine" else None,
                             unassigned=True if view == "group" else None)
    items = found.items
    return render_template("web/tasks.html", tabs=tabs, view=view, group=group, items=items, next=found.next,
                           deadlines=overlays.deadlines(items), ageing=overlays.ageing_class, menu=menu,
                           current=None)


def who_may_take(task: Task) -> str:
    """Who can take the task, in words: its holder, its candidates, or every operator."""
    names = [f"group {g}" for g in task.candidate_groups or []] + list(task.candidate_users or [])
    offered = ", ".join(names) or ("every operator" if task.open_to_all or not task.assignee else "")
    if not task.assignee:
        return offered or "every operator"
    if not offered:
        # Given back, a task without candidates is offered to every operator (as Camunda's unclaim leaves it).
        return f"only {task.assignee} (assigned); given back, every operator"
    return f"{task.assignee} (assigned); given back, {offered}"


def _task_page(user: User, task_id: str, errors: dict[str, str] | None = None, values: dict[str, Any] | None = None,
               problem: str | None = None, status: int = 200) -> Any:
    task = tasks.get(task_id, user)
    instance = instances.get(task.instance_id)
    holder = task.status == "open" and task.assignee == user.name
    can_work = task.status == "open" and tasks.may_act(user, task)
    deadline = overlays.deadlines([task]).get(task.id)
    case = case_details.of_task(task, instance)
    page_html = render_template(
        "web/task.html", task=task, instance=instance, holder=holder, can_work=can_work, deadline=deadline,
        takers=who_may_take(task), case=case, posted=values is not None, as_text=case_details.as_text,
        fields=(task.form or {}).get("fields") or [], errors=errors or {},
        values=values if values is not None else case.prefill, problem=problem,
        drawing=overlays.for_task(instance.definition_id, task), ageing=overlays.ageing_class,
        comments=comments.of_task(task.id, user), comment_action=url_for("web.task_comment", task_id=task.id),
        comment_required=task_plan.comment_required(instance.definition_id, task.activity),
        viewer=forms.viewer_data(task.form, dict(case.variables), values))
    return page_html, status


@bp.route("/tasks/<task_id>")
@page("tasks.read")
def task_page(user: User, task_id: str) -> Any:
    return _task_page(user, task_id)


@bp.route("/tasks/<task_id>/claim", methods=["POST"])
@page("tasks.work")
def task_claim(user: User, task_id: str) -> Response:
    try:
        tasks.claim(task_id, user)
        flash("You hold the task now: fill in the form and complete it.", "ok")
    except Conflict as exc:
        flash(f"Could not claim the task: {exc.detail}", "error")
    return redirect(url_for("web.task_page", task_id=task_id), 303)


@bp.route("/tasks/<task_id>/unclaim", methods=["POST"])
@page("tasks.work")
def task_unclaim(user: User, task_id: str) -> Response:
    try:
        task = tasks.unclaim(task_id, user)
        flash(f"You gave the task back: {who_may_take(task)} can take it now.", "ok")
    except Conflict as exc:
        flash(f"Could not give the task back: {exc.detail}", "error")
    return redirect(url_for("web.task_page", task_id=task_id), 303)


@bp.route("/tasks/<task_id>/complete", methods=["POST"])
@page("tasks.work")
def task_complete(user: User, task_id: str) -> Any:
    task = tasks.get(task_id, user)
    values = request.form.to_dict()
    try:
        variables = forms.task_variables(task.form, request.form)
        instance = tasks.complete(task_id, user, variables, request.form.get("task_comment"))
    except Invalid as exc:
        # Shown next to the inputs, with what was typed kept: the API's own messages.
        return _task_page(user, task_id, forms.field_errors(exc), values, exc.detail, 422)
    except Conflict as exc:
        return _task_page(user, task_id, {}, values, exc.detail, 409)
    flash(f"Task “{task.name}” completed.", "ok")
    return redirect(url_for("web.instance_page", instance_id=instance.id), 303)


@bp.route("/tasks/bulk-claim", methods=["POST"])
@page("tasks.work")
def task_bulk_claim(user: User) -> Response:
    """Claim the tasks ticked on the list; each is taken or not on its own, and the message says which."""
    ids = request.form.getlist("task")
    if not ids:
        flash("Tick the tasks to claim first.", "error")
        return redirect(request.referrer or url_for("web.task_list"), 303)
    results = task_bulk.run(user, task_bulk.BulkAction.CLAIM, ids)
    taken = sum(1 for r in results if r.ok)
    refused = [r.detail for r in results if not r.ok]
    flash(f"Claimed {taken} of {len(results)} task{'s' if len(results) != 1 else ''}."
          + (f" Not claimed: {'; '.join(d or '' for d in refused)}" if refused else ""),
          "ok" if not refused else "error")
    return redirect(url_for("web.task_list", view="mine"), 303)
