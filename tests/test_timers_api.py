"""Timers through the API, suspend and resume, stale rows and leases (a crashed process's timers)."""

from __future__ import annotations

import datetime as dt

from tests.test_timers import events, fire_due, parse, utc, waiting_timers


def start_review(api):
    api.deploy("timer_boundary.bpmn")
    inst = api.start("timer_boundary")
    deadline = next(t for t in waiting_timers(api) if t["activity"] == "deadline")
    return inst, deadline


def test_list_filters_by_due_time_and_process(api):
    api.deploy("timer_boundary.bpmn", "timer_catch.bpmn")
    api.start("timer_boundary")
    api.start("timer_catch", {"wait": "PT10M"})
    everything = waiting_timers(api)
    assert [t["activity"] for t in everything] == ["wait", "remind", "deadline"]  # soonest first
    assert [t["activity"] for t in waiting_timers(api, process="timer_boundary")] == ["remind", "deadline"]
    soon = waiting_timers(api, due_before=(utc(minutes=30)).isoformat())
    assert [t["activity"] for t in soon] == ["wait"]
    assert waiting_timers(api, due_before="2000-01-01T00:00:00Z") == []
    first = api.get("/api/timers", query_string={"limit": 2}).get_json()
    rest = api.get("/api/timers", query_string={"limit": 2, "after": first["next"]}).get_json()
    assert [t["id"] for t in first["items"] + rest["items"]] == [t["id"] for t in everything]
    assert rest["next"] is None
    t = everything[0]
    assert t["state"] == "waiting" and t["definition_id"] is None and t["locked_by"] is None
    assert api.get("/api/timers", query_string={"due_before": "tomorrow"}).status_code == 400


def test_roles_for_reading_and_firing(api):
    inst, deadline = start_review(api)
    operator = api.as_user("olga", "operator", ["reviewers"])
    auditor = api.as_user("aud", "auditor")
    analyst = api.as_user("ann", "analyst")
    assert operator.get("/api/timers").status_code == 403
    assert auditor.get("/api/timers").status_code == 200
    assert operator.post(f"/api/timers/{deadline['id']}/fire").status_code == 403
    assert auditor.post(f"/api/timers/{deadline['id']}/fire").status_code == 403
    assert api.client.get("/api/timers").status_code == 401
    r = analyst.post(f"/api/timers/{deadline['id']}/fire")
    assert r.status_code == 200 and r.get_json() == {"fired": True, "instance_id": inst["id"]}
    [fired] = events(api, inst["id"], "timer.fired")
    assert fired["actor"] == "ann"


def test_firing_by_hand_twice_or_unknown(api):
    inst, deadline = start_review(api)
    assert api.post(f"/api/timers/{deadline['id']}/fire").status_code == 200
    again = api.post(f"/api/timers/{deadline['id']}/fire")
    assert again.status_code == 409 and again.headers["Content-Type"].startswith("application/problem+json")
    assert api.post("/api/timers/no-such-timer/fire").status_code == 404


def test_suspended_instance_fires_nothing_and_completes_nothing_until_resumed(app, api):
    inst, deadline = start_review(api)
    r = api.post(f"/api/process-instances/{inst['id']}/suspend")
    assert r.status_code == 200 and r.get_json()["status"] == "suspended"
    late = utc(days=2)
    assert fire_due(app, late) == 0
    assert api.post(f"/api/timers/{deadline['id']}/fire").status_code == 409
    api.complete(inst["tasks"][0]["id"], expect=409)
    # Its timers still wait: they belong to it.
    assert {t["activity"] for t in waiting_timers(api)} == {"remind", "deadline"}
    assert api.instance(inst["id"])["status"] == "suspended"
    assert events(api, inst["id"], "timer.fired") == []

    assert api.post(f"/api/process-instances/{inst['id']}/resume").get_json()["status"] == "running"
    # Overdue timers fire on the next round: the reminder first (soonest), then the deadline.
    assert fire_due(app, late) == 2
    after = api.instance(inst["id"])
    assert [t["activity"] for t in after["tasks"]] == ["chase"]  # the reminder's path goes on
    assert "expired" in [e["activity"] for e in events(api, inst["id"], "activity.completed")]
    fired = events(api, inst["id"], "timer.fired")
    assert [e["activity"] for e in fired] == ["remind", "deadline"]
    assert fired[1]["data"]["lag_ms"] == round((late - parse(deadline["due_at"])).total_seconds() * 1000)


def test_stale_timer_of_a_finished_activity_is_discarded(app, api):
    from models import Instance, Timer, db

    inst, deadline = start_review(api)
    remind = next(t for t in waiting_timers(api) if t["activity"] == "remind")
    assert fire_due(app, parse(remind["due_at"]) + dt.timedelta(seconds=1)) == 1
    review = next(t for t in api.instance(inst["id"])["tasks"] if t["activity"] == "review")
    assert api.complete(review["id"])["status"] == "running"  # the chase task is still open
    assert waiting_timers(api) == []

    def make_stale(timer_id):
        # As if the step that finished the activity had not updated the row.
        with app.app_context():
            db.session.get(Timer, timer_id).state = "waiting"
            db.session.commit()
            return db.session.get(Instance, inst["id"]).revision

    revision = make_stale(deadline["id"])
    assert fire_due(app, utc(days=2)) == 0
    with app.app_context():
        assert db.session.get(Timer, deadline["id"]).state == "discarded"
        assert db.session.get(Instance, inst["id"]).revision == revision  # the instance was not touched
    # Also once the instance has ended.
    chase = next(t for t in api.instance(inst["id"])["tasks"] if t["activity"] == "chase")
    assert api.complete(chase["id"])["status"] == "completed"
    make_stale(deadline["id"])
    assert fire_due(app, utc(days=2)) == 0
    with app.app_context():
        assert db.session.get(Timer, deadline["id"]).state == "discarded"
    assert [e["activity"] for e in events(api, inst["id"], "timer.fired")] == ["remind"]


def test_expired_lease_of_a_crashed_process_is_taken_over(app, api):
    from bpmn_server.services.timers import claim_due, owner_id

    inst, deadline = start_review(api)
    due = parse(deadline["due_at"])
    now = due + dt.timedelta(minutes=5)
    with app.app_context():
        # A process leased it two minutes ago, for a minute, and then died.
        assert claim_due(now - dt.timedelta(minutes=2), "crashed-host:1", 10, 60.0) != []
    assert fire_due(app, now) == 2  # the reminders' first occurrence and the deadline
    fired = events(api, inst["id"], "timer.fired")
    assert {e["data"]["owner"] for e in fired} == {owner_id()}
    assert "expired" in [e["activity"] for e in events(api, inst["id"], "activity.completed")]


def test_a_live_lease_is_respected_until_it_expires(app, api):
    from bpmn_server.services.timers import claim_due, fire

    inst, deadline = start_review(api)
    now = parse(deadline["due_at"]) + dt.timedelta(minutes=1)
    with app.app_context():
        leased = claim_due(now, "other-host:7", 10, 60.0)
        assert deadline["id"] in leased and len(leased) == 2
        # Nobody else gets them, and the clock of this process may not fire them.
        assert claim_due(now, "third-host:9", 10, 60.0) == []
        assert fire(deadline["id"], owner="third-host:9", now=now).fired is False
    [listed] = [t for t in waiting_timers(api) if t["id"] == deadline["id"]]
    assert listed["locked_by"] == "other-host:7" and parse(listed["locked_until"]) == now + dt.timedelta(minutes=1)
    assert fire_due(app, now + dt.timedelta(seconds=30)) == 0
    assert fire_due(app, now + dt.timedelta(seconds=61)) == 2
    assert len(events(api, inst["id"], "timer.fired")) == 2


def test_the_lease_holder_fires_once(app, api):
    from bpmn_server.services.timers import claim_due, fire

    inst, deadline = start_review(api)
    now = parse(deadline["due_at"]) + dt.timedelta(minutes=1)
    with app.app_context():
        assert deadline["id"] in claim_due(now, "host-a:1", 10, 60.0)
        assert fire(deadline["id"], owner="host-a:1", now=now).fired is True
        assert fire(deadline["id"], owner="host-a:1", now=now).fired is False
    assert [e["activity"] for e in events(api, inst["id"], "timer.fired")] == ["deadline"]
