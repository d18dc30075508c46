"""Prometheus families of notifications (the outbox) and service levels (services/sla.py), read from the
database at scrape time like the other figures of services/metrics.py."""

from __future__ import annotations

from collections.abc import Iterator

from flask import current_app
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from sqlalchemy import case, func, select

from models import Delivery, db

from . import sla


def _notifications() -> Iterator[Metric]:
    sent = CounterMetricFamily("bpmn_notifications_sent", "Mails and webhook deliveries sent.", labels=["channel"])
    failed = CounterMetricFamily("bpmn_notifications_failed", "Failed tries of mails and webhook deliveries.",
                                 labels=["channel"])
    dead = GaugeMetricFamily("bpmn_notifications_dead", "Deliveries given up on (the dead-letter list).",
                             labels=["channel"])
    depth = GaugeMetricFamily("bpmn_notifications_outbox_depth", "Deliveries waiting to be sent.",
                              labels=["channel"])
    is_sent = case((Delivery.status == "sent", 1), else_=0)
    rows = db.session.execute(select(
        Delivery.channel, func.sum(is_sent), func.sum(Delivery.failures),
        func.sum(case((Delivery.status == "dead", 1), else_=0)),
        func.sum(case((Delivery.status == "pending", 1), else_=0))).group_by(Delivery.channel)).all()
    for channel, n_sent, n_failed, n_dead, n_pending in rows:
        sent.add_metric([channel], int(n_sent or 0))
        failed.add_metric([channel], int(n_failed or 0))
        dead.add_metric([channel], int(n_dead or 0))
        depth.add_metric([channel], int(n_pending or 0))
    yield from (sent, failed, dead, depth)


def _service_levels() -> Iterator[Metric]:
    days = float(current_app.config.get("SLA_WINDOW_DAYS", 30))
    data = sla.figures(days=days)
    window = f" over the last {days:g} days"
    adherence = GaugeMetricFamily("bpmn_sla_adherence_ratio", "Share of tasks with a due date completed by it"
                                  + window + ".", labels=["process", "activity"])
    judged = GaugeMetricFamily("bpmn_sla_tasks", "Tasks with a due date completed" + window + ", by outcome.",
                               labels=["process", "activity", "outcome"])
    for row in data["adherence"]:
        adherence.add_metric([row["process"], row["activity"]], row["adherence"])
        judged.add_metric([row["process"], row["activity"], "met"], row["met"])
        judged.add_metric([row["process"], row["activity"], "missed"], row["missed"])
    overdue = GaugeMetricFamily("bpmn_tasks_overdue", "Open tasks past their due date.",
                                labels=["process", "activity"])
    for row in data["overdue"]:
        overdue.add_metric([row["process"], row["activity"]], row["open"])
    rework = GaugeMetricFamily("bpmn_rework_instances", "Instances that ran an activity more than once" + window
                               + ".", labels=["process", "activity"])
    for row in data["rework"]:
        rework.add_metric([row["process"], row["activity"]], row["instances"])
    rate = GaugeMetricFamily("bpmn_exception_rate", "Incidents per instance started" + window
                             + ", by incident type.", labels=["process", "type"])
    for row in data["exceptions"]:
        if row["rate"] is not None:
            rate.add_metric([row["process"], row["type"]], row["rate"])
    yield from (adherence, judged, overdue, rework, rate)


def figures() -> Iterator[Metric]:
    yield from _notifications()
    yield from _service_levels()
