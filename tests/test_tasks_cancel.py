"""Tasks that the process takes away: a boundary timer, a cancel, a terminate end event."""

from __future__ import annotations

import datetime as dt


def task_events(api, instance_id):
    return [(e["type"], e["actor"], e["activity"]) for e in api.history(instance_id) if e["type"].startswith("task.")]


def test_an_interrupting_boundary_timer_cancels_its_task(app, api):
    from bpmn_server.services.timers import fire_due_timers

    api.deploy("task_boundary.bpmn")
    support = api.as_user("sam", "operator", ["support"])
    manager = api.as_user("mia", "operator", ["managers"])
    inst = api.start("task_boundary")
    task_id = inst["tasks"][0]["id"]
    assert support.post(f"/api/tasks/{task_id}/claim").status_code == 200
    with app.app_context():
        assert fire_due_timers(dt.datetime.now(dt.UTC) + dt.timedelta(hours=3)) == 0
        assert fire_due_timers(dt.datetime.now(dt.UTC) + dt.timedelta(hours=5)) == 1
    task = api.get(f"/api/tasks/{task_id}").get_json()
    assert task["status"] == "cancelled" and task["completed_at"] is not None and task["completed_by"] is None
    assert support.post(f"/api/tasks/{task_id}/complete").status_code == 409
    assert support.post(f"/api/tasks/{task_id}/unclaim").status_code == 409
    assert support.tasks() == []
    assert [t["id"] for t in support.tasks(status="cancelled")] == [task_id]  # still held by sam
    assert [t["activity"] for t in manager.tasks()] == ["escalated"]
    assert task_events(api, inst["id"]) == [
        ("task.created", "admin", "answer"), ("task.claimed", "sam", "answer"),
        ("task.cancelled", "system", "answer"), ("task.created", "system", "escalated")]
    assert manager.complete(manager.tasks()[0]["id"])["status"] == "completed"


def test_cancelling_the_instance_cancels_its_open_tasks(api):
    api.deploy("task_terminate.bpmn")
    analyst = api.as_user("ann", "analyst")
    inst = api.start("task_terminate")
    assert len(inst["tasks"]) == 2
    r = analyst.post(f"/api/process-instances/{inst['id']}/cancel", {"reason": "duplicate request"})
    assert r.status_code == 200 and r.get_json()["status"] == "cancelled" and r.get_json()["tasks"] == []
    for task in inst["tasks"]:
        assert api.get(f"/api/tasks/{task['id']}").get_json()["status"] == "cancelled"
    assert sorted(e for e in task_events(api, inst["id"]) if e[0] == "task.cancelled") == [
        ("task.cancelled", "ann", "quick"), ("task.cancelled", "ann", "thorough")]
    assert api.tasks() == []


def test_a_terminate_end_event_cancels_the_other_branch(api):
    api.deploy("task_terminate.bpmn")
    expert = api.as_user("ed", "operator", ["experts"])
    support = api.as_user("sue", "operator", ["support"])
    inst = api.start("task_terminate")
    thorough = expert.tasks()[0]
    assert expert.post(f"/api/tasks/{thorough['id']}/claim").status_code == 200
    done = support.complete(support.tasks()[0]["id"], {"answer": "reboot"})
    assert done["status"] == "completed" and done["tasks"] == []
    assert api.get(f"/api/tasks/{thorough['id']}").get_json()["status"] == "cancelled"
    assert expert.post(f"/api/tasks/{thorough['id']}/complete").status_code == 409
    assert ("task.cancelled", "sue", "thorough") in task_events(api, inst["id"])
