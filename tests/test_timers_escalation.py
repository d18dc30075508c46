"""The example in processes/escalation.bpmn: chase an approval every hour, time it out after a day."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from tests.test_timers import events, fire_due, parse, waiting_timers

EXAMPLE = Path(__file__).resolve().parent.parent / "processes" / "escalation.bpmn"


def start(api):
    api.deploy(EXAMPLE.read_bytes())
    inst = api.start("escalation", business_key="PO-1001")
    timers = {t["activity"]: t for t in waiting_timers(api, process="escalation")}
    return inst, timers


def test_the_example_renders_and_runs(api):
    xml = EXAMPLE.read_text()
    # Drawn as Camunda Modeler writes it: every flow node and flow has a DI shape or edge.
    for element in ("StartEvent_request", "Activity_approve", "Event_chase", "Event_timeout", "Activity_chase",
                    "Gateway_decision", "Flow_to_chase", "Flow_to_record"):
        assert f'bpmnElement="{element}"' in xml
    inst, timers = start(api)
    assert [t["candidate_groups"] for t in inst["tasks"]] == [["approvers"]]
    assert timers["Event_chase"]["kind"] == "cycle" and timers["Event_timeout"]["kind"] == "duration"
    gap = parse(timers["Event_timeout"]["due_at"]) - parse(timers["Event_chase"]["due_at"])
    assert abs(gap - dt.timedelta(hours=23)) < dt.timedelta(seconds=1)


def test_an_approval_in_time_needs_no_escalation(app, api):
    inst, _ = start(api)
    approver = api.as_user("ada", "operator", ["approvers"])
    done = approver.complete(inst["tasks"][0]["id"], {"approved": True})
    assert done["status"] == "completed"
    assert waiting_timers(api) == []
    assert fire_due(app, dt.datetime.now(dt.UTC) + dt.timedelta(days=2)) == 0


def test_managers_chase_every_hour_until_someone_decides(app, api):
    inst, timers = start(api)
    manager = api.as_user("max", "operator", ["managers"])
    approver = api.as_user("ada", "operator", ["approvers"])
    due = parse(timers["Event_chase"]["due_at"])
    assert manager.tasks() == []
    assert fire_due(app, due + dt.timedelta(minutes=2)) == 1
    [chase] = manager.tasks()
    assert chase["name"] == "Chase approval" and chase["business_key"] == "PO-1001"
    assert fire_due(app, due + dt.timedelta(hours=1, minutes=2)) == 1
    assert len(manager.tasks()) == 2 and len(approver.tasks()) == 1
    # The approver decides: the instance ends, and nobody needs chasing any more.
    done = approver.complete(approver.tasks()[0]["id"], {"approved": False, "comment": "too expensive"})
    assert done["status"] == "completed" and done["tasks"] == []
    assert manager.tasks() == [] and waiting_timers(api) == []
    assert [e["activity"] for e in events(api, inst["id"], "timer.fired")] == ["Event_chase", "Event_chase"]


def test_after_a_day_the_request_times_out(app, api):
    inst, timers = start(api)
    day_later = parse(timers["Event_timeout"]["due_at"]) + dt.timedelta(seconds=30)
    assert fire_due(app, day_later) == 2  # the overdue chase, then the timeout
    after = api.instance(inst["id"])
    assert after["status"] == "completed" and after["tasks"] == []
    assert after["variables"]["outcome"] == "timed out" and after["variables"]["approved"] is False
    approval = inst["tasks"][0]
    assert api.get(f"/api/tasks/{approval['id']}").get_json()["status"] == "cancelled"
    fired = events(api, inst["id"], "timer.fired")
    assert [e["activity"] for e in fired] == ["Event_chase", "Event_timeout"]
    assert fired[1]["data"]["lag_ms"] == 30000
    assert waiting_timers(api) == []
