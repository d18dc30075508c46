"""The auditor's pages: history search and the exports; and the dashboard of work in progress."""

from __future__ import annotations

from flask import Response, render_template, request, stream_with_context

from models import User

from ..api.schemas import EventQuery, ExportQuery
from ..services import dashboard, export, history, sla
from . import bp
from .session import page

EVENT_FILTERS = ("instance", "process", "type", "actor", "from", "to")
WINDOWS = (1, 7, 30, 90)


def _args(*names: str) -> dict[str, str]:
    return {k: v.strip() for k, v in request.args.items() if v.strip() and k in names}


@bp.route("/history", endpoint="history")
@page("history.read")
def history_page(user: User) -> str:
    filters = _args(*EVENT_FILTERS)
    query = EventQuery().load({**filters, **_args("after")})
    found = history.list_events(query["limit"], query["after"], instance=query["instance"],
                                process=query["process"], type_=query["type"], actor=query["actor"],
                                from_=query["from_"], to=query["to"])
    exports = {k: v for k, v in filters.items() if k in ("process", "from", "to")}
    return render_template("web/history.html", items=found.items, next=found.next, filters=filters,
                           exports=exports)


@bp.route("/history/export")
@page("history.export")
def history_export(user: User) -> Response:
    """The same download as GET /api/history/export, for a browser session."""
    query = ExportQuery().load(_args("format", "process", "from", "to"))
    download = export.export(query["format"], query["process"], query["from_"], query["to"])
    return Response(stream_with_context(download.body), content_type=download.mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{download.filename}"'})


@bp.route("/dashboard", endpoint="dashboard")
@page("instances.read")
def dashboard_page(user: User) -> str:
    raw = request.args.get("days", "7")
    days = int(raw) if raw.isdigit() and int(raw) in WINDOWS else 7
    return render_template("web/dashboard.html", data=dashboard.work_in_progress(days=days), windows=WINDOWS,
                           sla=sla.figures(days=days))

