"""Structured logs: one JSON object per line, with the request id, the user and the instance; never a
token or a variable value."""

from __future__ import annotations

import io
import json
import logging
import re

import pytest

from tests.conftest import ADMIN_TOKEN

SECRET_VALUE = "s3cr3t-variable-value-7781"
TASK_VALUE = "another-private-value-5512"
WRONG_TOKEN = "not-a-token-but-secret-0099"


@pytest.fixture
def captured():
    """Every log line of the test, at DEBUG, as the JSON console formatter writes it."""
    from bpmn_server.logs import JsonFormatter

    buf = io.StringIO()
    handler = logging.StreamHandler(buf)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield buf
    root.removeHandler(handler)
    root.setLevel(level)


def test_json_lines_carry_request_user_and_instance_but_no_secrets(api, captured):
    api.deploy("review_timeout.bpmn")
    r = api.post("/api/process-instances", {"process": "review_timeout",
                                            "variables": {"amount": 300, "skip": False, "note": SECRET_VALUE}},
                 headers={"X-Request-Id": "trace-abc-123"})
    assert r.status_code == 201 and r.headers["X-Request-Id"] == "trace-abc-123"
    instance_id = r.get_json()["id"]
    [task] = api.tasks()
    api.complete(task["id"], {"comment": TASK_VALUE})
    bad = api.client.get("/api/tasks", headers={"Authorization": f"Bearer {WRONG_TOKEN}"})
    assert bad.status_code == 401
    assert re.fullmatch(r"[0-9a-f]{32}", bad.headers["X-Request-Id"])  # generated when none is sent

    raw = captured.getvalue()
    for secret in (ADMIN_TOKEN, WRONG_TOKEN, SECRET_VALUE, TASK_VALUE):
        assert secret not in raw
    lines = [json.loads(line) for line in raw.splitlines()]
    assert all({"time", "level", "logger", "message"} <= set(line) for line in lines)
    requests_logged = [line for line in lines if line["logger"] == "bpmn_server.observability"]
    assert all(line["request_id"] for line in requests_logged)
    [start] = [line for line in requests_logged if line["request_id"] == "trace-abc-123"]
    assert start["user"] == "admin" and start["instance_id"] == instance_id
    assert start["status"] == 201 and start["path"] == "/api/process-instances"
    [complete] = [line for line in requests_logged if line["path"].endswith("/complete")]
    assert complete["instance_id"] == instance_id and complete["user"] == "admin"
    [refused] = [line for line in requests_logged if line["status"] == 401]
    assert "user" not in refused and "instance_id" not in refused


def test_an_unsafe_request_id_is_replaced(api):
    r = api.get("/api/health", headers={"X-Request-Id": "bad id\twith spaces"})
    assert re.fullmatch(r"[0-9a-f]{32}", r.headers["X-Request-Id"])


def test_text_format_appends_the_context():
    from bpmn_server import logs

    record = logging.LogRecord("bpmn_server.x", logging.WARNING, __file__, 1, "timer %s failed", ("t1",), None)
    token = logs.REQUEST_ID.set("rid-1")
    logs.bind_instance("inst-9")
    try:
        text = logs.formatter("text").format(record)
        line = json.loads(logs.formatter("json").format(record))
    finally:
        logs.REQUEST_ID.reset(token)
        logs.bind_instance(None)
    assert text.endswith("timer t1 failed [request_id=rid-1 instance_id=inst-9]")
    assert line["request_id"] == "rid-1" and line["instance_id"] == "inst-9" and line["level"] == "WARNING"
    with pytest.raises(ValueError):
        logs.formatter("xml")
