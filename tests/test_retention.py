"""History retention: only instances ended before the cutoff go, with their rows and events; the rest stays."""

from __future__ import annotations

import datetime as dt

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from models import utcnow


def _ended_then_recent(api):
    """Old: one completed, one cancelled with an open task and a waiting timer, one cancelled external task.
    Then the cutoff moment; then recent: one completed. And one running instance started before all of them."""
    api.deploy("review_timeout.bpmn", "core_exclusive.bpmn", "ex_external.bpmn")
    running = api.start("review_timeout", {"amount": 300, "skip": False})
    old_done = api.start("core_exclusive", {"amount": 5000, "secret": "x"})
    old_cancelled = api.start("review_timeout", {"amount": 300, "skip": False})
    old_external = api.start("ex_ext", {"amount": 10})
    for inst in (old_cancelled, old_external):
        r = api.post(f"/api/process-instances/{inst['id']}/cancel", {"reason": "no longer needed"})
        assert r.status_code == 200, r.get_json()
    cutoff = utcnow()
    recent = api.start("core_exclusive", {"amount": 1})
    assert old_done["status"] == recent["status"] == "completed"
    return {"running": running, "recent": recent}, [old_done, old_cancelled, old_external], cutoff


def _gone(api, inst) -> bool:
    return api.get(f"/api/process-instances/{inst['id']}").status_code == 404


def test_prune_removes_only_instances_ended_before_the_cutoff(api, app):
    from bpmn_server.services import retention

    kept, old, cutoff = _ended_then_recent(api)
    events_before = {i["id"]: len(api.history(i["id"])) for i in [*kept.values(), *old]}
    assert all(events_before.values())
    with app.app_context():
        planned = retention.prune(30, now=cutoff + dt.timedelta(days=30), dry_run=True)
        assert planned.instances == 3 and planned.events == sum(events_before[i["id"]] for i in old)
        assert not any(_gone(api, i) for i in old)  # a dry run removes nothing
        done = retention.prune(30, now=cutoff + dt.timedelta(days=30), batch=2)  # two batches
    assert (done.instances, done.events) == (planned.instances, planned.events)
    for inst in old:
        assert _gone(api, inst)
        r = api.get("/api/history/events", query_string={"instance": inst["id"]})
        assert r.status_code == 200 and r.get_json()["items"] == []
    for inst in kept.values():
        assert api.instance(inst["id"])["status"] == inst["status"]
        assert len(api.history(inst["id"])) == events_before[inst["id"]]
    # The running instance's task is still listed; the cancelled one's rows are gone with it.
    assert [t["instance_id"] for t in api.tasks()] == [kept["running"]["id"]]
    # The deployment events are not an instance's history: they stay.
    r = api.get("/api/history/events", query_string={"type": "deployment.created"})
    assert len(r.get_json()["items"]) == 1
    with app.app_context():
        assert retention.prune(30, now=cutoff + dt.timedelta(days=30)).instances == 0  # nothing left that is due


def test_the_append_only_guard_is_back_after_a_prune(api, app):
    from bpmn_server.services import retention
    from models import db

    _, _, cutoff = _ended_then_recent(api)
    with app.app_context():
        assert retention.prune(1, now=cutoff + dt.timedelta(days=1)).instances == 3
        with pytest.raises(Exception, match="append-only"):
            db.session.execute(text("DELETE FROM events"))
        db.session.rollback()
    assert api.get("/api/history/events").get_json()["items"]


def test_cli_prune_is_off_unless_asked_and_counts_in_dry_run(api, database_url, monkeypatch):
    from bpmn_server.cli import main

    api.deploy("core_exclusive.bpmn")
    api.start("core_exclusive", {"amount": 1})
    monkeypatch.setenv("BPMN_SERVER_DATABASE_URL", database_url)
    monkeypatch.delenv("BPMN_SERVER_HISTORY_RETENTION_DAYS", raising=False)
    runner = CliRunner()
    off = runner.invoke(main, ["history", "prune"])
    assert off.exit_code == 2 and "retention is off" in off.output
    dry = runner.invoke(main, ["history", "prune", "--days", "0.0000001", "--dry-run"])
    assert dry.exit_code == 0 and dry.output.startswith("would remove 1 instance(s)"), dry.output
    monkeypatch.setenv("BPMN_SERVER_HISTORY_RETENTION_DAYS", "30")
    kept = runner.invoke(main, ["history", "prune"])  # the instance ended seconds ago: not due
    assert kept.exit_code == 0 and kept.output.startswith("removed 0 instance(s)"), kept.output
    assert len(api.get("/api/process-instances").get_json()["items"]) == 1


def test_the_clock_prunes_hourly_when_a_retention_is_set(app_config):
    from bpmn_server import create_app, scheduler
    from models import db
    from tests.client import Api
    from tests.conftest import ADMIN_TOKEN

    # A retention of a few microseconds: the instance below is due as soon as it ends.
    app = create_app({**app_config, "SCHEDULER_ENABLED": True, "TIMER_POLL_SECONDS": 3600,
                      "HISTORY_RETENTION_DAYS": 1e-10})
    try:
        api = Api(app, ADMIN_TOKEN)
        clock = app.extensions["bpmn_clock"]
        job = clock.scheduler.get_job("retention")
        assert job is not None and job.trigger.interval == dt.timedelta(hours=1)
        api.deploy("core_exclusive.bpmn")
        done = api.start("core_exclusive", {"amount": 1})
        clock.prune()  # what the hourly job runs
        assert _gone(api, done)
    finally:
        scheduler.stop(app)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def test_no_retention_job_by_default(app_config, monkeypatch):
    from bpmn_server import create_app, scheduler

    monkeypatch.delenv("BPMN_SERVER_HISTORY_RETENTION_DAYS", raising=False)
    app = create_app({**app_config, "SCHEDULER_ENABLED": True, "TIMER_POLL_SECONDS": 3600})
    try:
        assert app.config["HISTORY_RETENTION_DAYS"] is None
        assert app.extensions["bpmn_clock"].scheduler.get_job("retention") is None
    finally:
        scheduler.stop(app)
