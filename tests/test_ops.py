"""Operations: health, Prometheus metrics, the OpenAPI document."""

from __future__ import annotations

import re


def test_health_needs_no_token(app):
    r = app.test_client().get("/api/health")
    assert r.status_code == 200
    assert r.get_json() == {"status": "ok", "database": "ok", "scheduler": "disabled"}


def test_metrics_count_instances_and_tasks(api, app):
    api.deploy("review_timeout.bpmn")
    api.start("review_timeout", {"amount": 300, "skip": False})
    api.start("review_timeout", {"amount": 1, "skip": False})
    text = app.test_client().get("/metrics").get_data(as_text=True)
    assert 'bpmn_instances_started_total{process="review_timeout"} 2' in text
    assert 'bpmn_instances{process="review_timeout",status="completed"} 1' in text
    assert 'bpmn_tasks_open{process="review_timeout"} 1' in text
    assert 'bpmn_instance_cycle_seconds_count{process="review_timeout"} 1' in text
    assert "bpmn_timers_waiting 1" in text


def test_openapi_lists_every_route(app):
    spec = app.test_client().get("/api/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    documented = {(path, method.upper()) for path, ops in spec["paths"].items() for method in ops}
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or not rule.rule.startswith(("/api", "/engine-rest", "/metrics")):
            continue  # the web pages (/ui) are not API routes
        path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule)  # OpenAPI has no converters (<path:x>)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (path, method) in documented, f"{method} {path} is not in the OpenAPI document"


def test_unknown_route_and_method_are_problems(api):
    r = api.get("/api/nowhere")
    assert r.status_code == 404 and r.content_type == "application/problem+json"
    r = api.client.delete("/api/health")
    assert r.status_code == 405 and r.content_type == "application/problem+json"
