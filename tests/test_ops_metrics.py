"""Prometheus metrics: request latency by route, engine step time, database figures; summed over workers."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.conftest import ADMIN_TOKEN, DIAGRAMS

SERVER = Path(sys.executable).parent / "bpmn-server"
HEADERS = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def sample(text: str, name: str, **labels: str) -> float | None:
    """The value of one sample in a Prometheus text exposition (labels in any order), or None."""
    for line in text.splitlines():
        m = re.match(r"^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$", line)
        if not m or m.group(1) != name:
            continue
        found = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m.group(2) or ""))
        if all(found.get(k) == v for k, v in labels.items()):
            return float(m.group(3))
    return None


class ServeProcess:
    """A real `bpmn-server serve` (gunicorn master and workers) on a free port, logging JSON to a file."""

    def __init__(self, database_url: str, folder: Path, workers: int = 2, **env: str):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = folder / f"serve-{self.port}.log"
        env = {**os.environ, "BPMN_SERVER_DATABASE_URL": database_url, "BPMN_SERVER_ADMIN_TOKEN": ADMIN_TOKEN,
               "BPMN_SERVER_LOG_LEVEL": "DEBUG", **env}
        env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen([str(SERVER), "serve", "--port", str(self.port), "--workers", str(workers)],
                                         env=env, cwd=folder, stdout=out, stderr=subprocess.STDOUT,
                                         start_new_session=True)

    def wait_ready(self, timeout: float = 30.0) -> ServeProcess:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, f"the server exited:\n{self.log.read_text()}"
            try:
                if requests.get(f"{self.url}/api/health", timeout=1).status_code == 200:
                    return self
            except requests.ConnectionError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"the server did not come up:\n{self.log.read_text()}")

    def deploy(self, name: str) -> None:
        r = requests.post(f"{self.url}/api/deployments", headers=HEADERS, timeout=30,
                          files={"file": (name, (DIAGRAMS / name).read_bytes())})
        assert r.status_code in (200, 201), r.text

    def json_lines(self) -> list[dict[str, Any]]:
        """Every log line, parsed: all are JSON (gunicorn's own too) but the console banner."""
        lines = self.log.read_text().splitlines()
        return [json.loads(line) for line in lines if not line.startswith("bpmn-server listening on ")]

    def terminate(self, timeout: float = 20.0) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(5)
            raise AssertionError(f"the server did not stop on SIGTERM:\n{self.log.read_text()}") from None


@pytest.fixture
def serve(database_url, tmp_path):
    started: list[ServeProcess] = []

    def make(**kw: Any) -> ServeProcess:
        started.append(ServeProcess(database_url, tmp_path, **kw))
        return started[-1]

    yield make
    for server in started:
        if server.proc.poll() is None:
            os.killpg(server.proc.pid, signal.SIGKILL)
            server.proc.wait(5)


def test_request_latency_and_engine_step_time_are_measured(api, app):
    api.deploy("core_exclusive.bpmn")
    for amount in (1, 5000, 50):
        api.start("core_exclusive", {"amount": amount})
    assert api.get("/api/process-instances/nope").status_code == 404
    text = app.test_client().get("/metrics").get_data(as_text=True)
    assert sample(text, "bpmn_http_request_duration_seconds_count", endpoint="instances.start", status="2xx") >= 3
    assert sample(text, "bpmn_http_request_duration_seconds_count", endpoint="instances.get_instance",
                  status="4xx") is not None
    assert sample(text, "bpmn_engine_step_seconds_count", process="core_exclusive") >= 3
    assert sample(text, "bpmn_engine_step_seconds_bucket", process="core_exclusive", le="+Inf") >= 3
    assert sample(text, "bpmn_instances_started_total", process="core_exclusive") == 3
    assert sample(text, "bpmn_instances_ended_total", process="core_exclusive", status="completed") == 3


@pytest.mark.e2e
def test_metrics_sum_over_two_workers(serve):
    server = serve(workers=2).wait_ready()
    server.deploy("core_exclusive.bpmn")

    def start(i: int) -> int:
        # A new connection per request: the two workers race to accept, so both serve some.
        return requests.post(f"{server.url}/api/process-instances", headers=HEADERS, timeout=10,
                             json={"process": "core_exclusive", "variables": {"amount": i}}).status_code

    with ThreadPoolExecutor(4) as pool:
        assert set(pool.map(start, range(40))) == {201}
    counts, steps = [], []
    for _ in range(6):
        text = requests.get(f"{server.url}/metrics", timeout=10).text
        counts.append(sample(text, "bpmn_http_request_duration_seconds_count", endpoint="instances.start",
                             status="2xx"))
        steps.append(sample(text, "bpmn_engine_step_seconds_count", process="core_exclusive"))
        assert sample(text, "bpmn_instances_started_total", process="core_exclusive") == 40
    # Whichever worker answers the scrape, it reports every worker's requests and steps.
    assert counts == [40] * 6 and steps == [40] * 6
    served = {line["pid"] for line in server.json_lines() if line.get("endpoint") == "instances.start"}
    assert len(served) == 2, "both workers should have served starts"
    started = [line for line in server.json_lines() if line.get("endpoint") == "instances.start"]
    assert all(line["request_id"] and line["user"] == "admin" and line["instance_id"] for line in started)
    assert ADMIN_TOKEN not in server.log.read_text()
    assert server.terminate() == 0


def test_serve_removes_metrics_folders_of_killed_servers(tmp_path, monkeypatch):
    import tempfile

    from bpmn_server.cli import METRICS_PREFIX, _remove_stale_metrics_folders

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead = tmp_path / f"{METRICS_PREFIX}{gone.stdout.strip()}-abc"
    alive = tmp_path / f"{METRICS_PREFIX}{os.getpid()}-def"
    dead.mkdir()
    alive.mkdir()
    _remove_stale_metrics_folders()
    assert not dead.exists() and alive.exists()
