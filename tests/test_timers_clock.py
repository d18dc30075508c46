"""The clock (scheduler.py): one per process, reported by the health check, stopped cleanly."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.client import Api
from tests.conftest import ADMIN_TOKEN
from tests.test_timers import utc, waiting_timers


@pytest.fixture
def clocked_app(app_config):
    from bpmn_server import create_app, scheduler
    from models import db

    # A long poll: the clock's own rounds stay out of the way; the test calls `tick` itself.
    app = create_app({**app_config, "SCHEDULER_ENABLED": True, "TIMER_POLL_SECONDS": 3600})
    yield app
    scheduler.stop(app)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_one_clock_per_process_stopped_cleanly(clocked_app):
    from bpmn_server import scheduler

    api = Api(clocked_app, ADMIN_TOKEN)
    clock = clocked_app.extensions["bpmn_clock"]
    assert clock.running() and scheduler.start(clocked_app) is clock  # starting again changes nothing
    health = api.get("/api/health")
    assert health.status_code == 200 and health.get_json()["scheduler"] == "ok"
    scheduler.stop(clocked_app)
    scheduler.stop(clocked_app)  # twice is harmless
    assert not clock.running()
    health = api.get("/api/health")
    assert health.status_code == 503 and health.get_json()["scheduler"] == "stopped"


def test_a_tick_fires_what_is_due_and_wakes_up_for_what_comes_soon(clocked_app):
    api = Api(clocked_app, ADMIN_TOKEN)
    clock = clocked_app.extensions["bpmn_clock"]
    api.deploy("timer_catch_date.bpmn")
    overdue = api.start("timer_catch_date", {"deadline": "2020-01-01T00:00:00Z"})
    soon = utc(minutes=10)
    api.deploy("timer_catch.bpmn")
    api.start("timer_catch", {"wait": "PT10M"})
    clock.tick()
    assert api.instance(overdue["id"])["waiting"][0]["activity"] == "until_new_year"
    [fired] = [e for e in api.history(overdue["id"]) if e["type"] == "timer.fired"]
    assert fired["actor"] == "system" and fired["data"]["lag_ms"] > 0
    # The next timer is due in ten minutes, within the poll of an hour: a wake-up is set for it.
    wake = clock.scheduler.get_job("soon")
    due = min(dt.datetime.fromisoformat(t["due_at"].replace("Z", "+00:00")) for t in waiting_timers(api))
    assert abs(due - soon) < dt.timedelta(seconds=5)
    assert wake is not None and wake.next_run_time == due + dt.timedelta(milliseconds=5)


def test_a_long_round_keeps_the_clock_healthy_and_a_stopping_one_ends_it(clocked_app):
    import time

    api = Api(clocked_app, ADMIN_TOKEN)
    clock = clocked_app.extensions["bpmn_clock"]
    started = time.monotonic() - 3600  # a round that started an hour ago, still firing
    clock.last_tick = started
    assert clock._going() is True  # asked before each chunk of the round: the clock is alive
    assert clock.last_tick > started + 3000
    assert api.get("/api/health").status_code == 200
    clock.stopping.set()
    assert clock._going() is False
