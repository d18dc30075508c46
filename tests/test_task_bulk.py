"""Bulk task actions through the API (issue 23), on both databases: each task succeeds or fails on its own,
completing several needs one shared form, roles as for one task."""

from __future__ import annotations

from tests.test_task_filters import _setup


def test_bulk_claim_takes_what_is_free_and_reports_the_rest(api):
    olga, bob, carl = _setup(api)
    ids = [t["id"] for t in olga.tasks(process="claim")]
    assert bob.post(f"/api/tasks/{ids[0]}/claim").status_code == 200
    r = olga.post("/api/tasks/bulk/claim", {"tasks": ids + ["no-such-task"]})
    assert r.status_code == 200, r.get_json()
    results = r.get_json()["results"]
    assert [(x["task_id"], x["ok"], x["status"]) for x in results] == (
        [(ids[0], False, 409)] + [(i, True, 200) for i in ids[1:]] + [("no-such-task", False, 404)])
    assert "bob" in results[0]["detail"]
    assert sorted(t["id"] for t in olga.tasks(assignee="me")) == sorted(ids[1:])
    r = olga.post("/api/tasks/bulk/unclaim", {"tasks": ids[1:]})
    assert all(x["ok"] for x in r.get_json()["results"]) and olga.tasks(assignee="me") == []


def test_bulk_complete_uses_one_form_for_all_and_validates_each(api):
    olga, bob, carl = _setup(api)
    ids = [t["id"] for t in olga.tasks(process="claim")]
    olga.post("/api/tasks/bulk/claim", {"tasks": ids})
    r = olga.post("/api/tasks/bulk/complete", {"tasks": ids[:2], "variables": {"reason": "fine"}})
    assert [x["status"] for x in r.get_json()["results"]] == [422, 422]  # approved is required
    assert "not valid" in r.get_json()["results"][0]["detail"]
    r = olga.post("/api/tasks/bulk/complete", {"tasks": ids[:2], "variables": {"approved": True}})
    assert [x["ok"] for x in r.get_json()["results"]] == [True, True]
    assert sorted(t["id"] for t in olga.tasks(process="claim")) == sorted(ids[2:])
    r = olga.post("/api/tasks/bulk/complete", {"tasks": ids[2:3], "variables": {"approved": False}})
    revise = [t for t in olga.tasks(process="claim") if t["activity"] == "revise"][0]
    olga.post(f"/api/tasks/{revise['id']}/claim")
    r = olga.post("/api/tasks/bulk/complete", {"tasks": [ids[3], revise["id"]], "variables": {"approved": True}})
    assert r.status_code == 422 and r.get_json()["errors"] == [
        {"field": "tasks", "message": "the tasks do not share one form"}]
    assert {t["id"] for t in olga.tasks(process="claim")} == {ids[3], revise["id"]}  # nothing done


def test_bulk_roles_and_bad_bodies(api):
    olga, bob, carl = _setup(api)
    ids = [t["id"] for t in olga.tasks(process="claim")]
    assert olga.post("/api/tasks/bulk/assign", {"tasks": ids, "user": "bob"}).status_code == 403
    anna = api.as_user("anna", "analyst")
    assert anna.post("/api/tasks/bulk/claim", {"tasks": ids}).status_code == 403
    r = anna.post("/api/tasks/bulk/assign", {"tasks": ids[:2], "user": "bob"})
    assert [x["ok"] for x in r.get_json()["results"]] == [True, True]
    assert sorted(t["id"] for t in bob.tasks(assignee="me")) == sorted(ids[:2])
    assert olga.post("/api/tasks/bulk/claim", {"tasks": []}).status_code == 400
    assert olga.post("/api/tasks/bulk/claim", {}).status_code == 400
    paths = api.get("/api/openapi.json").get_json()["paths"]
    assert {"/api/tasks/bulk/claim", "/api/tasks/bulk/unclaim", "/api/tasks/bulk/assign",
            "/api/tasks/bulk/complete"} <= set(paths)
