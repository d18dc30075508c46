"""The clock fires its leased timers a chunk per transaction, each in a savepoint (services/timers.py):
a timer whose firing fails is rolled back alone, with its history, and backed off; the others commit."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests.test_timers import events, parse, utc, waiting_timers


def start_waiting(api: Any, count: int) -> tuple[list[str], dt.datetime]:
    """`count` instances of timer_catch, each waiting ten minutes; returns their ids and the last due time."""
    api.deploy("timer_catch.bpmn")
    ids = [api.start("timer_catch", {"wait": "PT10M"})["id"] for _ in range(count)]
    due = max(parse(t["due_at"]) for t in waiting_timers(api, process="timer_catch"))
    return ids, due


def fired(api: Any, instance_id: str) -> bool:
    return [t["activity"] for t in api.instance(instance_id)["tasks"]] == ["act"]


def test_a_failing_timer_is_rolled_back_alone_and_retried(app, api, monkeypatch):
    from bpmn_server.services import steps, timers
    from models import Instance, Timer, db

    ids, due = start_waiting(api, 4)
    bad = ids[1]
    history_before = api.history(bad)
    with app.app_context():
        revision = db.session.get(Instance, bad).revision
    real_write = steps.write_step  # every step's writes, whether its engine work ran ahead or under the lock

    def write_step(instance: Any, *args: Any, **kwargs: Any) -> Any:
        result = real_write(instance, *args, **kwargs)  # the step ran: state written, events queued
        if instance.id == bad:
            raise RuntimeError("the step broke after writing")
        return result

    monkeypatch.setattr(steps, "write_step", write_step)
    now = due + dt.timedelta(seconds=1)
    with app.app_context():
        assert timers.fire_due_timers(now, chunk=10) == 3
    assert all(fired(api, i) for i in ids if i != bad)
    assert all(len(events(api, i, "timer.fired")) == 1 for i in ids if i != bad)
    # Nothing of the failed firing remains: no state, no rows, no history; it waits, backed off.
    after = api.instance(bad)
    assert after["tasks"] == [] and after["waiting"][0]["activity"] == "wait"
    assert api.history(bad) == history_before
    [left] = waiting_timers(api, process="timer_catch")
    assert left["instance_id"] == bad
    assert parse(left["locked_until"]) == now + dt.timedelta(seconds=timers.RETRY_SECONDS)
    with app.app_context():
        assert db.session.get(Instance, bad).revision == revision
        assert db.session.get(Timer, left["id"]).state == "waiting"
        monkeypatch.setattr(steps, "write_step", real_write)
        assert timers.fire_due_timers(now + dt.timedelta(seconds=2)) == 0  # still backed off
        assert timers.fire_due_timers(now + dt.timedelta(seconds=timers.RETRY_SECONDS + 1)) == 1
    assert fired(api, bad) and len(events(api, bad, "timer.fired")) == 1


@pytest.mark.parametrize(("batch", "chunk"), [(3, 2), (100, 1), (2, 5)])
def test_every_timer_fires_once_whatever_the_batch_and_chunk(app, api, batch, chunk):
    from bpmn_server.services.timers import fire_due_timers

    ids, due = start_waiting(api, 5)
    with app.app_context():
        assert fire_due_timers(due + dt.timedelta(seconds=1), batch=batch, chunk=chunk) == 5
        assert fire_due_timers(utc(days=1), batch=batch, chunk=chunk) == 0
    assert all(fired(api, i) and len(events(api, i, "timer.fired")) == 1 for i in ids)


def test_a_chunk_whose_transaction_fails_is_fired_one_by_one(app, api, monkeypatch):
    from bpmn_server.services import timers

    ids, due = start_waiting(api, 3)

    def broken(_ids: list[str]) -> Any:
        raise RuntimeError("the chunk's transaction broke")

    monkeypatch.setattr(timers, "_lock_chunk", broken)
    with app.app_context():
        assert timers.fire_due_timers(due + dt.timedelta(seconds=1)) == 3
    assert all(fired(api, i) and len(events(api, i, "timer.fired")) == 1 for i in ids)


def test_a_stopping_clock_gives_back_the_leases_it_has_not_fired(app, api):
    from bpmn_server.services.timers import claim_due, fire_due_timers

    ids, due = start_waiting(api, 3)
    now = due + dt.timedelta(seconds=1)
    answers = iter([True, False])  # one chunk, then the clock is stopping
    with app.app_context():
        assert fire_due_timers(now, owner="host:1", chunk=2, keep_going=lambda: next(answers)) == 2
        # The third is free at once for another process, not leased to the stopped one for a minute.
        assert len(claim_due(now, "host:2", 10, 60.0)) == 1
    [left] = waiting_timers(api, process="timer_catch")
    assert left["locked_by"] == "host:2"
    assert sum(fired(api, i) for i in ids) == 2


def test_an_instance_changed_while_its_firing_was_computed_is_fired_from_its_new_state(app, api, monkeypatch):
    # On SQLite the clock runs a chunk's engine work before its write transaction (timers_ahead.py); a
    # change committed in between must neither be overwritten nor make the timer fire twice or not at all.
    from bpmn_server.services import timers, timers_ahead

    ids, due = start_waiting(api, 3)
    changed = ids[1]
    real_compute = timers_ahead.compute

    def compute(*args: Any, **kwargs: Any) -> Any:
        ready = real_compute(*args, **kwargs)
        r = api.patch(f"/api/process-instances/{changed}/variables", {"set": {"note": "meanwhile"}, "reason": "x"})
        assert r.status_code == 200, r.get_json()
        return ready

    monkeypatch.setattr(timers_ahead, "compute", compute)
    monkeypatch.setattr(timers_ahead, "wanted", lambda: True)  # as on SQLite, on either database
    with app.app_context():
        assert timers.fire_due_timers(due + dt.timedelta(seconds=1)) == 3
    assert all(fired(api, i) for i in ids)
    assert all(len(events(api, i, "timer.fired")) == 1 for i in ids)
    assert api.instance(changed)["variables"]["note"] == "meanwhile"
    assert waiting_timers(api, process="timer_catch") == []
