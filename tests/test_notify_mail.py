"""Mails through a real SMTP server (aiosmtpd): assignment, offers, escalation, incidents; retries and dead letters."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests.notify_parts import SmtpSink

ASSIGN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="http://t">
  <bpmn:process id="mailed" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:userTask id="check" name="Check invoice" camunda:assignee="${who}"/>
    <bpmn:userTask id="approve" name="Approve invoice" camunda:candidateGroups="approvers"/>
    <bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="check"/>
    <bpmn:sequenceFlow id="f2" sourceRef="check" targetRef="approve"/>
    <bpmn:sequenceFlow id="f3" sourceRef="approve" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>"""

ESCALATE = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d2" targetNamespace="http://t">
  <bpmn:process id="escalating" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:userTask id="review" name="Review claim" camunda:candidateGroups="clerks"/>
    <bpmn:boundaryEvent id="late" attachedToRef="review">
      <bpmn:timerEventDefinition><bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>
    <bpmn:userTask id="chase" name="Chase" camunda:candidateGroups="managers"/>
    <bpmn:endEvent id="end"/>
    <bpmn:endEvent id="end2"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="review"/>
    <bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="end"/>
    <bpmn:sequenceFlow id="f3" sourceRef="late" targetRef="chase"/>
    <bpmn:sequenceFlow id="f4" sourceRef="chase" targetRef="end2"/>
  </bpmn:process>
</bpmn:definitions>"""


@pytest.fixture
def smtp() -> Any:
    sink = SmtpSink().start()
    yield sink
    sink.stop()


@pytest.fixture
def app_config(app_config: dict[str, Any], smtp: SmtpSink) -> dict[str, Any]:
    return {**app_config, "SMTP_URL": smtp.url, "MAIL_FROM": "workflow@example.com", "NOTIFY_MAX_ATTEMPTS": 3,
            "PUBLIC_URL": "https://bpm.example.com"}


def deliver(app: Any, seconds: float = 0) -> dict[str, int]:
    from bpmn_server.services.delivery import deliver_due

    with app.app_context():
        return deliver_due(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=seconds))


def user(api: Any, name: str, email: str | None, groups: list[str] | None = None, role: str = "operator") -> Any:
    r = api.post("/api/users", {"name": name, "role": role, "groups": groups or [], "email": email})
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["email"] == email
    from tests.client import Api

    return Api(api.app, r.get_json()["token"], name)


def bodies(message: Any) -> tuple[str, str]:
    return (message.get_body(("plain",)).get_content(), message.get_body(("html",)).get_content())


def test_assignee_expression_and_assign_mail_the_user_with_a_link(api, app, smtp):
    user(api, "ann", "ann@example.com", ["approvers"])
    user(api, "bob", "bob@example.com", ["approvers"])
    api.deploy(ASSIGN)
    started = api.post("/api/process-instances", {"process": "mailed", "variables": {"who": "ann"}}).get_json()
    assert smtp.messages == []  # sent after the commit, by the delivery loop
    assert deliver(app)["sent"] == 1
    [mail] = smtp.to("ann@example.com")
    task_id = started["tasks"][0]["id"]
    text, html = bodies(mail)
    assert mail["From"] == "workflow@example.com" and "Check invoice" in mail["Subject"]
    assert f"https://bpm.example.com/ui/tasks/{task_id}" in text
    assert f'href="https://bpm.example.com/ui/tasks/{task_id}"' in html
    # An admin reroutes the task to bob: bob is told; ann claiming her own task would tell nobody.
    assert api.post(f"/api/tasks/{task_id}/assign", {"user": "bob"}).status_code == 200
    deliver(app)
    [to_bob] = smtp.to("bob@example.com")
    assert "by admin" in bodies(to_bob)[0]
    assert deliver(app, 3600)["sent"] == 0 and len(smtp.messages) == 2  # each once


def test_claiming_your_own_task_and_offers_send_nothing_by_default(api, app, smtp):
    ann = user(api, "ann", "ann@example.com", ["approvers"])
    api.deploy(ASSIGN)
    started = api.post("/api/process-instances", {"process": "mailed", "variables": {"who": "admin"}}).get_json()
    api.post(f"/api/tasks/{started['tasks'][0]['id']}/complete", {"variables": {}})
    [approve] = [t for t in api.get("/api/tasks").get_json()["items"] if t["activity"] == "approve"]
    assert ann.post(f"/api/tasks/{approve['id']}/claim").status_code == 200
    deliver(app)
    assert smtp.messages == []


def test_offers_to_small_groups_are_mailed_when_turned_on(app_config, smtp):
    from bpmn_server import create_app
    from tests.client import Api
    from tests.conftest import ADMIN_TOKEN

    app = create_app({**app_config, "MAIL_OFFERED": True, "MAIL_GROUP_LIMIT": 2})
    api = Api(app, ADMIN_TOKEN)
    for name in ("ann", "bob"):
        user(api, name, f"{name}@example.com", ["approvers"])
    for name in ("c1", "c2", "c3"):
        user(api, name, f"{name}@example.com", ["clerks"])
    api.deploy(ASSIGN, ESCALATE)
    started = api.post("/api/process-instances", {"process": "mailed", "variables": {"who": "admin"}}).get_json()
    api.post(f"/api/tasks/{started['tasks'][0]['id']}/complete", {"variables": {}})
    api.post("/api/process-instances", {"process": "escalating"})  # clerks: three, too many to mail
    deliver(app)
    assert sorted(m["To"] for m in smtp.messages) == ["ann@example.com", "bob@example.com"]
    assert all("Approve invoice" in m["Subject"] for m in smtp.messages)


def test_a_timer_that_escalates_your_task_mails_you(api, app, smtp):
    clerk = user(api, "cora", "cora@example.com", ["clerks"])
    api.deploy(ESCALATE)
    started = api.post("/api/process-instances", {"process": "escalating"}).get_json()
    assert clerk.post(f"/api/tasks/{started['tasks'][0]['id']}/claim").status_code == 200
    from bpmn_server.services.timers import fire_due_timers

    with app.app_context():
        fire_due_timers(dt.datetime.now(dt.UTC) + dt.timedelta(hours=2))
    deliver(app, 7200)
    [mail] = smtp.to("cora@example.com")
    assert "escalated" in mail["Subject"].lower() and "Review claim" in mail["Subject"]


def test_an_incident_mails_the_admins(api, app, smtp):
    assert api.client.put("/api/users/admin/email", json={"email": "root@example.com"},
                          headers=api._headers()).status_code == 200
    api.deploy("ex_script_fail.bpmn")
    api.post("/api/process-instances", {"process": "ex_script_fail", "variables": {"amount": 1, "count": 0}})
    deliver(app)
    [mail] = smtp.to("root@example.com")
    assert "Incident in ex_script_fail" in mail["Subject"] and "calc" in mail["Subject"]


def test_users_change_their_own_email_only(api, app):
    ann = user(api, "ann", None)
    user(api, "bob", "bob@example.com")
    put = ann.client.put
    assert put("/api/users/ann/email", json={"email": "ann@example.com"}, headers=ann._headers()).status_code == 200
    assert put("/api/users/bob/email", json={"email": "x@example.com"}, headers=ann._headers()).status_code == 403
    bad = put("/api/users/ann/email", json={"email": "not-an-address"}, headers=ann._headers())
    assert bad.status_code in (400, 422) and bad.get_json()["errors"]
    listed = {u["name"]: u["email"] for u in api.get("/api/users").get_json()["items"]}
    assert listed["ann"] == "ann@example.com" and listed["bob"] == "bob@example.com"


def test_a_refusing_smtp_server_is_retried_then_dead_and_the_server_stays_healthy(api, app, smtp):
    user(api, "ann", "ann@example.com")
    smtp.refuse = True
    api.deploy(ASSIGN)
    api.post("/api/process-instances", {"process": "mailed", "variables": {"who": "ann"}})
    assert deliver(app)["pending"] == 1
    assert deliver(app, 30)["pending"] == 1
    assert deliver(app, 600)["dead"] == 1
    [dead] = api.get("/api/deliveries?status=dead&channel=mail").get_json()["items"]
    assert dead["target"] == "ann" and "451" in dead["last_error"] and dead["attempts"] == 3
    assert api.get("/api/health").status_code == 200
    smtp.refuse = False
    assert api.post(f"/api/deliveries/{dead['id']}/redeliver").status_code == 200
    assert deliver(app)["sent"] == 1
    assert len(smtp.to("ann@example.com")) == 1


def test_an_incident_mails_the_owner_of_the_process(api, app, smtp):
    """Owners (issue 20) receive the incident notifications of their processes: a group owner's members do,
    and the admins, who own nothing here, do not."""
    assert api.client.put("/api/users/admin/email", json={"email": "root@example.com"},
                          headers=api._headers()).status_code == 200
    user(api, "olga", "olga@example.com", groups=["finance"], role="analyst")
    user(api, "oscar", "oscar@example.com", groups=["finance"])
    api.deploy("ex_script_fail.bpmn")
    assert api.patch("/api/processes/ex_script_fail", {"owner": "finance"}).status_code == 200
    api.post("/api/process-instances", {"process": "ex_script_fail", "variables": {"amount": 1, "count": 0}})
    deliver(app)
    for address in ("olga@example.com", "oscar@example.com"):
        [mail] = smtp.to(address)
        assert "Incident in ex_script_fail" in mail["Subject"]
    assert smtp.to("root@example.com") == []
