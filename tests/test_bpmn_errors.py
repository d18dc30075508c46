"""BPMN errors and escalations thrown inside subprocesses and call activities, caught by boundary events."""

from __future__ import annotations


def _activities(inst):
    return sorted(t["activity"] for t in inst["tasks"])


def test_error_end_event_in_a_subprocess_is_caught_by_its_boundary(api):
    api.deploy("ex_errors.bpmn")
    bad = api.start("ex_err_sub", {"valid": False})
    assert bad["status"] == "running"
    assert _activities(bad) == ["fix"]
    assert api.complete(bad["tasks"][0]["id"])["status"] == "completed"
    finished = [e["activity"] for e in api.history(bad["id"]) if e["type"] == "activity.completed"]
    assert "on_invalid" in finished and "on_other" not in finished and "end_ok" not in finished

    good = api.start("ex_err_sub", {"valid": True})
    assert good["status"] == "completed"
    finished = [e["activity"] for e in api.history(good["id"]) if e["type"] == "activity.completed"]
    assert "end_ok" in finished and "on_invalid" not in finished


def test_error_thrown_by_a_called_process_is_caught_on_the_call_activity(api):
    api.deploy("ex_errors.bpmn")
    inst = api.start("ex_err_call", {"order": 7})
    assert inst["status"] == "running"
    assert _activities(inst) == ["handle"]
    done = api.complete(inst["tasks"][0]["id"])
    assert done["status"] == "completed"
    finished = [e["activity"] for e in api.history(inst["id"]) if e["type"] == "activity.completed"]
    assert "child_failed" in finished and "c_end" not in finished


def test_non_interrupting_escalation_from_a_subprocess(api):
    api.deploy("ex_errors.bpmn")
    inst = api.start("ex_esc")
    assert _activities(inst) == ["d_drive", "tell_customer"]
    tasks = {t["activity"]: t["id"] for t in inst["tasks"]}
    assert api.complete(tasks["tell_customer"])["status"] == "running"
    assert api.complete(tasks["d_drive"])["status"] == "completed"
