"""Pages of the people features: adding comments, and the dead-letter list of mails and webhooks."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from models import User

from ..exceptions import BpmnServerError
from ..services import comments, delivery
from . import bp
from .session import page


@bp.route("/tasks/<task_id>/comments", methods=["POST"])
@page("comments.write")
def task_comment(user: User, task_id: str) -> Response:
    try:
        comments.on_task(task_id, user, request.form.get("text", ""))
        flash("Comment added.", "ok")
    except BpmnServerError as exc:
        flash(f"The comment was not added: {exc.detail}", "error")
    return redirect(url_for("web.task_page", task_id=task_id) + "#comments", 303)


@bp.route("/instances/<instance_id>/comments", methods=["POST"])
@page("comments.write")
def instance_comment(user: User, instance_id: str) -> Response:
    try:
        comments.on_instance(instance_id, user, request.form.get("text", ""))
        flash("Comment added.", "ok")
    except BpmnServerError as exc:
        flash(f"The comment was not added: {exc.detail}", "error")
    return redirect(url_for("web.instance_page", instance_id=instance_id) + "#comments", 303)


@bp.route("/deliveries", endpoint="deliveries")
@page("deliveries.read")
def deliveries_page(user: User) -> str:
    status = request.args.get("status", "dead")
    status = status if status in delivery.STATUSES else "dead"
    found = delivery.list_deliveries(100, request.args.get("after") or None, status=status)
    return render_template("web/deliveries.html", items=found.items, next=found.next, status=status)


@bp.route("/deliveries/<delivery_id>/redeliver", methods=["POST"])
@page("webhooks.manage")
def redeliver(user: User, delivery_id: str) -> Response:
    try:
        delivery.redeliver(delivery_id, user.name)
        flash("Queued for delivery again.", "ok")
    except BpmnServerError as exc:
        flash(f"Not redelivered: {exc.detail}", "error")
    return redirect(url_for("web.deliveries"), 303)
