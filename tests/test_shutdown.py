"""Graceful shutdown: SIGTERM under load cuts no step in half, and a stopping process hands its leases back."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
import requests
from sqlalchemy import create_engine, text

PAYMENT = [{"name": "payment", "lock_duration_ms": 600_000}]


@pytest.mark.e2e
def test_sigterm_under_load_loses_no_instance_and_cuts_no_step(server_process, database_url):
    server = server_process(workers=2, log_level="DEBUG").wait_ready()
    server.deploy("core_exclusive.bpmn")
    outcomes: list[tuple[str, str | None]] = []
    stop = threading.Event()

    def load() -> None:
        while not stop.is_set():
            try:
                r = requests.post(f"{server.url}/api/process-instances", headers=server.headers, timeout=15,
                                  json={"process": "core_exclusive", "variables": {"amount": 5000}})
                outcomes.append((str(r.status_code), r.json().get("id") if r.status_code == 201 else r.text))
            except requests.ConnectionError:
                outcomes.append(("connection error", None))
                time.sleep(0.05)

    threads = [threading.Thread(target=load) for _ in range(3)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 10
    while sum(1 for code, _ in outcomes if code == "201") < 20 and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        assert server.terminate(20) == 0, server.log.read_text()
    finally:
        stop.set()
        for t in threads:
            t.join(20)
    assert {code for code, _ in outcomes} <= {"201", "connection error"}, outcomes
    created = {iid for code, iid in outcomes if code == "201"}
    assert len(created) >= 20

    engine = create_engine(database_url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, status, ended_at FROM instances")).all()
        events = conn.execute(text("SELECT instance_id, type FROM events WHERE instance_id IS NOT NULL")).all()
        incidents = conn.execute(text("SELECT count(*) FROM incidents")).scalar_one()
    engine.dispose()
    stored = {row.id for row in rows}
    assert created <= stored  # every 201 is in the database
    assert all(row.status == "completed" and row.ended_at is not None for row in rows)
    kinds: dict[str, set[str]] = {}
    for instance_id, kind in events:
        kinds.setdefault(instance_id, set()).add(kind)
    assert all({"instance.started", "instance.completed"} <= kinds.get(i, set()) for i in stored)
    assert incidents == 0
    stopped = [line for line in server.json_lines() if line["message"] == "timer clock stopped"]
    assert len(stopped) == 2  # each worker stopped its clock


def test_a_stopping_process_releases_its_timer_leases(api, app):
    from bpmn_server.services import timers

    api.deploy("timer_catch.bpmn")
    api.start("timer_catch", {"wait": "PT10M"})
    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    with app.app_context():
        assert len(timers.claim_due(later, "host:1", 10, 3600)) == 1
        assert timers.fire_due_timers(later, owner="host:2") == 0  # leased to the first process
        assert timers.release_leases("host:2") == 0  # nothing of another's is released
        assert timers.release_leases("host:1") == 1
        assert timers.fire_due_timers(later, owner="host:2") == 1  # taken over at once


def test_released_external_task_leases_are_fetchable_at_once(api, app):
    from bpmn_server.services import external_tasks

    api.deploy("ex_external.bpmn")
    api.start("ex_ext", {"amount": 10})

    def fetch(worker: str) -> list:
        r = api.post("/api/external-tasks/fetch-and-lock", {"worker_id": worker, "topics": PAYMENT, "max_tasks": 5})
        assert r.status_code == 200, r.get_json()
        return r.get_json()["items"]

    assert len(fetch("w1")) == 1 and fetch("w2") == []
    with app.app_context():
        assert external_tasks.release_leases("w2") == 0
        assert external_tasks.release_leases("w1") == 1
    assert len(fetch("w2")) == 1
