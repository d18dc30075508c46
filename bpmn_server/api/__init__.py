"""HTTP layer: one blueprint per resource. Routes parse, authorize, call one service, render."""

from __future__ import annotations

from flask import Flask

from . import (
    camunda,
    decisions,
    definitions,
    external_tasks,
    history,
    incidents,
    instances,
    messages,
    metrics,
    ops,
    task_bulk,
    task_filters,
    tasks,
    timers,
    users,
)


def register(app: Flask) -> None:
    for module in (definitions, instances, tasks, timers, history, users, ops, metrics, incidents, messages,
                   external_tasks, decisions, camunda, task_filters, task_bulk):
        app.register_blueprint(module.bp)
    from .. import web  # the web pages under /ui: one more client of the services

    web.register(app)
