"""Whatever an instance's data is before a step (repairs, task results, script results) is its data after it.

SpiffWorkflow keeps data per task, and some operations rebuild a task from its parent's (older) copy. Each
path that moves an instance on is tried here after a repair: migration, retry, suspend and resume, timers,
messages, external tasks, a join of parallel branches, and cancel.
"""

from __future__ import annotations

from tests.client import DIAGRAMS

REPAIR = {"amount": 350, "note": "corrected"}


def _repair(api, instance_id, values=None, unset=(), reason="amount was mistyped"):
    r = api.patch(f"/api/process-instances/{instance_id}/variables",
                  {"set": values if values is not None else REPAIR, "unset": list(unset), "reason": reason})
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def _migrate(api, instance_id, version):
    r = api.post(f"/api/process-instances/{instance_id}/migrate", {"version": version, "reason": "fixed flow"})
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def _deploy_twice(api, name):
    """Version 1 and a version 2 with the same activities (the bytes differ by a comment)."""
    xml = (DIAGRAMS / name).read_text()
    api.deploy(xml)
    api.deploy(xml.replace("</bpmn:definitions>", "<!-- version 2 --></bpmn:definitions>"))


def test_a_migration_keeps_a_repair(api):
    """The issue's case: a repair shows 350, a migration must not bring back 320 nor drop `note`."""
    _deploy_twice(api, "ex_migrate_v1.bpmn")
    api.deploy("ex_migrate_v2.bpmn")
    inst = api.start("ex_migrate", {"amount": 320}, version=1)
    assert _repair(api, inst["id"])["variables"] == {"amount": 350, "note": "corrected"}
    moved = _migrate(api, inst["id"], 3)
    assert moved["version"] == 3 and moved["variables"] == {"amount": 350, "note": "corrected"}
    assert api.instance(inst["id"])["variables"] == {"amount": 350, "note": "corrected"}
    # And the data goes on with the token: the task completes with it.
    done = api.complete(moved["tasks"][0]["id"])
    assert done["variables"]["amount"] == 350 and done["variables"]["note"] == "corrected"
    history = api.history(inst["id"])
    [updated] = [e for e in history if e["type"] == "variables.updated"]
    assert updated["data"]["set"] == REPAIR and updated["data"]["reason"] == "amount was mistyped"
    [migrated] = [e for e in history if e["type"] == "instance.migrated"]
    assert migrated["data"]["reason"] == "fixed flow"


def test_a_migration_keeps_the_result_of_a_finished_parallel_branch(api):
    """A branch that finished (its task result newer than the other branch's copy) keeps winning."""
    _deploy_twice(api, "core_parallel_tasks.bpmn")
    inst = api.start("core_parallel_tasks", {"amount": 320}, version=1)
    legal, finance = sorted(inst["tasks"], key=lambda t: t["activity"])[::-1]
    assert legal["activity"] == "Activity_legal"
    after = api.complete(legal["id"], {"legal_ok": True, "amount": 400})
    assert after["variables"]["amount"] == 400
    moved = _migrate(api, inst["id"], 2)
    assert moved["variables"] == after["variables"]
    assert [t["id"] for t in moved["tasks"]] == [finance["id"]]


def test_a_migration_keeps_repairs_of_every_kind_of_wait(api):
    """Waiting at a timer, a message, an external task and a failed script: each keeps its repair."""
    started = {}
    for name, key, variables in (("timer_catch.bpmn", "timer_catch", {"wait": "PT1H", "amount": 320}),
                                 ("core_message_wait.bpmn", "core_message_wait", {"amount": 320}),
                                 ("ex_external.bpmn", "ex_ext", {"amount": 320}),
                                 ("ex_script_fail.bpmn", "ex_script_fail", {"amount": 320, "count": 0})):
        _deploy_twice(api, name)
        started[key] = api.start(key, variables, version=1)
    assert started["ex_script_fail"]["status"] == "failed"
    for key, inst in started.items():
        before = _repair(api, inst["id"])["variables"]
        assert before["amount"] == 350 and before["note"] == "corrected"
        moved = _migrate(api, inst["id"], 2)
        assert moved["variables"] == before, key
        assert moved["status"] == inst["status"], key


def test_a_join_merges_the_repaired_data_of_a_branch_that_finished(api):
    """Set and unset reach the finished branch waiting at the join, so the join cannot bring back the old."""
    api.deploy("core_parallel_tasks.bpmn")
    inst = api.start("core_parallel_tasks", {"amount": 320, "draft": "yes"})
    legal, finance = sorted(inst["tasks"], key=lambda t: t["activity"])[::-1]
    api.complete(legal["id"], {"legal_ok": True})
    repaired = _repair(api, inst["id"], {"amount": 350, "legal_ok": False}, unset=["draft"])
    assert repaired["variables"] == {"amount": 350, "legal_ok": False}
    done = api.complete(finance["id"], {"finance_ok": True})
    assert done["status"] == "completed"
    assert done["variables"] == {"amount": 350, "legal_ok": False, "finance_ok": True, "approved": False}


def test_a_retry_keeps_the_repair(api):
    api.deploy("ex_script_fail.bpmn")
    inst = api.start("ex_script_fail", {"amount": 10, "count": 0})
    _repair(api, inst["id"], {"count": 4, "note": "corrected"})
    r = api.post(f"/api/process-instances/{inst['id']}/retry", {"reason": "count fixed"})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["variables"] == {"amount": 10, "count": 4, "note": "corrected", "prepared": True,
                                         "ratio": 2.5, "label": "ratio 2.5"}


def test_suspend_and_resume_keep_the_repair(api):
    api.deploy("ex_migrate_v1.bpmn")
    inst = api.start("ex_migrate", {"amount": 320})
    _repair(api, inst["id"])
    assert api.post(f"/api/process-instances/{inst['id']}/suspend").get_json()["variables"]["amount"] == 350
    resumed = api.post(f"/api/process-instances/{inst['id']}/resume").get_json()
    assert resumed["variables"] == {"amount": 350, "note": "corrected"}
    done = api.complete(resumed["tasks"][0]["id"])
    assert done["variables"] == {"amount": 350, "note": "corrected"}


def _fire(api, instance_id, activity):
    [timer] = [t for t in api.get("/api/timers", query_string={"limit": 500}).get_json()["items"]
               if t["instance_id"] == instance_id and t["activity"] == activity]
    r = api.post(f"/api/timers/{timer['id']}/fire")
    assert r.status_code == 200, r.get_json()


def test_timers_keep_the_repair(api):
    api.deploy("timer_catch.bpmn", "timer_boundary.bpmn")
    waiting = api.start("timer_catch", {"wait": "PT1H", "amount": 320})
    _repair(api, waiting["id"])
    _fire(api, waiting["id"], "wait")
    assert api.instance(waiting["id"])["variables"] == {"wait": "PT1H", "amount": 350, "note": "corrected"}

    review = api.start("timer_boundary", {"amount": 320})
    _repair(api, review["id"])
    _fire(api, review["id"], "remind")  # non-interrupting cycle: a new "chase" task, with the repaired data
    [chase] = [t for t in api.instance(review["id"])["tasks"] if t["activity"] == "chase"]
    assert api.complete(chase["id"])["variables"]["amount"] == 350
    _fire(api, review["id"], "deadline")  # interrupting: the script path runs on the repaired data
    done = api.instance(review["id"])
    assert done["status"] == "completed"
    assert done["variables"] == {"amount": 350, "note": "corrected", "outcome": "expired"}


def test_a_message_keeps_the_repair(api):
    api.deploy("core_message_wait.bpmn")
    inst = api.start("core_message_wait", {"amount": 320}, business_key="PAY-1")
    _repair(api, inst["id"])
    r = api.post("/api/messages", {"name": "payment_received", "business_key": "PAY-1", "variables": {"paid": 1}})
    assert r.status_code == 200, r.get_json()
    done = api.instance(inst["id"])
    assert done["status"] == "completed"
    assert done["variables"] == {"amount": 350, "note": "corrected", "paid": 1, "booked": True}


def test_a_signal_keeps_the_repair(api):
    api.deploy("ex_signals.bpmn")
    inst = api.start("ex_sig_boundary", {"amount": 320})
    _repair(api, inst["id"])
    assert api.post("/api/signals", {"name": "product-recall"}).get_json()["delivered"] == 1
    after = api.instance(inst["id"])
    assert [t["activity"] for t in after["tasks"]] == ["scrap"]
    assert after["variables"] == {"amount": 350, "note": "corrected"}
    assert api.complete(after["tasks"][0]["id"])["variables"] == {"amount": 350, "note": "corrected"}


def test_an_external_task_keeps_the_repair(api):
    api.deploy("ex_external.bpmn")
    inst = api.start("ex_ext", {"amount": 320})
    _repair(api, inst["id"])
    r = api.post("/api/external-tasks/fetch-and-lock",
                 {"worker_id": "w1", "topics": [{"name": "payment", "lock_duration_ms": 60000}], "max_tasks": 1})
    [task] = r.get_json()["items"]
    assert task["variables"]["amount"] == 350  # the worker gets the repaired data
    r = api.post(f"/api/external-tasks/{task['id']}/complete", {"worker_id": "w1", "variables": {"charged": True}})
    assert r.status_code == 204 or r.status_code == 200, r.get_json()
    assert api.instance(inst["id"])["variables"] == {"amount": 350, "note": "corrected", "charged": True}


def test_a_cancel_keeps_the_repair(api):
    api.deploy("ex_migrate_v1.bpmn")
    inst = api.start("ex_migrate", {"amount": 320})
    _repair(api, inst["id"])
    r = api.post(f"/api/process-instances/{inst['id']}/cancel", {"reason": "customer withdrew"})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["status"] == "cancelled"
    assert r.get_json()["variables"] == {"amount": 350, "note": "corrected"}
    assert api.instance(inst["id"])["variables"] == {"amount": 350, "note": "corrected"}
