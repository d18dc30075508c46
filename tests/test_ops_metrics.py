"""Prometheus metrics: request latency by route, engine step time, database figures; summed over workers."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.conftest import ADMIN_TOKEN


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
def test_metrics_sum_over_two_workers(server_process):
    server = server_process(workers=2, log_level="DEBUG").wait_ready()
    server.deploy("core_exclusive.bpmn")

    def start(i: int) -> int:
        # A new connection per request: the two workers race to accept, so both serve some.
        return requests.post(f"{server.url}/api/process-instances", headers=server.headers, timeout=10,
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
    assert server.terminate(20) == 0


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
