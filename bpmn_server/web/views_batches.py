"""Batches on the pages: start one from the instances list (the ticked instances, or every instance matching the
list's filter), follow its progress on its own page (it refreshes by itself, static/live.js), cancel it.

The same service calls as POST /api/batches and its siblings; a batch that cannot be created says why on the
instances page, with the filter kept."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from flask import flash, jsonify, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from models import User

from ..exceptions import BpmnServerError, Forbidden, Invalid
from ..services import batches
from ..states import BatchAction, BatchItemStatus, BatchStatus
from . import bp
from .session import page

FILTERS = ("process", "status", "business_key")


def _problem_text(exc: BpmnServerError) -> str:
    details = "; ".join(f"{e.get('field') or ''}: {e.get('message')}" for e in exc.errors or [] if isinstance(e, dict))
    return f"{exc.detail}" + (f" ({details})" if details else "")


def _version() -> int | None:
    raw = request.form.get("version", "").strip()
    if not raw:
        return None
    if not raw.isdigit() or not 1 <= int(raw) < 2**31:
        raise Invalid("the version is a whole number", errors=[{"field": "version", "message": "a version number"}])
    return int(raw)


def _instructions() -> Any:
    raw = request.form.get("instructions", "").strip()
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        raise Invalid("the instructions are not JSON", errors=[{"field": "instructions",
                                                                "message": "a JSON list of instructions"}]) from None


@bp.route("/batches", methods=["POST"])
@page("instances.manage")
def batch_create(user: User) -> Response:
    """The bulk form of the instances page: an action with its reason, on the ticked instances or on every
    instance matching the filter shown."""
    criteria = {k: request.form.get(f"filter_{k}", "").strip() for k in FILTERS}
    criteria = {k: v for k, v in criteria.items() if v}
    back = url_for("web.instance_list", **criteria)
    action = request.form.get("action", "")
    try:
        every = request.form.get("scope") == "filter"
        ids = None if every else request.form.getlist("instance")
        if ids is not None and not ids:
            raise Invalid("tick the instances first, or choose every instance matching the filter",
                          errors=[{"field": "instances", "message": "none ticked"}])
        batch = batches.create(user, action, ids=ids, criteria=criteria if every else None,
                               reason=request.form.get("reason"), version=_version(),
                               instructions=_instructions() if action == BatchAction.MODIFY else None,
                               allow_end=(request.form.get("allow_end") == "on") if action == BatchAction.MODIFY
                               else None, prefix=True)
    except Forbidden:
        raise
    except BpmnServerError as exc:
        flash(f"No batch started: {_problem_text(exc)}", "error")
        return redirect(back, 303)
    flash(f"Batch started: {batch.action} on {batch.total} instance{'s' if batch.total != 1 else ''}.", "ok")
    return redirect(url_for("web.batch_page", batch_id=batch.id), 303)


@bp.route("/batches")
@page("batches.read")
def batch_list(user: User) -> str:
    status = request.args.get("status") or None
    found = batches.list_batches(50, request.args.get("after") or None, status)
    return render_template("web/batches.html", items=found.items, next=found.next, statuses=list(BatchStatus),
                           status=status)


@bp.route("/batches/<batch_id>")
@page("batches.read")
def batch_page(user: User, batch_id: str) -> str:
    batch = batches.view(batches.get(batch_id))
    outcome = request.args.get("outcome") or None
    shown = batches.items(batch_id, batches.SHOWN_ITEMS, request.args.get("after") or None, outcome)
    # The instances it failed on, for a new batch once their cause is repaired (the first page of them).
    failed = batches.items(batch_id, batches.SHOWN_ITEMS, None, BatchItemStatus.ERROR).items \
        if batch["progress"]["failed"] else []
    return render_template("web/batch.html", batch=batch, items=shown.items, next=shown.next, outcome=outcome,
                           outcomes=list(BatchItemStatus), failed=failed, actions=list(BatchAction))


@bp.route("/batches/<batch_id>/cancel", methods=["POST"])
@page("instances.manage")
def batch_cancel(user: User, batch_id: str) -> Response:
    try:
        batches.cancel(batch_id, user.name, request.form.get("reason"))
        flash("The batch is cancelled: the instances not yet tried are skipped.", "ok")
    except Forbidden:
        raise
    except BpmnServerError as exc:
        flash(f"Not cancelled: {_problem_text(exc)}", "error")
    return redirect(url_for("web.batch_page", batch_id=batch_id), 303)


@bp.route("/live/batches/<batch_id>")
@page("batches.read")
def live_batch(user: User, batch_id: str) -> Any:
    """The batch page's polling endpoint: its status and counts, with an ETag (304 while unchanged)."""
    found = batches.view(batches.get(batch_id))
    data = {"status": found["status"], "progress": found["progress"]}
    response = jsonify(data)
    response.set_etag(hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:32])
    response.headers["Cache-Control"] = "private, no-cache"
    return response.make_conditional(request)
