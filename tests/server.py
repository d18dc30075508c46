"""A real `bpmn-server serve` subprocess for end-to-end tests: free port, wait for /api/health, bearer-token
requests as the admin, SIGTERM (or SIGKILL) to stop it. The `server_process` fixture in conftest.py makes them."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import requests

from tests.conftest import ADMIN_TOKEN, DIAGRAMS

# The console script of the venv running the tests (works in CI's venv as in /tmp/venv).
SERVER = Path(sys.executable).parent / "bpmn-server"
HEADERS = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
BANNER = "bpmn-server listening on "


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerProcess:
    """One `bpmn-server serve` (a gunicorn master and its workers) on a free port, its output in a log file."""

    def __init__(self, database_url: str, folder: Path, name: str | None = None, workers: int | None = None,
                 log_level: str = "WARNING", log_format: str | None = None, env: dict[str, str] | None = None,
                 request_timeout: float = 10.0):
        self.database_url, self.folder, self.workers = database_url, folder, workers
        self.port = free_port()
        self.name = name or f"serve-{self.port}"
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = folder / f"{self.name}.log"
        self.headers = dict(HEADERS)
        self.request_timeout = request_timeout
        self.env = {**os.environ, "BPMN_SERVER_DATABASE_URL": database_url, "BPMN_SERVER_ADMIN_TOKEN": ADMIN_TOKEN,
                    "BPMN_SERVER_LOG_LEVEL": log_level, **(env or {})}
        if log_format:
            self.env["BPMN_SERVER_LOG_FORMAT"] = log_format
        # Each server makes its own metrics folder; an inherited one would mix servers' figures.
        self.env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        self.proc: subprocess.Popen | None = None
        self.stopping = False

    # -- process ---------------------------------------------------------------------------------------------

    def launch(self) -> ServerProcess:
        """Start it (in its own session, so that kill() reaches the workers too); see wait_ready()."""
        cmd = [str(SERVER), "serve", "--port", str(self.port)]
        if self.workers is not None:
            cmd += ["--workers", str(self.workers)]
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(cmd, env=self.env, cwd=self.folder, stdout=out, stderr=subprocess.STDOUT,
                                         start_new_session=True)
        return self

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def wait_ready(self, timeout: float = 30.0) -> ServerProcess:
        """Wait until /api/health answers 200; fail with the log if it exits or does not come up in time."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.running(), f"{self.name} exited:\n{self.output()}"
            try:
                if requests.get(f"{self.url}/api/health", timeout=2).status_code == 200:
                    return self
            except (requests.ConnectionError, requests.Timeout):
                pass  # not listening yet, or its first answer is slow on a loaded machine: ask again
            time.sleep(0.1)
        raise AssertionError(f"{self.name} did not come up:\n{self.output()}")

    def signal_stop(self) -> None:
        """Send SIGTERM to the master (a graceful stop) once, without waiting for it."""
        if self.running() and not self.stopping:
            self.stopping = True
            self.proc.send_signal(signal.SIGTERM)

    def terminate(self, timeout: float = 15.0) -> int | None:
        """SIGTERM, wait up to `timeout` and return the exit code; if it does not stop, kill it and fail."""
        if self.proc is None:
            return None
        self.signal_stop()
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(5)
            raise AssertionError(f"{self.name} did not stop on SIGTERM:\n{self.output()}") from None

    def kill(self) -> None:
        """Like a crash or a power cut: SIGKILL to every process of the server, no graceful shutdown."""
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(5)

    # -- output ----------------------------------------------------------------------------------------------

    def output(self) -> str:
        return self.log.read_text() if self.log.exists() else ""

    def json_lines(self) -> list[dict[str, Any]]:
        """Every log line, parsed: with the JSON log format all are JSON (gunicorn's own too) but the banner."""
        return [json.loads(line) for line in self.output().splitlines() if not line.startswith(BANNER)]

    # -- HTTP as the admin -----------------------------------------------------------------------------------

    def call(self, method: str, path: str, expect: int | tuple[int, ...] = (200, 201), timeout: float | None = None,
             **kw: Any) -> Any:
        """A request with the admin's bearer token; asserts the status and returns the JSON body."""
        r = requests.request(method, f"{self.url}{path}", headers=self.headers,
                             timeout=timeout or self.request_timeout, **kw)
        assert r.status_code in (expect if isinstance(expect, tuple) else (expect,)), r.text
        return r.json()

    def get(self, path: str, **params: Any) -> Any:
        return self.call("GET", path, expect=200, params=params)

    def post(self, path: str, body: Any, expect: int | tuple[int, ...] = (200, 201)) -> Any:
        return self.call("POST", path, expect=expect, json=body)

    def deploy(self, diagram: str | Path, xml: bytes | None = None, **data: str) -> Any:
        """Deploy a diagram: a name in tests/diagrams, a path, or a file name with its `xml`."""
        path = DIAGRAMS / diagram if isinstance(diagram, str) else diagram
        content = xml if xml is not None else path.read_bytes()
        return self.call("POST", "/api/deployments", timeout=30, files={"file": (path.name, content)},
                         data=data or None)

    def user(self, name: str, role: str, groups: list[str] | None = None) -> str:
        """Create a user; returns its token."""
        return self.post("/api/users", {"name": name, "role": role, "groups": groups or []}, expect=201)["token"]
