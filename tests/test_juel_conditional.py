"""Conditional events with a `${...}` condition (issue 15): translated at deploy, evaluated again whenever the
instance's variables change (a task completed in another branch, a repair), intermediate and boundary."""

from __future__ import annotations


def _patch(api, instance_id, values):
    r = api.patch(f"/api/process-instances/{instance_id}/variables", {"set": values, "reason": "test"})
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def _open(inst):
    return sorted(t["activity"] for t in inst["tasks"])


def test_an_intermediate_condition_holds_after_a_task_in_another_branch(api):
    api.deploy("juel_conditional.bpmn")
    inst = api.start("juel_cond_catch", {"order": {"ready": False, "items": ["book"]}})
    assert inst["status"] == "running" and _open(inst) == ["prepare"]
    inst = api.complete(inst["tasks"][0]["id"], {"order": {"ready": True, "items": ["book"]}})
    assert inst["incidents"] == [] and _open(inst) == ["ship"]
    events = api.get(f"/api/process-instances/{inst['id']}/history").get_json()["items"]
    assert "until_ready" in [e["activity"] for e in events if e["type"] == "activity.completed"]


def test_an_intermediate_condition_true_at_once_does_not_wait(api):
    api.deploy("juel_conditional.bpmn")
    inst = api.start("juel_cond_catch", {"order": {"ready": True, "items": ["book"]}})
    assert _open(inst) == ["prepare", "ship"]


def test_an_intermediate_condition_holds_after_a_repair(api):
    api.deploy("juel_conditional.bpmn")
    inst = api.start("juel_cond_catch", {"order": {"ready": False, "items": []}})
    inst = _patch(api, inst["id"], {"order": {"ready": True, "items": []}})
    assert _open(inst) == ["prepare"]  # `not empty order.items` still false
    inst = _patch(api, inst["id"], {"order": {"ready": True, "items": ["pen"]}})
    assert _open(inst) == ["prepare", "ship"]


def test_boundary_conditions_non_interrupting_then_interrupting(api):
    api.deploy("juel_conditional.bpmn")
    inst = api.start("juel_cond_boundary", {"d": {"status": "open"}, "priority": "low"})
    assert _open(inst) == ["work"]
    inst = _patch(api, inst["id"], {"priority": "high"})
    assert _open(inst) == ["notify", "work"]  # non-interrupting: work goes on
    inst = _patch(api, inst["id"], {"d": {"status": "withdrawn"}})
    assert _open(inst) == ["notify"]  # interrupting: work is cancelled
    events = api.get(f"/api/process-instances/{inst['id']}/history").get_json()["items"]
    assert [e["activity"] for e in events if e["type"] == "task.cancelled"] == ["work"]


def test_a_boundary_condition_true_on_entry_interrupts_at_once(api):
    api.deploy("juel_conditional.bpmn")
    inst = api.start("juel_cond_boundary", {"d": {"status": "withdrawn"}})
    assert inst["status"] == "completed" and inst["tasks"] == []


def test_a_failing_condition_is_an_incident_naming_it(api):
    api.deploy("juel_conditional.bpmn")
    inst = api.start("juel_cond_catch", {"order": {"ready": False, "items": ["x"]}})
    inst = _patch(api, inst["id"], {"order": {"ready": 7, "items": ["x"]}})
    assert inst["status"] == "failed"
    assert "${order.ready == true" in inst["incidents"][0]["message"]
    assert inst["incidents"][0]["activity"] == "until_ready"


def test_an_unsupported_condition_is_refused_at_deploy(api):
    from tests.client import DIAGRAMS

    xml = (DIAGRAMS / "juel_conditional.bpmn").read_text().replace(
        "${d.status == 'withdrawn'}", "${statusService.isWithdrawn(d)}").encode()
    r = api.client.post("/api/deployments", data=xml, content_type="application/xml",
                        headers={"Authorization": f"Bearer {api.token}"})
    assert r.status_code == 422
    assert [e["element"] for e in r.get_json()["errors"]] == ["withdrawn"]
    assert "isWithdrawn()" in r.get_json()["errors"][0]["message"]
