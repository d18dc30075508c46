"""The shortest path a new user takes: deploy, start, see the task, complete it."""

from __future__ import annotations


def test_deploy_start_complete(api):
    deployed = api.deploy("review_timeout.bpmn", note="first version")
    assert deployed["definitions"][0]["key"] == "review_timeout"
    inst = api.start("review_timeout", {"amount": 300, "skip": False})
    assert inst["status"] == "running"
    assert inst["variables"]["total"] == 600
    assert [t["activity"] for t in inst["tasks"]] == ["review"]
    assert inst["waiting"][0]["type"] == "timer"
    done = api.complete(inst["tasks"][0]["id"], {"ok": True})
    assert done["status"] == "completed"
    assert done["ended_at"] is not None
    types = [e["type"] for e in api.history(inst["id"])]
    assert types[0] == "instance.started"
    assert "task.completed" in types and types[-1] == "instance.completed"


def test_default_flow_when_condition_false(api):
    api.deploy("review_timeout.bpmn")
    inst = api.start("review_timeout", {"amount": 10, "skip": False})
    assert inst["status"] == "completed"
    assert inst["tasks"] == []
