"""Shared benchmark plumbing: a real server subprocess, the load client in another process, memory, tables."""

from __future__ import annotations

import http.client
import json
import os
import platform
import resource
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
TOKEN = "bench-admin-token"
MB = 1024  # /proc reports kB


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fresh_postgres(url: str, name: str) -> str:
    """Recreate database `name` on the server of `url` (a SQLAlchemy URL) and return its URL."""
    import psycopg

    base = url.split("/")[:-1]
    plain = "/".join(base).replace("postgresql+psycopg://", "postgresql://") + "/postgres"
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return "/".join(base) + "/" + name


def plain_postgres(url: str) -> str:
    """A libpq URL (for psycopg) from a SQLAlchemy one."""
    return url.replace("postgresql+psycopg://", "postgresql://")


def tmp_sqlite() -> str:
    folder = tempfile.mkdtemp(prefix="bpmn-bench-")
    return f"sqlite:///{folder}/bench.db"


def empty_app(url: str) -> Any:
    """An app (no clock) on `url` with an empty, migrated schema: PostgreSQL tables are dropped first."""
    sys.path.insert(0, str(ROOT))
    from sqlalchemy import create_engine

    from bpmn_server import create_app
    from models import db

    if not url.startswith("sqlite"):
        engine = create_engine(url)
        with engine.begin() as conn:
            db.metadata.drop_all(conn)
        engine.dispose()
    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SCHEDULER_ENABLED": False, "ADMIN_TOKEN": TOKEN,
                       "LOG_LEVEL": "WARNING"})


def db_label(url: str) -> str:
    return "PostgreSQL" if url.startswith("postgresql") else "SQLite"


@dataclass
class Server:
    """A running `bpmn-server serve`: its base URL and the gunicorn master's pid."""

    base: str
    pid: int

    def workers(self) -> list[int]:
        return children(self.pid)


@contextmanager
def server(database_url: str, workers: int = 2, extra_env: dict[str, str] | None = None) -> Iterator[Server]:
    """Run `bpmn-server serve --workers N` on a free port until the block ends."""
    port = free_port()
    exe = shutil.which("bpmn-server", path=str(Path(sys.executable).parent)) or "bpmn-server"
    env = dict(os.environ, BPMN_SERVER_DATABASE_URL=database_url, BPMN_SERVER_ADMIN_TOKEN=TOKEN,
               BPMN_SERVER_LOG_LEVEL="WARNING", **(extra_env or {}))
    log = tempfile.TemporaryFile("w+")  # a pipe nobody reads would block a chatty server
    proc = subprocess.Popen([exe, "serve", "--port", str(port), "--workers", str(workers)], env=env,
                            stdout=subprocess.DEVNULL, stderr=log, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 120
        while time.time() < deadline and proc.poll() is None:
            try:
                status, _ = request(base, "GET", "/api/health")
                if status in (200, 503):
                    break
            except OSError:
                time.sleep(0.2)
        else:
            log.seek(0)
            raise RuntimeError("server did not start: " + log.read()[-3000:])
        while len(children(proc.pid)) < workers and time.time() < deadline:
            time.sleep(0.1)
        yield Server(base, proc.pid)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def request(base: str, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None,
            conn: http.client.HTTPConnection | None = None) -> tuple[int, Any]:
    """One request with http.client (setup and sequential timings; the load goes through loadgen.py)."""
    own = conn is None
    if own:
        host, port = base.removeprefix("http://").split(":")
        conn = http.client.HTTPConnection(host, int(port), timeout=120)
    hdrs = {"Authorization": f"Bearer {TOKEN}", **(headers or {})}
    data = body
    if body is not None and not isinstance(body, bytes):
        data = json.dumps(body).encode()
        hdrs["Content-Type"] = "application/json"
    conn.request(method, path, body=data, headers=hdrs)
    resp = conn.getresponse()
    raw = resp.read()
    if own:
        conn.close()
    try:
        return resp.status, json.loads(raw) if raw else None
    except ValueError:
        return resp.status, raw


def deploy(base: str, diagram: Path | bytes) -> None:
    data = diagram if isinstance(diagram, bytes) else diagram.read_bytes()
    status, body = request(base, "POST", "/api/deployments", data, {"Content-Type": "application/xml"})
    assert status in (200, 201), body


def load(base: str, scenario: str, payload: Any, concurrency: int = 16, seconds: float | None = None,
         count: int | None = None, token: str = TOKEN, progress: int = 0) -> dict[str, float]:
    """Drive the server with bench/loadgen.py in a separate process: rate, p50/p99 (ms), errors, count,
    elapsed_s, and client_cpu_s (the client's own CPU time, to show it leaves the cores to the server)."""
    spec = {"base": base, "scenario": scenario, "payload": payload, "concurrency": concurrency,
            "seconds": seconds, "count": count, "token": token, "progress": progress}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run([sys.executable, str(BENCH / "loadgen.py"), json.dumps(spec)], check=True,
                         stdout=subprocess.PIPE, text=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)  # the client alone: the server is not reaped yet
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return {**json.loads(out.stdout), "client_cpu_s": cpu}


def p50_get(base: str, path: str, token: str = TOKEN, runs: int = 30) -> tuple[float, Any]:
    """p50 (ms) of one GET repeated on one keep-alive connection, and its last answer."""
    host, port = base.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=120)
    times, body = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        status, body = request(base, "GET", path, headers={"Authorization": f"Bearer {token}"}, conn=conn)
        times.append(time.perf_counter() - t0)
        assert status == 200, (path, status, body)
    conn.close()
    return percentile(times, 50) * 1000, body


# Memory of server processes, from /proc (no psutil) --------------------------------------------

def children(pid: int) -> list[int]:
    """Pids whose parent is `pid` (the gunicorn workers of a master)."""
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(entry.name))
    return sorted(out)


def memory_kb(pid: int) -> dict[str, int]:
    """VmRSS (now) and VmHWM (peak since the process started) of `pid`, in kB."""
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = int(value.split()[0])
    return out


@dataclass
class RssSampler:
    """Samples VmRSS of `pids` every `every` seconds on a thread while the block runs; keeps each peak."""

    pids: list[int]
    every: float = 0.05
    peak: dict[int, int] = field(default_factory=dict)

    def __enter__(self) -> RssSampler:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            for pid in self.pids:
                try:
                    rss = memory_kb(pid)["VmRSS"]
                except (OSError, KeyError):
                    continue
                self.peak[pid] = max(self.peak.get(pid, 0), rss)
            self._stop.wait(self.every)


# Figures and tables -------------------------------------------------------------------------------

NOTES: list[str] = []  # details behind the figures, printed as they come and kept for RESULTS.md


def note(text: str) -> None:
    print(text, flush=True)
    NOTES.append(text)


@dataclass
class Figure:
    """One row of the result table."""

    name: str
    measured: str
    goal: str = ""
    ratio: str = ""
    met: bool | None = None


def figures_table(figures: list[Figure]) -> str:
    rows = [[f.name, f.measured, f.goal, f.ratio, "" if f.met is None else ("yes" if f.met else "NO")]
            for f in figures]
    return table(rows, ["figure", "measured", "goal", "x raw", "met?"])


def table(rows: list[list[Any]], header: list[str]) -> str:
    cells = [header] + [[str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    lines = ["| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |" for r in cells]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def percentile(values: list[float], pct: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[k]


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def machine(postgres: str | None = None) -> str:
    """The machine and software the figures come from."""
    mem = next((int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                if line.startswith("MemTotal")), 0)
    parts = [f"{platform.machine()}, {os.cpu_count()} cores, {mem / MB / MB:.0f} GiB",
             f"{platform.python_implementation()} {platform.python_version()}", f"SQLite {sqlite3.sqlite_version}"]
    if postgres:
        import psycopg

        with psycopg.connect(plain_postgres(postgres)) as conn:
            parts.append("PostgreSQL " + conn.execute("SHOW server_version").fetchone()[0].split()[0])
    return ", ".join(parts)
