"""Request latency, engine step time, request ids and the log context: the hooks of every request.

Metrics are prometheus-client objects in a registry of our own. Under `bpmn-server serve` the
environment variable PROMETHEUS_MULTIPROC_DIR is set before anything imports prometheus-client, so
each gunicorn worker writes its samples to files in that folder and a scrape of any worker sums
them all (multiprocess mode). Without it (tests, `flask run`) the samples stay in memory.
"""

from __future__ import annotations

import logging
import os
import re
import time
from typing import Any

from flask import Flask, Response, g, request
from prometheus_client import CollectorRegistry, Histogram
from prometheus_client.multiprocess import MultiProcessCollector

from . import logs

log = logging.getLogger(__name__)
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
REQUEST_ID_HEADER = "X-Request-Id"
# A caller's request id is echoed only when it is a plain token: no header injection, no huge values.
_SAFE_ID = re.compile(r"^[A-Za-z0-9._:@/+=-]{1,128}$")

_registry = CollectorRegistry(auto_describe=True)
REQUEST_SECONDS = Histogram(
    "bpmn_http_request_duration_seconds", "Time to answer an HTTP request, by route (Flask endpoint) and status class.",
    ["endpoint", "status"], registry=_registry,
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))
STEP_SECONDS = Histogram(
    "bpmn_engine_step_seconds", "Time the engine ran one step of an instance (apply the input, run until it waits).",
    ["process"], registry=_registry,
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5))


def multiprocess() -> bool:
    return bool(os.environ.get(MULTIPROC_ENV))


def process_metrics() -> Any:
    """A collector of this server's own metrics: every worker's (summed) in multiprocess mode, else this one's."""
    if multiprocess():
        merged = CollectorRegistry(auto_describe=True)
        MultiProcessCollector(merged)
        return merged
    return _registry


def observe_step(process: str, seconds: float) -> None:
    """Record one engine step of an instance of `process` (services/steps.py)."""
    STEP_SECONDS.labels(process).observe(seconds)


def _request_id() -> str:
    given = request.headers.get(REQUEST_ID_HEADER, "")
    return given if given and _SAFE_ID.match(given) else os.urandom(16).hex()


def _before() -> None:
    g.started = time.perf_counter()
    logs.clear()
    logs.REQUEST_ID.set(_request_id())


def _after(response: Response) -> Response:
    seconds = time.perf_counter() - g.get("started", time.perf_counter())
    endpoint = request.endpoint or "unmatched"  # unmatched paths share one label: no unbounded series
    REQUEST_SECONDS.labels(endpoint, f"{response.status_code // 100}xx").observe(seconds)
    rid = logs.REQUEST_ID.get()
    if rid:
        response.headers[REQUEST_ID_HEADER] = rid
    if log.isEnabledFor(logging.DEBUG):  # the hot path pays nothing more when it is off
        # The path only: query strings may carry values; bodies are never logged.
        log.debug("%s %s -> %d", request.method, request.path, response.status_code,
                  extra={"method": request.method, "path": request.path, "status": response.status_code,
                         "endpoint": endpoint, "duration_ms": round(seconds * 1000, 2)})
    return response


def _teardown(_exc: BaseException | None) -> None:
    logs.clear()


def init_app(app: Flask) -> None:
    """Install the request hooks and the log format (BPMN_SERVER_LOG_FORMAT)."""
    logs.configure(app.config.get("LOG_FORMAT", "text"))
    app.before_request(_before)
    app.after_request(_after)
    app.teardown_request(_teardown)
