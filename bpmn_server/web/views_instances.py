"""Instances: the list with filters, the instance on its diagram, and the analyst's repair actions.

Every action is one service call (the same the API makes), then back to the instance page with
what happened (post, redirect, get). A role that may not act gets 403 before anything runs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from models import User

from ..api.schemas import InstanceQuery
from ..auth import allowed
from ..exceptions import BpmnServerError, Forbidden, Invalid
from ..services import adhoc, comments, dashboard, incidents, instances, migration, timers
from . import bp, forms, outcome, overlays
from .session import page

STATUSES = instances.STATUSES


def _args(*names: str) -> dict[str, str]:
    """The query parameters of a filter form, without the empty ones."""
    return {k: v for k, v in request.args.items() if v.strip() and (not names or k in names)}


@bp.route("/instances")
@page("instances.read")
def instance_list(user: User) -> str:
    query = InstanceQuery().load(_args("process", "status", "business_key", "activity", "after", "limit"))
    found = instances.list_instances(query["limit"], query["after"], query["process"], query["status"],
                                     query["business_key"], prefix=True, viewer=user, activity=query["activity"])
    return render_template("web/instances.html", items=found.items, next=found.next, statuses=STATUSES,
                           filters=_args("process", "status", "business_key", "activity"))


@bp.route("/instances/<instance_id>")
@page("instances.read")
def instance_page(user: User, instance_id: str) -> str:
    instance = instances.get(instance_id, user)
    open_tasks = instances.open_tasks(instance_id)
    all_incidents = instances.incidents(instance_id)
    completed = dashboard.completed_activities(instance_id)
    timeline = instances.timeline(instance_id, 500, None).items if allowed(user, "history.read") else None
    manage = allowed(user, "instances.manage")
    versions = [v for v in dashboard.versions(instance.process) if v.version != instance.version] if manage else []
    return render_template(
        "web/instance.html", instance=instance, tasks=open_tasks, incidents=all_incidents, timeline=timeline,
        timers=dashboard.waiting_timers([instance_id]), versions=versions, deadlines=overlays.deadlines(open_tasks),
        drawing=overlays.for_instance(instance, open_tasks, all_incidents, completed,
                                      dashboard.completed_activities(instance_id, "activity.compensated")),
        comments=comments.of_instance(instance_id, user), adhoc_work=adhoc.open_subprocesses(instance_id, user),
        comment_action=url_for("web.instance_comment", instance_id=instance_id))


def _act(instance_id: str, done: str | Callable[[Any], tuple[str, str]], action: Callable[[], Any]) -> Response:
    """Run one service call; say what happened (`done`, or `done(result)` for a message and its
    category), or why not, on the instance page."""
    try:
        result = action()
        flash(*((done, "ok") if isinstance(done, str) else done(result)))
    except Forbidden:
        raise
    except BpmnServerError as exc:
        details = "; ".join(f"{e.get('field') or e.get('activity') or e.get('element') or ''}: {e.get('message')}"
                            for e in exc.errors or [] if isinstance(e, dict))
        flash(f"{exc.title}: {exc.detail}" + (f" ({details})" if details else ""), "error")
    return redirect(url_for("web.instance_page", instance_id=instance_id), 303)


@bp.route("/instances/<instance_id>/cancel", methods=["POST"])
@page("instances.manage")
def instance_cancel(user: User, instance_id: str) -> Response:
    reason = request.form.get("reason", "")
    return _act(instance_id, "The instance is cancelled.", lambda: instances.cancel(instance_id, user.name, reason))


@bp.route("/instances/<instance_id>/suspend", methods=["POST"])
@page("instances.manage")
def instance_suspend(user: User, instance_id: str) -> Response:
    return _act(instance_id, "The instance is suspended.", lambda: instances.suspend(instance_id, user.name))


@bp.route("/instances/<instance_id>/resume", methods=["POST"])
@page("instances.manage")
def instance_resume(user: User, instance_id: str) -> Response:
    return _act(instance_id, "The instance is resumed.", lambda: instances.resume(instance_id, user.name))


@bp.route("/instances/<instance_id>/retry", methods=["POST"])
@page("instances.manage")
def instance_retry(user: User, instance_id: str) -> Response:
    reason = request.form.get("reason", "")
    return _act(instance_id, outcome.after_retry, lambda: incidents.retry(instance_id, user.name, reason))


@bp.route("/instances/<instance_id>/variables", methods=["POST"])
@page("instances.manage")
def instance_variables(user: User, instance_id: str) -> Response:
    def repair() -> Any:
        values = forms.json_object(request.form.get("set", ""), "set")
        unset = forms.names(request.form.get("unset", ""))
        reason = request.form.get("reason", "")
        return incidents.update_variables(instance_id, user.name, values, unset, reason)

    return _act(instance_id, "The variables are updated.", repair)


@bp.route("/instances/<instance_id>/migrate", methods=["POST"])
@page("instances.manage")
def instance_migrate(user: User, instance_id: str) -> Response:
    def move() -> Any:
        raw = request.form.get("version", "")
        if not raw.isdigit():
            raise Invalid("choose a version", errors=[{"field": "version", "message": "a version number"}])
        return migration.migrate(instance_id, user.name, int(raw), request.form.get("reason", ""))

    return _act(instance_id, "The instance runs the other version now.", move)


@bp.route("/instances/<instance_id>/adhoc/<activity>", methods=["POST"])
@page("instances.start")
def instance_adhoc_start(user: User, instance_id: str, activity: str) -> Response:
    scope = request.form.get("scope") or None
    return _act(instance_id, f"{activity} is started.",
                lambda: adhoc.start_activity(instance_id, user, activity, {}, scope))


@bp.route("/instances/<instance_id>/adhoc/<activity>/complete", methods=["POST"])
@page("instances.start")
def instance_adhoc_complete(user: User, instance_id: str, activity: str) -> Response:
    scope = request.form.get("scope") or None
    return _act(instance_id, f"{activity} is complete.", lambda: adhoc.complete(instance_id, user, activity, scope))


@bp.route("/timers/<timer_id>/fire", methods=["POST"])
@page("timers.fire")
def timer_fire(user: User, timer_id: str) -> Response:
    instance_id = request.form.get("instance_id", "")
    if not instance_id:
        raise Invalid("the form names no instance", errors=[{"field": "instance_id", "message": "required"}])
    return _act(instance_id, "The timer fired.", lambda: timers.fire_now(timer_id, user.name))
