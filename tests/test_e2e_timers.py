"""End to end: real `bpmn-server serve` processes and real second-scale timers.

A timer fires with no request arriving; one due while the server was down fires after a restart;
and with two server processes on one database each of many timers fires exactly once.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.conftest import ADMIN_TOKEN

pytestmark = pytest.mark.e2e
# The console script of the venv running the tests (works in CI's venv as in /tmp/venv).
SERVER = Path(sys.executable).parent / "bpmn-server"
DIAGRAM = Path(__file__).resolve().parent / "diagrams" / "timer_at.bpmn"
HEADERS = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """One `bpmn-server serve` (a gunicorn master and one worker, with its clock)."""

    def __init__(self, database_url: str, folder: Path, name: str):
        self.database_url, self.folder, self.name = database_url, folder, name
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None
        self.log = folder / f"{name}.log"

    def launch(self) -> Server:
        env = {**os.environ, "BPMN_SERVER_DATABASE_URL": self.database_url, "BPMN_SERVER_ADMIN_TOKEN": ADMIN_TOKEN,
               "BPMN_SERVER_TIMER_POLL_SECONDS": "0.2", "BPMN_SERVER_LOG_LEVEL": "WARNING",
               # Small claims, so that two servers interleave on the same timers.
               "BPMN_SERVER_TIMER_BATCH": "4"}
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen([str(SERVER), "serve", "--port", str(self.port)], env=env, cwd=self.folder,
                                         stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        return self

    def wait_ready(self, timeout: float = 30.0) -> Server:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, f"{self.name} exited:\n{self.log.read_text()}"
            try:
                if requests.get(f"{self.url}/api/health", timeout=1).status_code == 200:
                    return self
            except requests.ConnectionError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"{self.name} did not come up:\n{self.log.read_text()}")

    def kill(self) -> None:
        """Like a crash or a power cut: no graceful shutdown."""
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(5)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
                raise AssertionError(f"{self.name} did not stop on SIGTERM:\n{self.log.read_text()}") from None

    def get(self, path: str, **params: Any) -> Any:
        r = requests.get(f"{self.url}{path}", params=params, headers=HEADERS, timeout=10)
        assert r.status_code == 200, r.text
        return r.json()

    def post(self, path: str, body: Any) -> Any:
        r = requests.post(f"{self.url}{path}", json=body, headers=HEADERS, timeout=10)
        assert r.status_code in (200, 201), r.text
        return r.json()

    def deploy(self) -> None:
        r = requests.post(f"{self.url}/api/deployments", headers=HEADERS, timeout=30,
                          files={"file": (DIAGRAM.name, DIAGRAM.read_bytes())})
        assert r.status_code in (200, 201), r.text

    def start_timer(self, at: dt.datetime) -> str:
        body = {"process": "timer_at", "variables": {"at": at.isoformat().replace("+00:00", "Z")}}
        return self.post("/api/process-instances", body)["id"]

    def fired(self) -> list[dict[str, Any]]:
        return self.get("/api/history/events", type="timer.fired", limit=500)["items"]


@pytest.fixture
def servers(database_url, tmp_path):
    made: list[Server] = []

    def make(name: str) -> Server:
        made.append(Server(database_url, tmp_path, name))
        return made[-1]

    yield make
    for server in made:  # stop them all at once: each takes a second or two
        if server.proc is not None and server.proc.poll() is None:
            server.proc.send_signal(signal.SIGTERM)
    for server in made:
        server.stop()


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
    first = servers("first").launch().wait_ready()
    first.deploy()
    quiet = first.start_timer(soon(1.0))
    overdue_at = soon(2.5)
    overdue = first.start_timer(overdue_at)
    time.sleep(2.0)  # nobody asks the server anything meanwhile
    inst = first.get(f"/api/process-instances/{quiet}")
    assert inst["status"] == "completed" and inst["variables"]["woke"] is True
    [fired] = first.fired()
    assert fired["actor"] == "system" and 0 <= fired["data"]["lag_ms"] < 1000

    first.kill()
    # The second timer comes due while no server runs.
    time.sleep(max(0.0, (overdue_at - dt.datetime.now(dt.UTC)).total_seconds()) + 0.2)
    second = servers("second").launch().wait_ready()
    assert wait_until(lambda: second.get(f"/api/process-instances/{overdue}")["status"] == "completed", 10)
    fired = {e["instance_id"]: e for e in second.fired()}
    assert len(second.fired()) == 2 and set(fired) == {quiet, overdue}  # each once
    assert fired[overdue]["data"]["lag_ms"] >= 200


def test_two_servers_fire_each_of_many_timers_exactly_once(servers):
    a, b = servers("a").launch(), servers("b").launch()
    a.wait_ready()
    b.wait_ready()
    a.deploy()
    at = soon(2.5)  # all due at the same moment: both clocks compete for every one
    instances = [(a if i % 2 else b).start_timer(at) for i in range(30)]
    assert dt.datetime.now(dt.UTC) < at, "starting the instances took too long for this test"
    assert wait_until(lambda: len(a.fired()) >= 30, 15)
    time.sleep(1.0)  # more rounds of both clocks: nothing fires twice
    fired = a.fired()
    assert len(fired) == 30
    assert Counter(e["instance_id"] for e in fired) == Counter(instances)
    assert len({e["data"]["timer_id"] for e in fired}) == 30
    completed = a.get("/api/process-instances", process="timer_at", status="completed", limit=500)["items"]
    assert len(completed) == 30
    owners = Counter(e["data"]["owner"] for e in fired)
    print(f"timers fired per server process: {dict(owners)}")
