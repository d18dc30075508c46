"""Webhooks: signed deliveries of history events from the durable outbox, retries, dead letters, SSRF guard."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests.notify_parts import Receiver

TASK = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="http://t">
  <bpmn:process id="hooked" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:userTask id="review" name="Review" camunda:candidateGroups="clerks"/>
    <bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="review"/>
    <bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>"""


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return {**app_config, "WEBHOOK_ALLOW_PRIVATE": True, "NOTIFY_MAX_ATTEMPTS": 3}


@pytest.fixture
def receiver() -> Any:
    server = Receiver().start()
    yield server
    server.stop()


def deliver(app: Any, seconds: float = 0) -> dict[str, int]:
    from bpmn_server.services.delivery import deliver_due

    with app.app_context():
        return deliver_due(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=seconds))


def subscribe(api: Any, receiver: Receiver, events: list[str]) -> dict[str, Any]:
    r = api.post("/api/webhooks", {"url": receiver.url, "events": events, "secret": receiver.secret})
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def test_events_are_posted_signed_with_the_history_event(api, app, receiver):
    hook = subscribe(api, receiver, ["task.created", "instance.completed"])
    assert set(hook) >= {"id", "url", "events"} and "secret" not in hook
    api.deploy(TASK)
    started = api.post("/api/process-instances", {"process": "hooked"}).get_json()
    assert receiver.received == []  # nothing is sent inside the request
    assert deliver(app)["sent"] == 1
    [event] = receiver.accepted()
    history = api.get(f"/api/process-instances/{started['id']}/history").get_json()["items"]
    recorded = next(e for e in history if e["type"] == "task.created")
    assert event == recorded  # the EVENT as the history API shows it, seq included
    api.post(f"/api/tasks/{started['tasks'][0]['id']}/complete", {"variables": {}})
    deliver(app)
    assert [e["type"] for e in receiver.accepted()] == ["task.created", "instance.completed"]
    assert deliver(app, 3600)["sent"] == 0  # each once


def test_a_failing_receiver_is_retried_with_back_off(api, app, receiver):
    hook = subscribe(api, receiver, ["task.created"])
    receiver.answers = [500]
    api.deploy(TASK)
    api.post("/api/process-instances", {"process": "hooked"})
    assert deliver(app)["pending"] == 1
    [row] = api.get(f"/api/webhooks/{hook['id']}/deliveries").get_json()["items"]
    assert row["status"] == "pending" and row["attempts"] == 1 and row["last_status"] == 500
    assert deliver(app, 1)["sent"] == 0  # backing off
    assert deliver(app, 30)["sent"] == 1  # the first retry comes within 30 s
    assert len(receiver.received) == 2 and len(receiver.accepted()) == 1
    [row] = api.get(f"/api/webhooks/{hook['id']}/deliveries").get_json()["items"]
    assert row["status"] == "sent" and row["attempts"] == 2


def test_after_the_last_try_a_delivery_is_dead_and_can_be_redelivered(api, app, receiver):
    subscribe(api, receiver, ["task.created"])
    receiver.answers = [500, 503, 502]
    api.deploy(TASK)
    api.post("/api/process-instances", {"process": "hooked"})
    for seconds in (0, 60, 600):
        deliver(app, seconds)
    [dead] = api.get("/api/deliveries?status=dead").get_json()["items"]
    assert dead["attempts"] == 3 and dead["channel"] == "webhook" and "502" in dead["last_error"]
    assert deliver(app, 86400)["sent"] == 0  # dead stays dead
    events = api.get("/api/history/events?type=delivery.dead").get_json()["items"]
    assert events[0]["data"]["delivery_id"] == dead["id"]
    from tests.test_web import Pages

    page = Pages(app, api.token).text("/ui/deliveries")
    assert "task.created" in page and "Redeliver" in page and "502" in page
    assert api.post(f"/api/deliveries/{dead['id']}/redeliver").status_code == 200
    assert api.post(f"/api/deliveries/{dead['id']}/redeliver").status_code == 409
    assert deliver(app)["sent"] == 1
    assert len(receiver.accepted()) == 1
    assert api.get("/api/deliveries?status=dead").get_json()["items"] == []
    assert api.get("/api/health").status_code == 200
    metrics = api.get("/metrics").get_data(as_text=True).splitlines()
    for line in ('bpmn_notifications_sent_total{channel="webhook"} 1.0',
                 'bpmn_notifications_failed_total{channel="webhook"} 3.0',
                 'bpmn_notifications_outbox_depth{channel="webhook"} 0.0'):
        assert line in metrics


def test_a_process_that_dies_after_the_commit_delivers_after_restart_once(api, app, app_config, receiver):
    from bpmn_server import create_app
    from bpmn_server.services.delivery import claim, deliver_due

    subscribe(api, receiver, ["task.created"])
    api.deploy(TASK)
    api.post("/api/process-instances", {"process": "hooked"})
    now = dt.datetime.now(dt.UTC)
    with app.app_context():  # a process leased the row and died before sending
        assert len(claim(now, "dead-process", 10, 60)) == 1
    restarted = create_app(app_config)
    with restarted.app_context():
        assert deliver_due(now)["sent"] == 0  # the lease still holds
        assert deliver_due(now + dt.timedelta(seconds=61))["sent"] == 1
        assert deliver_due(now + dt.timedelta(seconds=3600))["sent"] == 0
    assert len(receiver.accepted()) == 1


def test_webhooks_are_listed_and_deleted_by_admins_only(api, app, receiver):
    hook = subscribe(api, receiver, ["*"])
    assert [h["id"] for h in api.get("/api/webhooks").get_json()["items"]] == [hook["id"]]
    operator = api.as_user("olga", "operator")
    assert operator.get("/api/webhooks").status_code == 403
    assert operator.post("/api/webhooks", {"url": receiver.url, "events": ["*"], "secret": "12345678"}
                         ).status_code == 403
    assert api.client.delete(f"/api/webhooks/{hook['id']}", headers=api._headers()).status_code == 204
    assert api.get("/api/webhooks").get_json()["items"] == []
    assert api.get(f"/api/webhooks/{hook['id']}/deliveries").status_code == 404
    types = [e["type"] for e in api.get("/api/history/events").get_json()["items"]]
    assert "webhook.created" in types and "webhook.deleted" in types


@pytest.mark.parametrize("url", ["ftp://example.com/x", "file:///etc/passwd", "http:///nohost", "javascript:x"])
def test_only_http_urls_are_accepted(api, url):
    r = api.post("/api/webhooks", {"url": url, "events": ["task.created"], "secret": "12345678"})
    assert r.status_code == 422
    assert r.get_json()["errors"][0]["field"] == "url"


@pytest.mark.parametrize("url", ["http://127.0.0.1:9/x", "http://localhost/x", "https://10.1.2.3/x",
                                 "http://169.254.169.254/latest/meta-data", "http://[::1]/x"])
def test_private_targets_are_refused_unless_allowed(app_config, url):
    from bpmn_server import create_app
    from tests.client import Api
    from tests.conftest import ADMIN_TOKEN

    strict = Api(create_app({**app_config, "WEBHOOK_ALLOW_PRIVATE": False}), ADMIN_TOKEN)
    r = strict.post("/api/webhooks", {"url": url, "events": ["task.created"], "secret": "12345678"})
    assert r.status_code == 422, r.get_json()
    assert "BPMN_SERVER_WEBHOOK_ALLOW_PRIVATE" in r.get_json()["detail"]
