"""Faults with real server processes: a process killed in the middle of its steps, and a PostgreSQL
restart under load. Nothing acknowledged is lost, nothing runs twice, no answer is a 500."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import requests

pytestmark = pytest.mark.e2e
ENV = {"BPMN_SERVER_TIMER_POLL_SECONDS": "0.2", "BPMN_SERVER_TIMER_LEASE_SECONDS": "3",
       "BPMN_SERVER_SCRIPT_TIME_LIMIT": "20"}


def wait_until(check: Any, timeout: float) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.2)
    return check()


def test_a_process_killed_during_its_steps_loses_no_timer_and_fires_none_twice(server_process):
    first = server_process(name="doomed", env=ENV).wait_ready()
    first.deploy("fault_slow_after_timer.bpmn")
    due = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=3)
    at = due.isoformat().replace("+00:00", "Z")
    # Each firing runs a script of about half a second (80 ms per 100,000 rounds on an idle machine), and the
    # six fire in one transaction of the clock's chunk: the kill lands in the middle of it.
    ids = [first.post("/api/process-instances", {"process": "fault_slow_after_timer",
                                                 "variables": {"at": at, "rounds": 600_000}})["id"]
           for _ in range(6)]
    time.sleep(max(0.0, (due - dt.datetime.now(dt.UTC)).total_seconds()) + 0.6)
    assert not first.get("/api/history/events", type="timer.fired")["items"], "the chunk ended before the kill"
    first.kill()  # SIGKILL: no release of leases, an open transaction dies with the process
    second = server_process(name="heir", env=ENV).wait_ready()
    done = wait_until(lambda: len(second.get("/api/process-instances", process="fault_slow_after_timer",
                                             status="completed", limit=50)["items"]) == 6, 40)
    assert done, second.get("/api/process-instances", process="fault_slow_after_timer", limit=50)
    fired = second.get("/api/history/events", type="timer.fired", limit=500)["items"]
    assert Counter(e["instance_id"] for e in fired) == Counter(ids)  # each exactly once
    # The heir waited for the dead process's leases to expire, then fired them all.
    assert all(e["data"]["lag_ms"] >= 2500 for e in fired), [e["data"]["lag_ms"] for e in fired]
    for instance in ids:
        events = [e["type"] for e in second.get(f"/api/process-instances/{instance}/history")["items"]]
        assert events.count("instance.completed") == 1


def _pg_restart() -> None:
    version = sorted(p.name for p in Path("/etc/postgresql").iterdir())[-1]
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart", "-m", "fast"],
                   check=True, capture_output=True, timeout=60)


def test_postgresql_restarted_under_load(server_process, is_postgres):
    if not is_postgres:
        pytest.skip("restarts the PostgreSQL server; runs in the PostgreSQL pass")
    if shutil.which("pg_ctlcluster") is None or not Path("/etc/postgresql").is_dir():
        pytest.skip("pg_ctlcluster is not here: cannot restart PostgreSQL from the test")
    server = server_process(name="steady", env=ENV).wait_ready()
    server.deploy("core_approval.bpmn")
    statuses: Counter[int] = Counter()
    acknowledged: list[str] = []
    stop = threading.Event()

    def load() -> None:
        session = requests.Session()
        while not stop.is_set():
            try:
                r = session.post(f"{server.url}/api/process-instances", headers=server.headers, timeout=30,
                                 json={"process": "core_approval", "variables": {"n": len(acknowledged)}})
            except requests.RequestException:
                statuses[0] += 1
                continue
            statuses[r.status_code] += 1
            if r.status_code == 201:
                acknowledged.append(r.json()["id"])
            elif r.status_code == 503:
                assert r.headers.get("Retry-After"), r.text
                time.sleep(0.1)

    workers = [threading.Thread(target=load) for _ in range(4)]
    for w in workers:
        w.start()
    try:
        time.sleep(1.5)
        _pg_restart()
        time.sleep(3.0)  # the server finds its feet again by itself
    finally:
        stop.set()
        for w in workers:
            w.join(60)
    print(f"answers during a PostgreSQL restart: {dict(statuses)}")
    assert statuses[500] == 0 and statuses[0] == 0
    assert set(statuses) <= {201, 503}
    after = server.post("/api/process-instances", {"process": "core_approval"}, expect=201)
    assert after["status"]
    session = requests.Session()
    lost = [i for i in acknowledged  # nothing acknowledged was lost
            if session.get(f"{server.url}/api/process-instances/{i}", headers=server.headers, timeout=30).status_code
            != 200]
    assert lost == []
