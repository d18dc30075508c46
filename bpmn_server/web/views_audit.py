"""The auditor's pages: history search and the exports; and the dashboard of work in progress."""

from __future__ import annotations

from typing import Any

from flask import Response, render_template, request, stream_with_context

from models import User

from ..api.history_schemas import EventQuery, ExportQuery, event_filters
from ..services import export, history, series
from . import bp, charts, present
from .session import page

EVENT_FILTERS = ("instance", "process", "type", "actor", "from", "to", "business_key", "variable", "value", "comment")
WINDOWS = (1, 7, 30, 90)


def _args(*names: str) -> dict[str, str]:
    return {k: v.strip() for k, v in request.args.items() if v.strip() and k in names}


@bp.route("/history", endpoint="history")
@page("history.read")
def history_page(user: User) -> str:
    filters = _args(*EVENT_FILTERS)
    query = EventQuery().load({**filters, **_args("after")})
    found = history.list_events(query["limit"], query["after"], **event_filters(query))
    # The exports take every filter of the list, so that a download holds what the page shows.
    return render_template("web/history.html", items=found.items, next=found.next, filters=filters,
                           exports=filters)


@bp.route("/history/export")
@page("history.export")
def history_export(user: User) -> Response:
    """The same download as GET /api/history/export, for a browser session."""
    query = ExportQuery().load(_args("format", *EVENT_FILTERS))
    download = export.export(query["format"], **event_filters(query))
    return Response(stream_with_context(download.body), content_type=download.mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{download.filename}"'})


@bp.route("/dashboard", endpoint="dashboard")
@page("instances.read")
def dashboard_page(user: User) -> str:
    raw = request.args.get("days", "7")
    days = int(raw) if raw.isdigit() and int(raw) in WINDOWS else 7
    figures = series.charts(days=days)
    return render_template("web/dashboard.html", data=figures["work"], windows=WINDOWS, sla=figures["sla"],
                           daily=figures["daily"], adherence=figures["adherence"], drawn=_drawn(figures))


def _drawn(figures: dict[str, Any]) -> dict[str, Any]:
    """The dashboard's charts as inline SVG (web/charts.py); the page shows each beside its table."""
    ageing = figures["work"]["ageing"]["tasks"]
    daily = figures["daily"]
    days = len(daily["days"])
    return {
        "ageing": charts.bars("chart-ageing", "Open tasks by age", list(ageing), list(ageing.values())),
        "throughput": charts.lines("chart-throughput", f"Instances started and completed per day, {days} days",
                                   daily["days"], [("started", daily["started"]), ("completed", daily["completed"])]),
        "cycle": charts.lines("chart-cycle", f"Cycle time of the instances completed each day, {days} days",
                              daily["days"], [("p50", daily["cycle_p50"]), ("average", daily["cycle_avg"]),
                                              ("p90", daily["cycle_p90"])], fmt=present.duration,
                              durations=True),
        "adherence": charts.shares("chart-adherence", "SLA adherence per process",
                                   [(r["process"], r["adherence"]) for r in figures["adherence"]],
                                   bad=lambda v: v < 0.9),
        "exceptions": charts.shares("chart-exceptions", "Exception rate per process (instances with an incident)",
                                    [(r["process"], r["rate"]) for r in figures["exceptions"]],
                                    bad=lambda v: v > 0.05),
    }
