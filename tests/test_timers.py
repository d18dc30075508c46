"""Instance timers with an injected clock: intermediate catches, boundary timers (interrupting or not,
on tasks and on sub-processes), cycles, event-based gateways and event sub-processes.

The clock is `fire_due_timers(now)`; tests pass a `now` in the future instead of sleeping.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

DIAGRAMS = Path(__file__).resolve().parent / "diagrams"


def utc(**delta: float) -> dt.datetime:
    return dt.datetime.now(dt.UTC) + dt.timedelta(**delta)


def parse(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def fire_due(app: Any, now: dt.datetime) -> int:
    from bpmn_server.services.timers import fire_due_timers

    with app.app_context():
        return fire_due_timers(now)


def waiting_timers(api: Any, **params: Any) -> list[dict[str, Any]]:
    r = api.get("/api/timers", query_string={"limit": 500, **params})
    assert r.status_code == 200, r.get_json()
    return r.get_json()["items"]


def events(api: Any, instance_id: str, type_: str) -> list[dict[str, Any]]:
    return [e for e in api.history(instance_id) if e["type"] == type_]


def activities(inst: dict[str, Any]) -> list[str]:
    return sorted(t["activity"] for t in inst["tasks"])


def test_intermediate_duration_from_a_variable(app, api):
    api.deploy("timer_catch.bpmn")
    before = utc()
    inst = api.start("timer_catch", {"wait": "PT2H"})
    [waiting] = inst["waiting"]
    assert waiting["type"] == "timer" and waiting["activity"] == "wait"
    due = parse(waiting["due_at"])
    assert before + dt.timedelta(hours=2) <= due <= utc(hours=2)
    [timer] = waiting_timers(api, process="timer_catch")
    assert timer["instance_id"] == inst["id"] and timer["kind"] == "duration" and parse(timer["due_at"]) == due

    assert fire_due(app, due - dt.timedelta(seconds=1)) == 0
    assert fire_due(app, due + dt.timedelta(seconds=3)) == 1
    after = api.instance(inst["id"])
    assert activities(after) == ["act"] and after["waiting"] == []
    assert waiting_timers(api, process="timer_catch") == []
    [scheduled] = events(api, inst["id"], "timer.scheduled")
    [fired] = events(api, inst["id"], "timer.fired")
    assert scheduled["data"]["timer_id"] == fired["data"]["timer_id"] == timer["id"]
    assert fired["actor"] == "system" and fired["activity"] == "wait"
    assert parse(fired["data"]["due_at"]) == due
    assert fired["data"]["lag_ms"] == 3000
    assert parse(fired["data"]["fired_at"]) - due == dt.timedelta(seconds=3)
    # The firing comes before what it caused.
    types = [e["type"] for e in api.history(inst["id"])]
    assert types.index("timer.fired") < types.index("task.created")
    # Fired once: a later clock finds nothing.
    assert fire_due(app, utc(days=2)) == 0


def test_intermediate_dates_from_a_variable_and_a_literal(app, api):
    api.deploy("timer_catch_date.bpmn")
    inst = api.start("timer_catch_date", {"deadline": "2030-06-01T12:00:00+02:00"})
    assert inst["waiting"] == [{"type": "timer", "activity": "until_deadline", "due_at": "2030-06-01T10:00:00Z"}]
    assert fire_due(app, dt.datetime(2030, 6, 1, 9, 59, tzinfo=dt.UTC)) == 0
    assert fire_due(app, dt.datetime(2030, 6, 1, 10, 0, tzinfo=dt.UTC)) == 1
    after = api.instance(inst["id"])
    assert after["waiting"] == [{"type": "timer", "activity": "until_new_year", "due_at": "2031-01-01T09:00:00Z"}]
    assert fire_due(app, dt.datetime(2031, 1, 1, 9, 0, 1, tzinfo=dt.UTC)) == 1
    assert api.instance(inst["id"])["status"] == "completed"
    assert [e["activity"] for e in events(api, inst["id"], "timer.fired")] == ["until_deadline", "until_new_year"]


def test_invalid_timer_value_is_an_incident(api):
    api.deploy("timer_catch.bpmn")
    inst = api.start("timer_catch", {"wait": "half an hour"})
    assert inst["status"] == "failed"
    [incident] = inst["incidents"]
    assert incident["activity"] == "wait" and "half an hour" in incident["message"]
    assert waiting_timers(api) == []


def test_interrupting_boundary_timer_cancels_the_task(app, api):
    api.deploy("timer_boundary.bpmn")
    inst = api.start("timer_boundary")
    assert activities(inst) == ["review"]
    by_activity = {t["activity"]: t for t in waiting_timers(api)}
    assert set(by_activity) == {"remind", "deadline"}
    assert by_activity["remind"]["kind"] == "cycle" and by_activity["deadline"]["kind"] == "duration"
    r = api.post(f"/api/timers/{by_activity['deadline']['id']}/fire")
    assert r.status_code == 200 and r.get_json() == {"fired": True, "instance_id": inst["id"]}
    after = api.instance(inst["id"])
    assert after["status"] == "completed" and after["variables"]["outcome"] == "expired"
    assert after["tasks"] == [] and waiting_timers(api) == []
    review = inst["tasks"][0]
    assert api.get(f"/api/tasks/{review['id']}").get_json()["status"] == "cancelled"
    api.complete(review["id"], expect=409)
    [fired] = events(api, inst["id"], "timer.fired")
    assert fired["actor"] == "admin" and fired["activity"] == "deadline"


def test_non_interrupting_cycle_fires_each_occurrence_while_the_task_is_open(app, api):
    api.deploy("timer_boundary.bpmn")
    inst = api.start("timer_boundary")
    [first] = [t for t in waiting_timers(api) if t["activity"] == "remind"]
    due = parse(first["due_at"])
    seen_ids = {first["id"]}
    for n in (1, 2, 3):
        assert fire_due(app, due + dt.timedelta(minutes=1)) == 1
        now = api.instance(inst["id"])
        assert activities(now) == sorted(["review"] + ["chase"] * n)
        following = [t for t in waiting_timers(api) if t["activity"] == "remind"]
        if n < 3:
            # Each occurrence is a timer of its own, an hour after the one before (whenever that fired).
            [nxt] = following
            assert nxt["id"] not in seen_ids and parse(nxt["due_at"]) == due + dt.timedelta(hours=1)
            seen_ids.add(nxt["id"])
            due = parse(nxt["due_at"])
        else:
            assert following == []  # R3: three reminders, then no more
    assert fire_due(app, due + dt.timedelta(hours=5)) == 0
    fired = events(api, inst["id"], "timer.fired")
    assert [e["activity"] for e in fired] == ["remind"] * 3
    assert len({e["data"]["timer_id"] for e in fired}) == 3
    chases = [t for t in api.instance(inst["id"])["tasks"] if t["activity"] == "chase"]
    assert all(t["candidate_groups"] == ["managers"] for t in chases)


def test_completing_the_task_cancels_its_boundary_timers(app, api):
    api.deploy("timer_boundary.bpmn")
    inst = api.start("timer_boundary")
    [remind] = [t for t in waiting_timers(api) if t["activity"] == "remind"]
    assert fire_due(app, parse(remind["due_at"]) + dt.timedelta(seconds=1)) == 1
    review = next(t for t in api.instance(inst["id"])["tasks"] if t["activity"] == "review")
    after = api.complete(review["id"])
    # The reminder already sent stays (non-interrupting); no timer waits any more.
    assert activities(after) == ["chase"] and after["waiting"] == []
    assert waiting_timers(api) == []
    assert fire_due(app, utc(days=3)) == 0
    assert len(events(api, inst["id"], "timer.fired")) == 1


def test_boundary_timers_on_a_subprocess(app, api):
    api.deploy("timer_subprocess.bpmn")
    inst = api.start("timer_subprocess", {"deadline": "2030-01-01T00:00:00Z"})
    assert activities(inst) == ["step"]
    timers = {t["activity"]: t for t in waiting_timers(api)}
    assert set(timers) == {"nudge", "too_late"}
    # Non-interrupting: the work goes on, and someone checks on it.
    assert fire_due(app, parse(timers["nudge"]["due_at"]) + dt.timedelta(seconds=1)) == 1
    assert activities(api.instance(inst["id"])) == ["notify", "step"]
    # Interrupting: the whole sub-process is cancelled.
    assert fire_due(app, dt.datetime(2030, 1, 1, 0, 0, 1, tzinfo=dt.UTC)) == 1
    after = api.instance(inst["id"])
    assert activities(after) == ["notify"]
    step = next(t for t in inst["tasks"] if t["activity"] == "step")
    assert api.get(f"/api/tasks/{step['id']}").get_json()["status"] == "cancelled"
    notify = next(t for t in after["tasks"] if t["activity"] == "notify")
    assert api.complete(notify["id"])["status"] == "completed"


def test_completed_subprocess_cancels_its_boundary_timers(app, api):
    api.deploy("timer_subprocess.bpmn")
    inst = api.start("timer_subprocess", {"deadline": "2030-01-01T00:00:00Z"})
    assert api.complete(inst["tasks"][0]["id"])["status"] == "completed"
    assert waiting_timers(api) == []
    assert fire_due(app, dt.datetime(2031, 1, 1, tzinfo=dt.UTC)) == 0


def test_event_based_gateway_timer_branch(app, api):
    api.deploy("timer_gateway.bpmn")
    inst = api.start("timer_gateway")
    kinds = {w["type"]: w for w in inst["waiting"]}
    assert kinds["timer"]["activity"] == "no_reply"
    assert kinds["message"]["activity"] == "reply"
    [timer] = waiting_timers(api)
    assert timer["activity"] == "no_reply"
    assert fire_due(app, parse(timer["due_at"]) + dt.timedelta(seconds=1)) == 1
    after = api.instance(inst["id"])
    assert activities(after) == ["call"] and after["waiting"] == []


def test_non_interrupting_event_subprocess_with_a_timer_start(app, api):
    # (SpiffWorkflow 3.2 does not implement interrupting event sub-processes.)
    api.deploy("timer_event_subprocess.bpmn")
    inst = api.start("timer_event_subprocess")
    [timer] = waiting_timers(api)
    assert timer["activity"] == "after_two_hours" and timer["instance_id"] == inst["id"]
    assert fire_due(app, parse(timer["due_at"]) + dt.timedelta(seconds=1)) == 1
    after = api.instance(inst["id"])
    assert activities(after) == ["escalate", "work"]
    assert waiting_timers(api) == []


@pytest.mark.parametrize("cycle", ["R/2020-01-01T00:00:00Z/PT1H", "R5/2020-01-01T00:00:00Z/PT1H"])
def test_cycle_starting_in_the_past_skips_what_is_over(app, api, cycle):
    xml = (DIAGRAMS / "timer_boundary.bpmn").read_text().replace("R3/PT1H", cycle)
    api.deploy(xml)
    api.start("timer_boundary")
    remind = [t for t in waiting_timers(api) if t["activity"] == "remind"]
    if cycle.startswith("R5"):
        assert remind == []  # its five hours were in 2020
    else:
        [timer] = remind
        assert utc() < parse(timer["due_at"]) <= utc(hours=1)


def test_cancelling_an_instance_cancels_its_timers(app, api):
    api.deploy("timer_boundary.bpmn")
    inst = api.start("timer_boundary")
    assert api.post(f"/api/process-instances/{inst['id']}/cancel", {"reason": "test"}).status_code == 200
    assert waiting_timers(api) == []
    assert fire_due(app, utc(days=3)) == 0

