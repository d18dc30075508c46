"""Quartz cron expressions in `timeCycle`, as Camunda 7 runs them: on boundary and start events, fired through
the server's clock with an injected `now`; the next-fire-time rules of Quartz (seconds field, `?`, `L`, `W`, `#`,
names, the year field); a malformed one is refused at deploy naming its event."""

from __future__ import annotations

import datetime as dt

import pytest

from bpmn_server.engine import cron
from tests.test_timers import DIAGRAMS, activities, fire_due, parse, waiting_timers
from tests.test_timers_start import instances_of

NOW = dt.datetime(2026, 12, 3, 10, 30, 12, tzinfo=dt.UTC)  # a Thursday


def _local(value: dt.datetime) -> dt.datetime:
    return value.astimezone()


def _following(expression: str, count: int, now: dt.datetime = NOW) -> list[str]:
    found, at = [], now
    for _ in range(count):
        at = cron.next_fire(expression, at)
        found.append(_local(at).strftime("%a %Y-%m-%d %H:%M:%S") if at else None)
        if at is None:
            break
    return found


@pytest.mark.parametrize("expression, expected", [
    ("0 0 9 * * ?", ["Fri 2026-12-04 09:00:00", "Sat 2026-12-05 09:00:00"]),
    ("0/5 0/1 * 1/1 * ?", ["Thu 2026-12-03 10:30:15", "Thu 2026-12-03 10:30:20"]),
    ("0 0/20 * 1/1 * ? *", ["Thu 2026-12-03 10:40:00", "Thu 2026-12-03 11:00:00"]),
    ("0 0 12 ? * MON-FRI", ["Thu 2026-12-03 12:00:00", "Fri 2026-12-04 12:00:00", "Mon 2026-12-07 12:00:00"]),
    ("0 0 12 ? * 2", ["Mon 2026-12-07 12:00:00"]),  # Quartz counts 1 = Sunday: 2 is Monday
    ("0 15 10 ? * 6L", ["Fri 2026-12-25 10:15:00", "Fri 2027-01-29 10:15:00"]),
    ("0 15 10 ? * FRI#3", ["Fri 2026-12-18 10:15:00", "Fri 2027-01-15 10:15:00"]),
    ("0 0 12 LW * ?", ["Thu 2026-12-31 12:00:00", "Fri 2027-01-29 12:00:00"]),  # 31 Jan 2027 is a Sunday
    ("0 0 12 16W * ?", ["Wed 2026-12-16 12:00:00", "Fri 2027-01-15 12:00:00"]),  # 16 Jan 2027: Saturday
    ("0 0 12 L-2 * ?", ["Tue 2026-12-29 12:00:00", "Fri 2027-01-29 12:00:00"]),
    ("0 0 22-2 * * ?", ["Thu 2026-12-03 22:00:00", "Thu 2026-12-03 23:00:00", "Fri 2026-12-04 00:00:00"]),
    ("0 0 12 1 JAN ? 2030", ["Tue 2030-01-01 12:00:00", None]),
    ("0 0 12 30 FEB ?", [None]),
])
def test_next_fire_times_follow_quartz(expression, expected):
    assert _following(expression, len(expected)) == expected


@pytest.mark.parametrize("expression, fragment", [
    ("0 0 9 * * *", "must be '?'"), ("0 0 9 ? * FUNDAY", "FUNDAY"), ("0 61 9 * * ?", "minute 61"),
    ("0 0 9 * *", "6 or 7 fields"), ("0 0 9 ? * 8", "day of week 8"),
])
def test_invalid_expressions_say_why(expression, fragment):
    assert fragment in (cron.problem(expression) or "")


def test_boundary_cron_fires_on_schedule_with_an_injected_now(app, api):
    xml = (DIAGRAMS / "timer_boundary.bpmn").read_text().replace("R3/PT1H", "0 0 9 ? * MON-FRI")
    api.deploy(xml.replace(">P1D<", ">P100D<"))  # the deadline stays out of the way
    inst = api.start("timer_boundary")
    [remind] = [t for t in waiting_timers(api, process="timer_boundary") if t["activity"] == "remind"]
    due = parse(remind["due_at"])
    assert remind["kind"] == "cycle" and due == cron.next_fire("0 0 9 ? * MON-FRI", dt.datetime.now(dt.UTC))
    assert (_local(due).hour, _local(due).minute, _local(due).second) == (9, 0, 0) and _local(due).weekday() < 5
    for n in (1, 2, 3):
        assert fire_due(app, due - dt.timedelta(seconds=1)) == 0
        assert fire_due(app, due + dt.timedelta(seconds=30)) == 1
        assert activities(api.instance(inst["id"])) == sorted(["review"] + ["chase"] * n)
        [remind] = [t for t in waiting_timers(api, process="timer_boundary") if t["activity"] == "remind"]
        nxt = parse(remind["due_at"])
        skip = 3 if _local(due).weekday() == 4 else 1  # Friday 9:00 -> Monday 9:00
        assert nxt == due + dt.timedelta(days=skip)
        due = nxt


def test_start_event_cron_starts_an_instance_per_occurrence(app, api):
    xml = (DIAGRAMS / "timer_start_cycle.bpmn").read_text().replace("R3/PT1H", "0 0/20 * 1/1 * ? *")
    api.deploy(xml)
    [timer] = waiting_timers(api)
    due = parse(timer["due_at"])
    assert timer["kind"] == "cycle" and due.second == 0 and due.minute % 20 == 0
    for n in (1, 2, 3):
        assert fire_due(app, due + dt.timedelta(seconds=5)) == 1
        assert len(instances_of(api, "timer_start_cycle")) == n
        [nxt] = waiting_timers(api)
        assert parse(nxt["due_at"]) == due + dt.timedelta(minutes=20)
        due = parse(nxt["due_at"])


def test_a_malformed_cron_is_refused_naming_the_event(api):
    xml = (DIAGRAMS / "timer_boundary.bpmn").read_text().replace("R3/PT1H", "0 0 9 * * *")
    body = api.deploy(xml, expect=422)
    [error] = [e for e in body["errors"] if e["element"] == "remind"]
    assert "cron expression '0 0 9 * * *'" in error["message"] and "must be '?'" in error["message"]
