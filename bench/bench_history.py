"""A big history: filtered pages over HTTP, and full exports in constant memory.

    python bench/bench_history.py [--events 1000000] [--database URL] [--runs 30]

The events are inserted in bulk, straight into the events table (PostgreSQL: one INSERT ... SELECT
over generate_series per chunk; SQLite: executemany in big batches): 20 events per instance over
events/20 instances, 100 instances interleaved at a time as if they ran side by side, five processes
of unequal size, task events by 200 users, `at` one second apart. Then `bpmn-server serve --workers 2`
on that database, and over HTTP: the p50 of GET /api/history/events with each filter the API has
(instance, process, type, actor, from/to, a rare type, a cursor deep in), one request at a time; then
the whole history exported as NDJSON and as CSV (GET /api/history/export), while the resident memory
of the gunicorn workers is sampled from /proc. Without --database a fresh SQLite file is used; a
PostgreSQL database given is emptied first.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import http.client
import json
import sqlite3
import time
from typing import Any

from harness import (
    MB,
    TOKEN,
    Figure,
    RssSampler,
    db_label,
    empty_app,
    figures_table,
    machine,
    memory_kb,
    note,
    p50_get,
    plain_postgres,
    server,
    tmp_sqlite,
)

PER_INSTANCE, SIDE_BY_SIDE = 20, 100
WINDOW = PER_INSTANCE * SIDE_BY_SIDE
PROCESSES = ["order_scoring", "order_scoring", "order_scoring", "order_scoring", "invoice_approval",
             "invoice_approval", "invoice_approval", "onboarding", "claims", "shipping"]  # by instance % 10
TYPES = ["instance.started", "activity.completed", "task.created", "task.claimed", "task.completed",
         "activity.completed", "timer.scheduled", "timer.fired", "activity.completed", "variables.updated",
         "task.created", "task.claimed", "task.completed", "activity.completed", "message.correlated",
         "activity.completed", "task.created", "task.completed", "activity.completed", "instance.completed"]
RARE = "instance.failed"  # the last event of every 97th instance instead of instance.completed
SPACING = dt.timedelta(seconds=1)

PG_FILL = """
INSERT INTO events (id, at, type, instance_id, process, version, activity, task_id, actor, data)
SELECT md5('e' || g)::uuid::text, %(t0)s + g * interval '1 second', type, md5('i' || inst)::uuid::text,
       (%(processes)s::text[])[inst %% 10 + 1], 1, 'a' || pos,
       CASE WHEN type LIKE 'task.%%' THEN md5('t' || inst || '-' || pos / 6)::uuid::text END,
       CASE WHEN type IN ('task.claimed', 'task.completed') THEN 'user' || inst %% 200 ELSE 'system' END,
       CASE WHEN type = 'task.completed' THEN json_build_object('approved', true, 'comment', 'fine',
                                                                'amount', g %% 1000)
            WHEN type = 'variables.updated' THEN '{"reason": "bench"}'::json ELSE '{}'::json END
FROM (SELECT g, inst, pos, CASE WHEN pos = 19 AND inst %% 97 = 0 THEN %(rare)s
                                ELSE (%(types)s::text[])[pos + 1] END AS type
      FROM (SELECT g, (g / %(window)s) * %(side)s + g %% %(side)s AS inst, (g %% %(window)s) / %(side)s AS pos
            FROM generate_series(%(low)s, %(high)s) AS g) AS s) AS e
ORDER BY g
"""


def _start_time(url: str) -> dt.datetime:
    """The first generated `at`: late enough that `at` keeps growing along `seq` after what is there."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        latest = conn.execute(text("SELECT max(at) FROM events")).scalar()
    engine.dispose()
    t0 = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(days=12)
    if isinstance(latest, str):
        latest = dt.datetime.fromisoformat(latest)
    return max(t0, latest + SPACING) if latest else t0


def fill_postgres(url: str, total: int, t0: dt.datetime) -> None:
    import psycopg

    with psycopg.connect(plain_postgres(url)) as conn:
        # The generated `at` already grows with seq; the per-row trigger that enforces it would only
        # double the load time. Off for this load only, in the bench's own database.
        conn.execute("ALTER TABLE events DISABLE TRIGGER events_monotonic_at")
        params = {"t0": t0, "processes": PROCESSES, "types": TYPES, "rare": RARE, "window": WINDOW,
                  "side": SIDE_BY_SIDE}
        for low in range(0, total, 250_000):
            conn.execute(PG_FILL, {**params, "low": low, "high": min(total, low + 250_000) - 1})
            conn.commit()
        conn.execute("ALTER TABLE events ENABLE TRIGGER events_monotonic_at")
        conn.commit()
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE events")


def _uuid(text: str) -> str:
    import hashlib

    h = hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _rows(low: int, high: int, t0: dt.datetime) -> list[tuple[Any, ...]]:
    """The same events as PG_FILL, as tuples for SQLite."""
    out = []
    for g in range(low, high):
        inst, pos = (g // WINDOW) * SIDE_BY_SIDE + g % SIDE_BY_SIDE, (g % WINDOW) // SIDE_BY_SIDE
        type_ = RARE if pos == 19 and inst % 97 == 0 else TYPES[pos]
        data = ({"approved": True, "comment": "fine", "amount": g % 1000} if type_ == "task.completed"
                else {"reason": "bench"} if type_ == "variables.updated" else {})
        out.append((_uuid(f"e{g}"), (t0 + g * SPACING).isoformat(" ", "microseconds"), type_, _uuid(f"i{inst}"),
                    PROCESSES[inst % 10], 1, f"a{pos}", _uuid(f"t{inst}-{pos // 6}") if type_[:5] == "task." else None,
                    f"user{inst % 200}" if type_ in ("task.claimed", "task.completed") else "system",
                    json.dumps(data)))
    return out


def fill_sqlite(url: str, total: int, t0: dt.datetime) -> None:
    conn = sqlite3.connect(url.removeprefix("sqlite:///"))
    for low in range(0, total, 50_000):
        conn.executemany("INSERT INTO events (id, at, type, instance_id, process, version, activity, task_id, "
                         "actor, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", _rows(low, min(total, low + 50_000), t0))
        conn.commit()
    conn.execute("ANALYZE")
    conn.close()


def prepare(url: str, total: int) -> dt.datetime:
    """Create the schema (empty), insert `total` events; returns the first event's time."""
    from models import db

    app = empty_app(url)
    with app.app_context():
        db.engine.dispose()
    t0 = _start_time(url)
    began = time.perf_counter()
    (fill_sqlite if url.startswith("sqlite") else fill_postgres)(url, total, t0)
    note(f"  history, {db_label(url)}: inserted {total:,} events in {time.perf_counter() - began:.1f} s")
    return t0


def _cursor(seq: int) -> str:
    return base64.urlsafe_b64encode(str(seq).encode()).decode().rstrip("=")


def export(base: str, fmt: str) -> tuple[int, int, float]:
    """Download the whole history in `fmt`, reading as fast as it comes: (lines, bytes, seconds)."""
    host, port = base.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=600)
    t0 = time.perf_counter()
    conn.request("GET", f"/api/history/export?format={fmt}", headers={"Authorization": f"Bearer {TOKEN}"})
    resp = conn.getresponse()
    assert resp.status == 200, resp.read()[:500]
    lines = size = 0
    while chunk := resp.read(1 << 16):
        lines += chunk.count(b"\n")
        size += len(chunk)
    conn.close()
    return lines, size, time.perf_counter() - t0


def run(url: str, total: int, runs: int) -> list[Figure]:
    """Fill, then the page p50s and the two exports against a fresh server on `url`."""
    t0 = prepare(url, total)
    label = db_label(url)
    instances = total // PER_INSTANCE
    some = _uuid(f"i{instances // 3 + 7}")
    middle = (t0 + (total // 2) * SPACING).strftime("%Y-%m-%dT%H:%M:%SZ")
    hour_on = (t0 + (total // 2) * SPACING + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    queries = [("one instance", f"instance={some}"),
               ("process, first page", "process=order_scoring"),
               ("small process, cursor at 90%", f"process=claims&after={_cursor(total * 9 // 10)}"),
               ("type, cursor at 50%", f"type=task.completed&after={_cursor(total // 2)}"),
               ("rare type", f"type={RARE}"),
               ("rare type in one process", f"type={RARE}&process=shipping"),
               ("actor", "actor=user7"),
               ("one hour in the middle (from, to)", f"from={middle}&to={hour_on}")]
    figures: list[Figure] = []
    with server(url, workers=2) as srv:
        pages = []
        for what, query in queries:
            path = f"/api/history/events?limit=50&{query}"
            p50_get(srv.base, path, TOKEN, 2)  # warm-up: this worker's caches, the pages it reads
            ms, body = p50_get(srv.base, path, TOKEN, runs)
            pages.append((ms, what))
            note(f"  GET /api/history/events, {label}, {total:,} events: {what}: p50 {ms:.1f} ms, "
                 f"{len(body['items'])} items")
        worst, what = max(pages)
        figures.append(Figure(f"history page p50 over HTTP, {label}, {total:,} events (worst of {len(pages)} "
                              "filters)", f"{worst:.1f} ms", "<= 20 ms", "", worst <= 20))
        workers = srv.workers()
        before = {pid: memory_kb(pid)["VmRSS"] for pid in workers}
        for fmt in ("json", "csv"):
            with RssSampler(workers) as sampler:
                lines, size, seconds = export(srv.base, fmt)
            hwm = max(memory_kb(pid)["VmHWM"] for pid in workers)
            peak = max(sampler.peak.values())
            note(f"  export {fmt}, {label}: {lines:,} lines, {size / MB / MB:,.0f} MB in {seconds:.1f} s "
                 f"({lines / seconds:,.0f}/s); worker RSS before {', '.join(f'{v / MB:.0f}' for v in before.values())}"
                 f" MB, sampled peak {peak / MB:.0f} MB, VmHWM {hwm / MB:.0f} MB")
            assert lines >= total, f"{lines} lines for {total} events"
            figures.append(Figure(f"history export ({'NDJSON' if fmt == 'json' else 'CSV'}), {label}, "
                                  f"{total:,} events: peak worker RSS", f"{peak / MB:.0f} MB", "< 200 MB", "",
                                  peak < 200 * MB))
    return figures


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--database", default=None, help="SQLAlchemy URL (it is emptied); default: a fresh SQLite file")
    ap.add_argument("--runs", type=int, default=30)
    args = ap.parse_args()
    figures = run(args.database or tmp_sqlite(), args.events, args.runs)
    print(f"\nMachine: {machine(args.database if args.database and 'postgres' in args.database else None)}\n")
    print(figures_table(figures))


if __name__ == "__main__":
    main()
