"""End to end: real `bpmn-server serve` processes and real second-scale timers.

A timer fires with no request arriving; one due while the server was down fires after a restart;
and with two server processes on one database each of many timers fires exactly once.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from typing import Any

import pytest

from tests.server import ServerProcess

pytestmark = pytest.mark.e2e
TIMER_ENV = {"BPMN_SERVER_TIMER_POLL_SECONDS": "0.2",
             # Small claims, so that two servers interleave on the same timers.
             "BPMN_SERVER_TIMER_BATCH": "4"}


@pytest.fixture
def servers(server_process):
    """Launches one `bpmn-server serve` (a gunicorn master and one worker, with its clock) by name."""
    return lambda name: server_process(name=name, env=TIMER_ENV)


def start_timer(server: ServerProcess, at: dt.datetime) -> str:
    body = {"process": "timer_at", "variables": {"at": at.isoformat().replace("+00:00", "Z")}}
    return server.post("/api/process-instances", body)["id"]


def timers_fired(server: ServerProcess) -> list[dict[str, Any]]:
    return server.get("/api/history/events", type="timer.fired", limit=500)["items"]


def soon(seconds: float) -> dt.datetime:
    return dt.datetime.now(dt.UTC) + dt.timedelta(seconds=seconds)


def wait_until(check: Any, timeout: float) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.1)
    return check()


def test_timers_fire_with_no_request_and_after_a_restart(servers):
    first = servers("first").wait_ready()
    first.deploy("timer_at.bpmn")
    quiet = start_timer(first, soon(1.0))
    overdue_at = soon(2.5)
    overdue = start_timer(first, overdue_at)
    time.sleep(2.0)  # nobody asks the server anything meanwhile
    inst = first.get(f"/api/process-instances/{quiet}")
    assert inst["status"] == "completed" and inst["variables"]["woke"] is True
    [fired] = timers_fired(first)
    assert fired["actor"] == "system" and 0 <= fired["data"]["lag_ms"] < 1000

    first.kill()
    # The second timer comes due while no server runs.
    time.sleep(max(0.0, (overdue_at - dt.datetime.now(dt.UTC)).total_seconds()) + 0.2)
    second = servers("second").wait_ready()
    assert wait_until(lambda: second.get(f"/api/process-instances/{overdue}")["status"] == "completed", 10)
    fired = {e["instance_id"]: e for e in timers_fired(second)}
    assert len(timers_fired(second)) == 2 and set(fired) == {quiet, overdue}  # each once
    assert fired[overdue]["data"]["lag_ms"] >= 200


def test_two_servers_fire_each_of_many_timers_exactly_once(servers):
    a, b = servers("a"), servers("b")
    a.wait_ready()
    b.wait_ready()
    a.deploy("timer_at.bpmn")
    # All due at the same moment: both clocks compete for every one. 6 s leaves room for 30 starts on a busy
    # machine (CI runs the two databases' suites side by side).
    at = soon(6.0)
    instances = [start_timer(a if i % 2 else b, at) for i in range(30)]
    assert dt.datetime.now(dt.UTC) < at, "starting the instances took too long for this test"
    assert wait_until(lambda: len(timers_fired(a)) >= 30, 15)
    time.sleep(1.0)  # more rounds of both clocks: nothing fires twice
    fired = timers_fired(a)
    assert len(fired) == 30
    assert Counter(e["instance_id"] for e in fired) == Counter(instances)
    assert len({e["data"]["timer_id"] for e in fired}) == 30
    completed = a.get("/api/process-instances", process="timer_at", status="completed", limit=500)["items"]
    assert len(completed) == 30
    owners = Counter(e["data"]["owner"] for e in fired)
    print(f"timers fired per server process: {dict(owners)}")
