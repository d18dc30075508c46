"""Timer start events: a start timer per definition, created at deploy; each firing starts an instance."""

from __future__ import annotations

import datetime as dt

from tests.test_timers import DIAGRAMS, events, fire_due, parse, utc, waiting_timers


def instances_of(api, process):
    r = api.get("/api/process-instances", query_string={"process": process, "limit": 500})
    assert r.status_code == 200, r.get_json()
    return r.get_json()["items"]


def history_of(api, **params):
    r = api.get("/api/history/events", query_string={"limit": 500, **params})
    assert r.status_code == 200, r.get_json()
    return r.get_json()["items"]


def test_time_date_start_event_starts_one_instance(app, api):
    deployed = api.deploy("timer_start_date.bpmn")
    definition = deployed["definitions"][0]
    [timer] = waiting_timers(api, process="timer_start_date")
    assert timer["definition_id"] == definition["id"] and timer["instance_id"] is None
    assert timer["activity"] == "new_year" and timer["kind"] == "date" and timer["due_at"] == "2031-01-01T09:00:00Z"
    [scheduled] = history_of(api, process="timer_start_date", type="timer.scheduled")
    assert scheduled["data"]["timer_id"] == timer["id"] and scheduled["instance_id"] is None

    assert fire_due(app, dt.datetime(2031, 1, 1, 8, 59, tzinfo=dt.UTC)) == 0
    assert instances_of(api, "timer_start_date") == []
    assert fire_due(app, dt.datetime(2031, 1, 1, 9, 0, 2, tzinfo=dt.UTC)) == 1
    [inst] = instances_of(api, "timer_start_date")
    inst = api.instance(inst["id"])
    assert inst["started_by"] == "system" and inst["definition_id"] == definition["id"]
    assert [t["activity"] for t in inst["tasks"]] == ["plan"] and inst["waiting"] == []
    types = [e["type"] for e in api.history(inst["id"])]
    assert types[:2] == ["timer.fired", "instance.started"]
    [fired] = events(api, inst["id"], "timer.fired")
    assert fired["data"]["timer_id"] == timer["id"] and fired["data"]["lag_ms"] == 2000
    # A date fires once.
    assert waiting_timers(api) == [] and fire_due(app, dt.datetime(2032, 1, 1, tzinfo=dt.UTC)) == 0
    assert len(instances_of(api, "timer_start_date")) == 1


def test_time_cycle_with_a_repeat_count(app, api):
    before = utc()
    api.deploy("timer_start_cycle.bpmn")
    [timer] = waiting_timers(api)
    due = parse(timer["due_at"])
    assert before + dt.timedelta(hours=1) <= due <= utc(hours=1) and timer["kind"] == "cycle"
    for n in (1, 2, 3):
        assert fire_due(app, due + dt.timedelta(minutes=1)) == 1
        assert len(instances_of(api, "timer_start_cycle")) == n
        following = waiting_timers(api)
        if n < 3:
            [nxt] = following
            assert parse(nxt["due_at"]) == due + dt.timedelta(hours=1) and nxt["id"] != timer["id"]
            due = parse(nxt["due_at"])
        else:
            assert following == []
    assert fire_due(app, due + dt.timedelta(days=1)) == 0
    # Each instance runs on its own: one report task each.
    assert len(api.tasks(process="timer_start_cycle")) == 3


def test_time_cycle_for_ever_from_an_expression(app, api):
    api.deploy("timer_start_forever.bpmn")
    [timer] = waiting_timers(api)
    due = parse(timer["due_at"])
    for _ in range(3):
        assert fire_due(app, due + dt.timedelta(seconds=1)) == 1
        [timer] = waiting_timers(api)
        assert parse(timer["due_at"]) == due + dt.timedelta(minutes=30)
        due = parse(timer["due_at"])
    started = instances_of(api, "timer_start_forever")
    assert len(started) == 3 and {i["status"] for i in started} == {"completed"}
    assert {i["variables"]["beat"] for i in started} == {True}


def test_missed_occurrences_are_skipped_after_downtime(app, api):
    api.deploy("timer_start_forever.bpmn")
    [timer] = waiting_timers(api)
    due = parse(timer["due_at"])
    # Nobody ran for two hours and a quarter: the overdue start fires once, the schedule goes on.
    assert fire_due(app, due + dt.timedelta(hours=2, minutes=15)) == 1
    [timer] = waiting_timers(api)
    assert parse(timer["due_at"]) == due + dt.timedelta(hours=2, minutes=30)
    assert len(instances_of(api, "timer_start_forever")) == 1


def test_starting_a_timer_start_process_by_hand_starts_it_at_once(api):
    api.deploy("timer_start_cycle.bpmn")
    inst = api.start("timer_start_cycle")
    assert inst["status"] == "running" and inst["waiting"] == []
    assert [t["activity"] for t in inst["tasks"]] == ["report"]
    # The definition's start timer is unaffected.
    assert [t["instance_id"] for t in waiting_timers(api)] == [None]


def test_none_and_timer_start_events(app, api):
    api.deploy("timer_start_mixed.bpmn")
    by_hand = api.start("timer_start_mixed")
    assert [t["activity"] for t in by_hand["tasks"]] == ["check"] and by_hand["waiting"] == []
    completed = [e["activity"] for e in events(api, by_hand["id"], "activity.completed")]
    assert "by_hand" in completed and "half_hour" not in completed
    [timer] = waiting_timers(api)
    assert timer["activity"] == "half_hour" and timer["kind"] == "duration"
    assert fire_due(app, parse(timer["due_at"]) + dt.timedelta(seconds=1)) == 1
    [by_timer] = [i for i in instances_of(api, "timer_start_mixed") if i["id"] != by_hand["id"]]
    completed = [e["activity"] for e in events(api, by_timer["id"], "activity.completed")]
    assert "half_hour" in completed and "by_hand" not in completed
    assert len(api.instance(by_timer["id"])["tasks"]) == 1
    assert waiting_timers(api) == []  # a duration fires once


def test_a_new_version_replaces_the_start_timers(app, api):
    api.deploy("timer_start_cycle.bpmn")
    [old] = waiting_timers(api)
    xml = (DIAGRAMS / "timer_start_cycle.bpmn").read_text().replace("R3/PT1H", "R2/PT2H")
    v2 = api.deploy(xml)["definitions"][0]
    [new] = waiting_timers(api)
    assert new["id"] != old["id"] and new["definition_id"] == v2["id"] and v2["version"] == 2
    assert fire_due(app, parse(new["due_at"]) + dt.timedelta(seconds=1)) == 1
    [inst] = instances_of(api, "timer_start_cycle")
    assert inst["version"] == 2
    # Deploying the same file again changes nothing.
    api.deploy(xml)
    assert [t["definition_id"] for t in waiting_timers(api)] == [v2["id"]]


def test_firing_a_start_timer_by_hand(api):
    api.deploy("timer_start_date.bpmn")
    [timer] = waiting_timers(api)
    r = api.post(f"/api/timers/{timer['id']}/fire")
    assert r.status_code == 200
    body = r.get_json()
    assert body["fired"] is True and api.instance(body["instance_id"])["process"] == "timer_start_date"
    assert api.post(f"/api/timers/{timer['id']}/fire").status_code == 409


def test_start_timers_are_leased_like_any_timer(app, api):
    from bpmn_server.services.timers import claim_due

    api.deploy("timer_start_date.bpmn")
    now = dt.datetime(2031, 1, 1, 9, 1, tzinfo=dt.UTC)
    with app.app_context():
        assert len(claim_due(now, "other-host:1", 10, 60.0)) == 1
    assert fire_due(app, now) == 0
    assert fire_due(app, now + dt.timedelta(minutes=2)) == 1
    assert len(instances_of(api, "timer_start_date")) == 1


def test_a_start_timer_that_cannot_be_worked_out_is_refused_at_deploy(api):
    xml = (DIAGRAMS / "timer_start_date.bpmn").read_text().replace("2031-01-01T09:00:00Z", "${launch_date}")
    r = api.client.post("/api/deployments", data=xml.encode(), headers={
        "Authorization": f"Bearer {api.token}", "Content-Type": "application/xml"})
    assert r.status_code == 422, r.get_json()
    [error] = r.get_json()["errors"]
    assert error["element"] == "new_year" and "launch_date" in error["message"]
    assert waiting_timers(api) == []
