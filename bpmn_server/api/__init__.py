"""HTTP layer: one blueprint per resource. Routes parse, authorize, call one service, render."""

from __future__ import annotations

from flask import Flask

from . import (
    adhoc,
    base,
    batches,
    bundles,
    camunda,
    camunda8,
    camunda8_tasks,  # noqa: F401 - its routes join camunda8's blueprint
    comments,
    decisions,
    definitions,
    external_tasks,
    forms,
    governance,
    history,
    incidents,
    instances,
    messages,
    metrics,
    ops,
    processes,
    task_bulk,
    task_filters,
    tasks,
    timers,
    users,
    webhooks,
)


def register(app: Flask) -> None:
    for module in (definitions, instances, tasks, timers, history, users, ops, metrics, incidents, messages,
                   external_tasks, decisions, webhooks, comments, camunda, camunda8, governance, processes,
                   bundles, task_filters, task_bulk, forms, batches, adhoc):
        app.register_blueprint(module.bp)
    app.after_request(base.allow_of_the_route)
    from .. import web  # the web pages under /ui: one more client of the services

    web.register(app)
