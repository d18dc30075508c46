"""Batches through the API (issue 23), on both databases: an action on a selection or on a filter's instances,
run in chunks by the clock's job (called here directly), each instance's outcome kept, one failure isolated,
resumed after a restart, never run twice by two workers; bad bodies are 422s naming the field; roles."""

from __future__ import annotations

import threading

import pytest

from bpmn_server.services import batch_runner


def _run(app, size=None):
    with app.app_context():
        return batch_runner.run_batches(size)


def _chunk(app, batch_id, size):
    with app.app_context():
        return batch_runner.run_chunk(batch_id, size)


def _waiting(api, n, key="b"):
    api.deploy("core_message_wait.bpmn")
    return [api.start("core_message_wait", business_key=f"{key}-{i}")["id"] for i in range(n)]


def _create(api, body, expect=201):
    r = api.post("/api/batches", body)
    assert r.status_code == expect, r.get_json()
    return r.get_json()


def _batch(api, batch_id):
    r = api.get(f"/api/batches/{batch_id}")
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def _count(api, instance_id, kind):
    return sum(1 for e in api.history(instance_id) if e["type"] == kind)


def test_suspend_a_selection_in_chunks_with_progress_and_history(api, app):
    ids = _waiting(api, 7)
    anna = api.as_user("anna", "analyst")
    batch = _create(anna, {"action": "suspend", "instances": ids + ids[:1]})  # a repeated id counts once
    assert batch["status"] == "running" and batch["created_by"] == "anna"
    assert batch["progress"] == {"total": 7, "done": 0, "failed": 0, "remaining": 7, "skipped": 0}
    assert _chunk(app, batch["id"], 3) == {"ok": 3}
    seen = _batch(api, batch["id"])
    assert seen["progress"] == {"total": 7, "done": 3, "failed": 0, "remaining": 4, "skipped": 0}
    assert [(i["instance_id"], i["status"]) for i in seen["items"]] == (
        [(i, "ok") for i in ids[:3]] + [(i, "pending") for i in ids[3:]])
    assert _run(app, 3) == {"ok": 4, "error": 0}
    seen = _batch(api, batch["id"])
    assert seen["status"] == "completed" and seen["ended_at"] and seen["progress"]["done"] == 7
    assert all(api.instance(i)["status"] == "suspended" for i in ids)
    [event] = [e for e in api.history(ids[0]) if e["type"] == "instance.suspended"]
    assert event["actor"] == "anna" and event["data"]["batch_id"] == batch["id"]  # which batch did it
    assert seen["items"][0]["business_key"] == "b-0" and seen["items"][0]["process"] == "core_message_wait"
    created, completed = (api.get("/api/history/events", query_string={"type": t}).get_json()["items"]
                          for t in ("batch.created", "batch.completed"))
    assert [(e["actor"], e["data"]["action"], e["data"]["total"]) for e in created] == [("anna", "suspend", 7)]
    assert [(e["data"]["done"], e["data"]["failed"], e["data"]["created_by"]) for e in completed] == [(7, 0, "anna")]
    listed = api.get("/api/batches", query_string={"status": "completed"}).get_json()
    assert [b["id"] for b in listed["items"]] == [batch["id"]] and listed["next"] is None
    page = api.get(f"/api/batches/{batch['id']}/items", query_string={"limit": 5}).get_json()
    assert len(page["items"]) == 5 and page["next"]
    rest = api.get(f"/api/batches/{batch['id']}/items", query_string={"after": page["next"]}).get_json()
    assert [i["position"] for i in rest["items"]] == [5, 6]
    assert _run(app) == {"ok": 0, "error": 0}  # nothing left to do


def test_one_failure_is_isolated_and_keeps_its_problem(api, app):
    ids = _waiting(api, 5)
    r = api.post(f"/api/process-instances/{ids[2]}/cancel", {"reason": "duplicate"})
    assert r.status_code == 200
    batch = _create(api, {"action": "cancel", "instances": ids, "reason": "the customer withdrew"})
    assert _run(app, 25) == {"ok": 4, "error": 1}
    seen = _batch(api, batch["id"])
    assert seen["status"] == "completed"
    assert seen["progress"] == {"total": 5, "done": 4, "failed": 1, "remaining": 0, "skipped": 0}
    [failed] = [i for i in seen["items"] if i["status"] == "error"]
    assert failed["instance_id"] == ids[2]
    assert failed["problem"]["status"] == 409 and failed["problem"]["title"] == "Conflict"
    assert "cancelled" in failed["problem"]["detail"]
    for i in ids:
        assert api.instance(i)["status"] == "cancelled"
    [event] = [e for e in api.history(ids[0]) if e["type"] == "instance.cancelled"]
    assert event["data"]["reason"] == "the customer withdrew"
    assert _count(api, ids[2], "instance.cancelled") == 1  # the failed one was not cancelled again


def test_retry_every_failed_instance_matching_a_filter(api, app):
    api.deploy("ex_script_fail.bpmn")
    failed = [api.start("ex_script_fail", {"amount": 10, "count": 0, "customer": f"c{i}"})["id"] for i in range(4)]
    other = _waiting(api, 2)
    for i in failed:
        r = api.patch(f"/api/process-instances/{i}/variables", {"set": {"count": 4}, "reason": "fixed"})
        assert r.status_code == 200
    batch = _create(api, {"action": "retry", "filter": {"process": "ex_script_fail", "status": "failed"},
                          "reason": "count repaired"})
    assert batch["selection"] == {"filter": {"process": "ex_script_fail", "status": "failed"}}
    assert batch["progress"]["total"] == 4 and batch["reason"] == "count repaired"
    assert _run(app) == {"ok": 4, "error": 0}
    assert {api.instance(i)["status"] for i in failed} == {"running"}
    assert {api.instance(i)["status"] for i in other} == {"running"}
    assert set(i["instance_id"] for i in _batch(api, batch["id"])["items"]) == set(failed)
    r = api.post("/api/batches", {"action": "retry", "filter": {"process": "ex_script_fail", "status": "failed"},
                                  "reason": "again"})
    assert r.status_code == 422 and r.get_json()["errors"][0]["field"] == "filter"


def test_migrate_a_selection(api, app):
    for name in ("ex_migrate_v1.bpmn", "ex_migrate_v2.bpmn"):
        api.deploy(name)
    ids = [api.start("ex_migrate", {"order": i}, version=1)["id"] for i in range(3)]
    batch = _create(api, {"action": "migrate", "instances": ids, "version": 2, "reason": "new version"})
    assert batch["version"] == 2
    assert _run(app) == {"ok": 3, "error": 0}
    assert {api.instance(i)["version"] for i in ids} == {2}
    [event] = [e for e in api.history(ids[0]) if e["type"] == "instance.migrated"]
    assert event["data"]["reason"] == "new version"


def test_resumes_after_a_restart_and_does_nothing_twice(api, app, app_config, monkeypatch):
    ids = _waiting(api, 12)
    batch = _create(api, {"action": "suspend", "instances": ids})
    assert _chunk(app, batch["id"], 5) == {"ok": 5}
    real = batch_runner.apply
    calls = []

    def dies_on_the_third(found, instance_id):
        calls.append(instance_id)
        if len(calls) == 3:
            raise SystemExit("the process is killed")  # not an error of the action: the chunk is lost with it
        return real(found, instance_id)

    monkeypatch.setattr(batch_runner, "apply", dies_on_the_third)
    with pytest.raises(SystemExit):
        _chunk(app, batch["id"], 5)
    seen = _batch(api, batch["id"])
    assert seen["progress"]["done"] == 5 and seen["progress"]["remaining"] == 7
    assert [api.instance(i)["status"] for i in ids[5:7]] == ["running", "running"]  # rolled back with the chunk
    monkeypatch.setattr(batch_runner, "apply", real)

    from bpmn_server import create_app
    from models import db

    restarted = create_app(app_config)  # a new server process on the same database
    try:
        assert _run(restarted, 5) == {"ok": 7, "error": 0}
    finally:
        with restarted.app_context():
            db.session.remove()
            db.engine.dispose()
    seen = _batch(api, batch["id"])
    assert seen["status"] == "completed" and seen["progress"]["done"] == 12
    assert [_count(api, i, "instance.suspended") for i in ids] == [1] * 12


def test_two_workers_never_take_the_same_chunk(api, app, is_postgres, monkeypatch):
    ids = _waiting(api, 10)
    batch = _create(api, {"action": "suspend", "instances": ids})
    real = batch_runner.apply
    holding, release = threading.Event(), threading.Event()
    ran: dict[str, list[str]] = {"a": [], "b": []}

    def watched(found, instance_id):
        name = threading.current_thread().name
        ran[name].append(instance_id)
        if name == "a" and not holding.is_set():
            holding.set()
            assert release.wait(60)
        return real(found, instance_id)

    monkeypatch.setattr(batch_runner, "apply", watched)
    a = threading.Thread(target=_chunk, args=(app, batch["id"], 5), name="a")
    b = threading.Thread(target=_chunk, args=(app, batch["id"], 5), name="b")
    a.start()
    assert holding.wait(60)
    b.start()
    if is_postgres:  # B skips the rows A holds and runs the next five while A is still in its chunk
        b.join(60)
        assert ran["b"] == ids[5:]
    release.set()
    a.join(60)
    b.join(60)
    assert ran["a"] == ids[:5] and ran["b"] == ids[5:]  # on SQLite B waited for A's commit, then took the rest
    assert [_count(api, i, "instance.suspended") for i in ids] == [1] * 10


def test_two_workers_run_a_batch_concurrently_each_instance_once(api, app):
    ids = _waiting(api, 24)
    batch = _create(api, {"action": "suspend", "instances": ids})
    results: list[dict] = []
    workers = [threading.Thread(target=lambda: results.append(_run(app, 4))) for _ in range(2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(120)
    assert sum(r["ok"] for r in results) == 24 and sum(r["error"] for r in results) == 0
    assert [_count(api, i, "instance.suspended") for i in ids] == [1] * 24
    completed = api.get("/api/history/events", query_string={"type": "batch.completed"}).get_json()["items"]
    assert [e["data"]["batch_id"] for e in completed] == [batch["id"]]  # recorded once


def test_cancel_a_running_batch(api, app):
    ids = _waiting(api, 6)
    batch = _create(api, {"action": "suspend", "instances": ids})
    _chunk(app, batch["id"], 2)
    assert api.post(f"/api/batches/{batch['id']}/cancel", {}).get_json()["errors"][0]["field"] == "reason"
    r = api.post(f"/api/batches/{batch['id']}/cancel", {"reason": "wrong selection"})
    assert r.status_code == 200, r.get_json()
    cancelled = r.get_json()
    assert cancelled["status"] == "cancelled" and cancelled["cancel_reason"] == "wrong selection"
    assert cancelled["progress"] == {"total": 6, "done": 2, "failed": 0, "remaining": 0, "skipped": 4}
    assert _run(app) == {"ok": 0, "error": 0}
    assert [api.instance(i)["status"] for i in ids] == ["suspended"] * 2 + ["running"] * 4
    assert api.post(f"/api/batches/{batch['id']}/cancel", {"reason": "again"}).status_code == 409
    [event] = api.get("/api/history/events", query_string={"type": "batch.cancelled"}).get_json()["items"]
    assert event["data"]["reason"] == "wrong selection" and event["data"]["skipped"] == 4
    assert api.post("/api/batches/no-such-batch/cancel", {"reason": "x"}).status_code == 404
    assert api.get("/api/batches/no-such-batch").status_code == 404


@pytest.mark.parametrize("body, field", [
    ({"action": "cancel", "instances": ["X"]}, "reason"),
    ({"action": "cancel", "instances": ["X"], "reason": "  "}, "reason"),
    ({"action": "explode", "instances": ["X"]}, "action"),
    ({"action": "migrate", "instances": ["X"], "reason": "r"}, "version"),
    ({"action": "suspend", "instances": ["X"], "version": 2}, "version"),
    ({"action": "suspend"}, "instances"),
    ({"action": "suspend", "instances": ["X"], "filter": {}}, "instances"),
    ({"action": "suspend", "instances": []}, "instances"),
    ({"action": "suspend", "instances": ["X", "no-such-instance"]}, "instances[1]"),
    ({"action": "suspend", "filter": {"status": "sleeping"}}, "filter.status"),
    ({"action": "suspend", "filter": {"process": "nothing-like-this"}}, "filter"),
    ({"action": "modify", "instances": ["X"], "reason": "r", "instructions": [{"jump": "a"}]}, "instructions[0]"),
    ({"action": "modify", "instances": ["X"], "reason": "r"}, "instructions"),
])
def test_bad_bodies_are_422_naming_the_field_and_create_nothing(api, body, field):
    [known] = _waiting(api, 1)
    body = {**body, **({"instances": [known if i == "X" else i for i in body["instances"]]}
                       if "instances" in body else {})}
    r = api.post("/api/batches", body)
    assert r.status_code == 422, r.get_json()
    assert r.headers["Content-Type"] == "application/problem+json"
    assert r.get_json()["errors"][0]["field"] == field, r.get_json()
    assert api.get("/api/batches").get_json()["items"] == []


def test_roles(api, app):
    ids = _waiting(api, 2)
    olga, audrey = api.as_user("olga", "operator"), api.as_user("audrey", "auditor")
    body = {"action": "suspend", "instances": ids}
    assert olga.post("/api/batches", body).status_code == 403
    assert audrey.post("/api/batches", body).status_code == 403
    batch = _create(api.as_user("anna", "analyst"), body)
    assert olga.get("/api/batches").status_code == 403
    assert olga.get(f"/api/batches/{batch['id']}").status_code == 403
    assert audrey.get(f"/api/batches/{batch['id']}").status_code == 200
    assert audrey.post(f"/api/batches/{batch['id']}/cancel", {"reason": "no"}).status_code == 403
    assert _run(app) == {"ok": 2, "error": 0}
    paths = api.get("/api/openapi.json").get_json()["paths"]
    assert {"/api/batches", "/api/batches/{batch_id}", "/api/batches/{batch_id}/items",
            "/api/batches/{batch_id}/cancel"} <= set(paths)


def test_an_instance_that_lost_a_race_is_tried_again_in_the_next_round(api, app, monkeypatch):
    from sqlalchemy.orm.exc import StaleDataError

    ids = _waiting(api, 3)
    batch = _create(api, {"action": "suspend", "instances": ids})
    real = batch_runner.apply
    raced: list[str] = []

    def races_once(found, instance_id):
        if instance_id == ids[1] and not raced:
            raced.append(instance_id)
            raise StaleDataError("the instance's revision moved on")
        return real(found, instance_id)

    monkeypatch.setattr(batch_runner, "apply", races_once)
    assert _run(app) == {"ok": 2, "error": 0}
    seen = _batch(api, batch["id"])
    assert seen["status"] == "running" and seen["progress"]["remaining"] == 1
    assert _run(app) == {"ok": 1, "error": 0}
    assert _batch(api, batch["id"])["status"] == "completed"
    assert [api.instance(i)["status"] for i in ids] == ["suspended"] * 3
