"""Soak: mixed load on `serve --workers 2` for a long while; memory, descriptors and the tail must stay flat.

    python bench/soak.py --minutes 30              # SQLite (the default); --database URL for PostgreSQL
    python bench/soak.py --minutes 3 --results bench/RESULTS.md

Four client threads start instances and work their user tasks (list, claim, complete), start timer instances,
read task and instance pages over the API and the web pages; one more thread downloads the whole history as
CSV once a minute. Each minute prints: requests, errors, p50/p99 (ms), workers' RSS (MB) and open descriptors,
and the database's size. Exits 1 when memory or descriptors grow steadily, p99 doubles from the first minute
to the last, or any request failed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import ROOT, memory_kb, percentile, request, server, table, tmp_sqlite  # noqa: E402

DIAGRAMS = ROOT / "tests" / "diagrams"


class Minute:
    def __init__(self) -> None:
        self.times: list[float] = []
        self.errors = 0
        self.lock = threading.Lock()

    def add(self, seconds: float, ok: bool) -> None:
        with self.lock:
            self.times.append(seconds)
            self.errors += 0 if ok else 1


class Client:
    """One keep-alive connection, timing each request into the current minute."""

    def __init__(self, base: str, clock: list[Minute]) -> None:
        host, port = base.removeprefix("http://").split(":")
        self.base, self.conn, self.clock = base, http.client.HTTPConnection(host, int(port), timeout=120), clock

    def call(self, method: str, path: str, body: Any = None, expect: tuple[int, ...] = (200, 201)) -> Any:
        began = time.perf_counter()
        try:
            status, answer = request(self.base, method, path, body, conn=self.conn)
        except (OSError, http.client.HTTPException):
            self.conn.close()
            status, answer = 0, None
        self.clock[-1].add(time.perf_counter() - began, status in expect)
        return answer if status in expect else None


def work(base: str, clock: list[Minute], stop: threading.Event) -> None:
    client = Client(base, clock)
    while not stop.is_set():
        client.call("POST", "/api/process-instances", {"process": "core_approval", "variables": {"amount": 10}})
        soon = (dt.datetime.now(dt.UTC) + dt.timedelta(seconds=5)).isoformat().replace("+00:00", "Z")
        client.call("POST", "/api/process-instances", {"process": "timer_at", "variables": {"at": soon}})
        tasks = client.call("GET", "/api/tasks?limit=20") or {"items": []}
        for task in tasks["items"][:1]:
            if client.call("POST", f"/api/tasks/{task['id']}/claim", expect=(200, 409)):
                client.call("POST", f"/api/tasks/{task['id']}/complete", {"variables": {"approved": True}},
                            expect=(200, 409, 422))
        client.call("GET", "/api/process-instances?limit=20")
        client.call("GET", "/ui/login")


def export_every_minute(base: str, clock: list[Minute], stop: threading.Event) -> None:
    while not stop.wait(0.5):
        began = time.perf_counter()
        status, _ = request(base, "GET", "/api/history/export?format=csv")
        clock[-1].add(time.perf_counter() - began, status in (200, 429))
        stop.wait(max(0.0, 60 - (time.perf_counter() - began)))


def descriptors(pid: int) -> int:
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return 0


def database_mb(url: str) -> float:
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        return sum(p.stat().st_size for p in path.parent.glob(path.name + "*")) / 1e6
    import psycopg
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        return conn.execute("SELECT pg_database_size(current_database())").fetchone()[0] / 1e6


def steady_growth(values: list[float], tolerance: float) -> bool:
    """Grows steadily: the last third's mean exceeds the second third's by more than `tolerance` (relative),
    and the second third's the first's (a warm-up step alone is not growth)."""
    if len(values) < 3:
        return False
    third = len(values) // 3
    first, second, last = (sum(part) / len(part) for part in
                           (values[:third], values[third:2 * third], values[2 * third:]))
    return second > first * (1 + tolerance / 2) and last > second * (1 + tolerance)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--database", default=None, help="SQLAlchemy URL (default: a fresh SQLite file)")
    parser.add_argument("--results", type=Path, help="append the table to this Markdown file")
    args = parser.parse_args()
    url = args.database or tmp_sqlite()
    rows, clock, stop = [], [Minute()], threading.Event()
    with server(url, workers=2) as srv:
        for name in ("core_approval.bpmn", "timer_at.bpmn"):
            request(srv.base, "POST", "/api/deployments", (DIAGRAMS / name).read_bytes(),
                    {"Content-Type": "application/xml"})
        request(srv.base, "POST", "/api/users", {"name": "soak", "role": "operator", "groups": ["managers"]})
        threads = [threading.Thread(target=work, args=(srv.base, clock, stop)) for _ in range(4)]
        threads.append(threading.Thread(target=export_every_minute, args=(srv.base, clock, stop)))
        for t in threads:
            t.start()
        try:
            for minute in range(1, int(args.minutes) + 1):
                time.sleep(60)
                done, clock[-1:] = clock[-1], [clock[-1], Minute()]
                pids = srv.workers()
                rss = sum(memory_kb(p).get("VmRSS", 0) for p in pids) / 1024
                times = sorted(done.times) or [0.0]
                row = [minute, len(done.times), done.errors, round(percentile(times, 50) * 1000, 1),
                       round(percentile(times, 99) * 1000, 1), round(rss, 1), sum(descriptors(p) for p in pids),
                       round(database_mb(url), 1)]
                rows.append(row)
                print(" ".join(str(v) for v in row), flush=True)
        finally:
            stop.set()
            for t in threads:
                t.join(120)
    header = ["minute", "requests", "errors", "p50 ms", "p99 ms", "workers RSS MB", "descriptors", "database MB"]
    verdicts = []
    if steady_growth([r[5] for r in rows], 0.10):
        verdicts.append("memory grows steadily")
    if steady_growth([r[6] for r in rows], 0.10):
        verdicts.append("descriptors grow steadily")
    if len(rows) >= 2 and rows[-1][4] > 2 * rows[0][4]:
        verdicts.append(f"p99 doubled ({rows[0][4]} -> {rows[-1][4]} ms)")
    if any(r[2] for r in rows):
        verdicts.append(f"{sum(r[2] for r in rows)} requests failed")
    out = table(rows, header)
    verdict = "FAILED: " + "; ".join(verdicts) if verdicts else "passed: flat memory, descriptors and tail"
    print(out + "\n" + verdict)
    if args.results:
        with args.results.open("a") as f:
            kind = "SQLite" if url.startswith("sqlite") else "PostgreSQL"
            f.write(f"\n## Soak ({args.minutes:g} min, {kind}, serve --workers 2)\n\n{out}\n\n{verdict}\n")
    sys.exit(1 if verdicts else 0)


if __name__ == "__main__":
    main()
