"""The audit history: each action leaves its events with who and why, queries filter and page by
cursor, roles are enforced, and nothing can change or delete an event."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.client import DIAGRAMS


def find(events: list[dict], type_: str, **match) -> dict:
    hits = [e for e in events if e["type"] == type_ and all(e.get(k) == v for k, v in match.items())]
    assert hits, f"no {type_} {match} in {[e['type'] for e in events]}"
    return hits[0]


@pytest.fixture
def people(api):
    return {"analyst": api.as_user("ana", "analyst"), "clerk": api.as_user("cleo", "operator", ["clerks"]),
            "auditor": api.as_user("aud", "auditor")}


def test_task_lifecycle_events_carry_actor_and_data(api, people):
    analyst, clerk = people["analyst"], people["clerk"]
    deployed = analyst.deploy("gov_review.bpmn", note="first")
    inst = clerk.start("gov_review", {"amount": 21}, business_key="claim-7")
    task_id = inst["tasks"][0]["id"]
    assert clerk.post(f"/api/tasks/{task_id}/claim").status_code == 200
    assert clerk.post(f"/api/tasks/{task_id}/unclaim").status_code == 200
    assert analyst.post(f"/api/tasks/{task_id}/assign", {"user": "cleo"}).status_code == 200
    done = clerk.complete(task_id, {"approved": True, "note": "fine"})
    assert done["status"] == "completed"

    events = api.history(inst["id"])
    assert [e["seq"] for e in events] == sorted(e["seq"] for e in events)
    assert {e["instance_id"] for e in events} == {inst["id"]}
    started = find(events, "instance.started")
    assert started["actor"] == "cleo" and started["process"] == "gov_review" and started["version"] == 1
    assert started["data"]["variables"] == {"amount": 21} and started["data"]["business_key"] == "claim-7"
    assert find(events, "activity.completed", activity="prepare")["actor"] == "cleo"
    created = find(events, "task.created", task_id=task_id)
    assert created["activity"] == "review" and created["data"]["candidate_groups"] == ["clerks"]
    assert find(events, "task.claimed", task_id=task_id)["actor"] == "cleo"
    assert find(events, "task.unclaimed", task_id=task_id)["actor"] == "cleo"
    assigned = find(events, "task.assigned", task_id=task_id)
    assert assigned["actor"] == "ana" and assigned["data"] == {"from": None, "to": "cleo"}
    completed = find(events, "task.completed", task_id=task_id)
    assert completed["actor"] == "cleo" and completed["data"]["variables"] == {"approved": True, "note": "fine"}
    assert find(events, "activity.completed", activity="archive")["actor"] == "cleo"
    assert events[-1]["type"] == "instance.completed"
    assert events[-1]["data"]["variables"]["archived"] is True

    deployment = api.get("/api/history/events", query_string={"type": "deployment.created"}).get_json()["items"]
    assert deployment[0]["actor"] == "ana" and deployment[0]["instance_id"] is None
    assert deployment[0]["data"]["deployment_id"] == deployed["id"]


def test_lifecycle_commands_record_who_and_why(api, people):
    analyst, clerk = people["analyst"], people["clerk"]
    api.deploy("gov_review.bpmn")
    inst = clerk.start("gov_review", {"amount": 1})
    url = f"/api/process-instances/{inst['id']}"
    assert analyst.post(f"{url}/suspend").status_code == 200
    assert analyst.post(f"{url}/resume").status_code == 200
    r = analyst.patch(f"{url}/variables", {"set": {"amount": 2}, "unset": [], "reason": "typo in amount"})
    assert r.status_code == 200, r.get_json()
    r = analyst.post(f"{url}/cancel", {"reason": "customer withdrew the claim"})
    assert r.status_code == 200 and r.get_json()["status"] == "cancelled"

    events = api.history(inst["id"])
    assert find(events, "instance.suspended")["actor"] == "ana"
    assert find(events, "instance.resumed")["actor"] == "ana"
    updated = find(events, "variables.updated")
    assert updated["actor"] == "ana" and updated["data"]["reason"] == "typo in amount"
    assert updated["data"]["set"] == {"amount": 2}
    cancelled = find(events, "instance.cancelled")
    assert cancelled["actor"] == "ana" and cancelled["data"]["reason"] == "customer withdrew the claim"
    assert find(events, "task.cancelled")["activity"] == "review"
    # Cancelling keeps the whole history: the events from before are all still there, unchanged.
    assert events[0]["type"] == "instance.started"
    assert find(events, "task.created")["actor"] == "cleo"


def test_failure_timer_and_incident_events(api):
    api.deploy((DIAGRAMS / "gov_script.bpmn").read_text().replace("SCRIPT", "y = 1 / x"))
    failed = api.start("gov_script", {"x": 0})
    assert failed["status"] == "failed"
    events = api.history(failed["id"])
    assert find(events, "instance.failed", activity="run")["data"]["message"]
    incident = find(events, "incident.created", activity="run")
    assert incident["data"]["incident_id"] == failed["incidents"][0]["id"]
    assert "ZeroDivisionError" in incident["data"]["message"]

    api.deploy("review_timeout.bpmn")
    waiting = api.start("review_timeout", {"amount": 300, "skip": False})
    scheduled = find(api.history(waiting["id"]), "timer.scheduled", activity="tmo")
    timers = api.get("/api/timers").get_json()["items"]
    r = api.post(f"/api/timers/{timers[0]['id']}/fire")
    assert r.status_code == 200, r.get_json()
    fired = find(api.history(waiting["id"]), "timer.fired", activity="tmo")
    assert fired["data"]["timer_id"] == scheduled["data"]["timer_id"] and fired["actor"] == "admin"


def test_filters_and_cursor_pagination(api, people):
    clerk = people["clerk"]
    api.deploy("gov_review.bpmn")
    api.deploy("review_timeout.bpmn")
    mine = [clerk.start("gov_review", {"amount": i}) for i in range(3)]
    other = api.start("review_timeout", {"amount": 1, "skip": False})
    everything = api.get("/api/history/events", query_string={"limit": 500}).get_json()["items"]
    seqs = [e["seq"] for e in everything]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)

    def query(**params) -> list[dict]:
        items, after = [], None
        while True:
            page = api.get("/api/history/events",
                           query_string={**params, "limit": 2, **({"after": after} if after else {})})
            assert page.status_code == 200, page.get_json()
            body = page.get_json()
            assert len(body["items"]) <= 2
            items += body["items"]
            after = body["next"]
            if after is None:
                return items

    assert query() == everything  # pages of two, stitched, are the whole history, oldest first
    assert {e["instance_id"] for e in query(instance=mine[1]["id"])} == {mine[1]["id"]}
    assert {e["process"] for e in query(process="review_timeout")} == {"review_timeout"}
    assert {e["instance_id"] for e in query(process="review_timeout") if e["instance_id"]} == {other["id"]}
    assert len(query(type="instance.started", actor="cleo")) == 3
    assert {e["actor"] for e in query(actor="cleo")} == {"cleo"}
    middle = everything[len(everything) // 2]
    later = query(**{"from": middle["at"]})
    assert later and all(e["at"] >= middle["at"] for e in later)
    assert middle in later
    earlier = query(to=middle["at"])
    assert earlier and all(e["at"] < middle["at"] for e in earlier)
    assert len(earlier) + len(later) == len(everything)
    assert query(**{"from": "2000-01-01T00:00:00Z", "to": "2000-01-02T00:00:00Z"}) == []
    bad = api.get("/api/history/events", query_string={"after": "not-a-cursor"})
    assert bad.status_code == 400 and bad.headers["Content-Type"] == "application/problem+json"


def test_instance_timeline(api):
    api.deploy("gov_review.bpmn")
    inst = api.start("gov_review", {"amount": 5})
    r = api.get(f"/api/process-instances/{inst['id']}/history", query_string={"limit": 2})
    assert r.status_code == 200
    first = r.get_json()
    assert [e["type"] for e in first["items"]][0] == "instance.started" and first["next"]
    rest = api.get(f"/api/process-instances/{inst['id']}/history",
                   query_string={"limit": 500, "after": first["next"]}).get_json()["items"]
    assert [e["seq"] for e in first["items"] + rest] == [e["seq"] for e in api.history(inst["id"])]
    assert api.get("/api/process-instances/nope/history").status_code == 404


def test_roles_on_history(api, people):
    api.deploy("gov_review.bpmn")
    inst = people["clerk"].start("gov_review", {"amount": 5})
    auditor, clerk = people["auditor"], people["clerk"]
    assert auditor.get("/api/history/events").status_code == 200
    assert auditor.get(f"/api/process-instances/{inst['id']}/history").status_code == 200
    assert auditor.get("/api/history/export", query_string={"format": "csv"}).status_code == 200
    assert people["analyst"].get("/api/history/export").status_code == 200
    # An auditor reads everything and changes nothing.
    url = f"/api/process-instances/{inst['id']}"
    assert auditor.post(f"{url}/cancel", {"reason": "audit"}).status_code == 403
    assert auditor.patch(f"{url}/variables", {"set": {"amount": 1}, "reason": "audit"}).status_code == 403
    assert auditor.post("/api/process-instances", {"process": "gov_review"}).status_code == 403
    assert auditor.post(f"/api/tasks/{inst['tasks'][0]['id']}/complete", {"variables": {}}).status_code == 403
    assert auditor.post("/api/deployments", data=(DIAGRAMS / "gov_review.bpmn").read_bytes(),
                        headers={"Content-Type": "application/xml"}).status_code == 403
    # An operator works tasks; the history is not theirs to read.
    assert clerk.get("/api/history/events").status_code == 403
    assert clerk.get("/api/history/export").status_code == 403
    assert api.client.get("/api/history/events").status_code == 401


def test_no_route_changes_an_event(app):
    history_rules = [r for r in app.url_map.iter_rules() if "/history" in r.rule]
    assert history_rules
    for rule in history_rules:
        assert rule.methods - {"GET", "HEAD", "OPTIONS"} == set(), rule


def test_the_database_refuses_to_change_or_delete_events(app, api):
    from models import db

    api.deploy("gov_review.bpmn")
    inst = api.start("gov_review", {"amount": 5})
    before = api.history(inst["id"])
    with app.app_context():
        for statement in ("UPDATE events SET actor = 'mallory'", "DELETE FROM events"):
            with pytest.raises(Exception, match="append-only"):
                with db.engine.begin() as conn:
                    conn.execute(text(statement))
    assert api.history(inst["id"]) == before
