"""Migration of running instances to another version of their process."""

from __future__ import annotations

from tests.client import DIAGRAMS


def _deploy_versions(api):
    for name in ("ex_migrate_v1.bpmn", "ex_migrate_v2.bpmn", "ex_migrate_v3.bpmn"):
        api.deploy(name)


def _migrate(api, instance_id, version, expect=200):
    r = api.post(f"/api/process-instances/{instance_id}/migrate", {"version": version, "reason": "new version"})
    assert r.status_code == expect, r.get_json()
    return r.get_json()


def test_waiting_user_task_moves_to_its_renamed_counterpart(api):
    _deploy_versions(api)
    inst = api.start("ex_migrate", {"order": 5}, version=1)
    [task] = inst["tasks"]
    assert task["activity"] == "review"

    moved = _migrate(api, inst["id"], 2)
    assert moved["version"] == 2 and moved["status"] == "running"
    assert [(t["id"], t["activity"], t["name"]) for t in moved["tasks"]] == [
        (task["id"], "check_order", "Check the order")]
    assert moved["variables"] == {"order": 5}
    [event] = [e for e in api.history(inst["id"]) if e["type"] == "instance.migrated"]
    assert event["data"]["from_version"] == 1 and event["data"]["to_version"] == 2
    assert event["data"]["renamed"] == {"review": "check_order"}
    assert event["version"] == 2

    after = api.complete(task["id"], {"ok": True})
    assert [t["activity"] for t in after["tasks"]] == ["approve"]
    done = api.complete(after["tasks"][0]["id"])
    assert done["status"] == "completed"
    assert done["variables"] == {"order": 5, "ok": True, "finished_in": 2}  # version 2's script ran


def test_refused_when_the_waiting_task_was_removed(api):
    _deploy_versions(api)
    inst = api.start("ex_migrate", version=1)
    r = api.post(f"/api/process-instances/{inst['id']}/migrate", {"version": 3, "reason": "v3"})
    assert r.status_code == 422
    problem = r.get_json()
    assert [e["activity"] for e in problem["errors"]] == ["review"]
    assert "review" in problem["detail"]
    same = api.instance(inst["id"])
    assert same["version"] == 1 and [t["activity"] for t in same["tasks"]] == ["review"]
    assert "instance.migrated" not in [e["type"] for e in api.history(inst["id"])]


def test_an_instance_past_a_removed_task_can_move(api):
    _deploy_versions(api)
    inst = api.start("ex_migrate", version=1)
    past = api.complete(inst["tasks"][0]["id"], {"reviewed": True})
    moved = _migrate(api, inst["id"], 3)
    assert moved["version"] == 3 and [t["activity"] for t in moved["tasks"]] == ["approve"]
    assert api.complete(past["tasks"][0]["id"])["status"] == "completed"
    # The removed step stays in the history.
    assert "review" in [e["activity"] for e in api.history(inst["id"]) if e["type"] == "activity.completed"]


def test_migration_requests_that_are_refused(api):
    _deploy_versions(api)
    inst = api.start("ex_migrate", version=1)
    _migrate(api, inst["id"], 9, expect=422)
    _migrate(api, inst["id"], 1, expect=409)
    _migrate(api, "nope", 2, expect=404)
    operator = api.as_user("otto", "operator")
    r = operator.post(f"/api/process-instances/{inst['id']}/migrate", {"version": 2, "reason": "x"})
    assert r.status_code == 403
    api.post(f"/api/process-instances/{inst['id']}/cancel", {"reason": "test"})
    _migrate(api, inst["id"], 2, expect=409)


def test_a_failed_instance_migrates_to_a_fixed_version_and_retries(api):
    broken = (DIAGRAMS / "ex_script_fail.bpmn").read_text()
    api.deploy(broken)
    inst = api.start("ex_script_fail", {"amount": 10, "count": 0})
    assert inst["status"] == "failed"
    api.deploy(broken.replace("ratio = amount / count", "ratio = amount / count if count else 0"))
    moved = _migrate(api, inst["id"], 2)
    assert moved["status"] == "failed" and moved["version"] == 2
    fixed = api.post(f"/api/process-instances/{inst['id']}/retry", {"reason": "repaired"}).get_json()
    assert fixed["status"] == "running" and fixed["variables"]["ratio"] == 0


