"""Shared benchmark plumbing: a real server subprocess, a load generator in another process, stats."""

from __future__ import annotations

import http.client
import json
import multiprocessing as mp
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "bench-admin-token"


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


@contextmanager
def server(database_url: str, workers: int = 2, extra_env: dict[str, str] | None = None) -> Iterator[str]:
    """Run `bpmn-server serve` on a free port until the block ends; yields its base URL."""
    port = free_port()
    exe = shutil.which("bpmn-server", path=str(Path(sys.executable).parent)) or "bpmn-server"
    env = dict(os.environ, BPMN_SERVER_DATABASE_URL=database_url, BPMN_SERVER_ADMIN_TOKEN=TOKEN,
               BPMN_SERVER_LOG_LEVEL="WARNING", **(extra_env or {}))
    proc = subprocess.Popen([exe, "serve", "--port", str(port), "--workers", str(workers)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                status, _ = request(base, "GET", "/api/health")
                if status in (200, 503):
                    break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError("server did not start: " + (proc.stderr.read() if proc.stderr else ""))
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


def request(base: str, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None,
            conn: http.client.HTTPConnection | None = None) -> tuple[int, Any]:
    own = conn is None
    if own:
        host, port = base.removeprefix("http://").split(":")
        conn = http.client.HTTPConnection(host, int(port), timeout=60)
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


def deploy(base: str, path: Path) -> None:
    status, body = request(base, "POST", "/api/deployments", path.read_bytes(), {"Content-Type": "application/xml"})
    assert status in (200, 201), body


def _load_worker(base: str, scenario: str, payload: Any, deadline: float, out: Any) -> None:
    host, port = base.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=60)
    lat, errors, done = [], 0, 0
    while time.time() < deadline:
        t0 = time.perf_counter()
        try:
            ok = SCENARIOS[scenario](base, conn, payload)
        except (OSError, http.client.HTTPException):
            conn.close()
            conn = http.client.HTTPConnection(host, int(port), timeout=60)
            ok = False
        lat.append(time.perf_counter() - t0)
        done += 1
        errors += 0 if ok else 1
    out.put((lat, errors, done))


def _start_scenario(base: str, conn: http.client.HTTPConnection, payload: Any) -> bool:
    status, _ = request(base, "POST", "/api/process-instances", payload, conn=conn)
    return 200 <= status < 300


SCENARIOS = {"start": _start_scenario}


def _load_process(base: str, scenario: str, payload: Any, concurrency: int, seconds: float, out: Any) -> None:
    import queue

    q: queue.Queue = queue.Queue()
    deadline = time.time() + seconds
    threads = [threading.Thread(target=_load_worker, args=(base, scenario, payload, deadline, q))
               for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    lat, errors, done = [], 0, 0
    while not q.empty():
        a, b, c = q.get()
        lat += a
        errors += b
        done += c
    out.put((lat, errors, done))


def load(base: str, scenario: str, payload: Any, concurrency: int = 16, seconds: float = 10.0) -> dict[str, float]:
    """Drive the server from a separate process; returns rate, p50/p99 (ms) and the non-2xx count."""
    out: Any = mp.Queue()
    proc = mp.Process(target=_load_process, args=(base, scenario, payload, concurrency, seconds, out))
    t0 = time.perf_counter()
    proc.start()
    lat, errors, done = out.get()
    proc.join()
    elapsed = time.perf_counter() - t0
    lat.sort()
    return {"rate": done / min(elapsed, seconds + 1), "p50_ms": percentile(lat, 50) * 1000,
            "p99_ms": percentile(lat, 99) * 1000, "errors": errors, "count": done}


def percentile(values: list[float], pct: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[k]


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def tmp_sqlite() -> str:
    folder = tempfile.mkdtemp(prefix="bpmn-bench-")
    return f"sqlite:///{folder}/bench.db"


def table(rows: list[list[Any]], header: list[str]) -> str:
    cells = [header] + [[str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    lines = ["| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |" for r in cells]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)
