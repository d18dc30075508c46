"""The goals of issue 16 that no other bench script measures, each as figures for bench/run.py's table.

- `start_figures`: HTTP starts at 16 connections against `serve --workers 2` (x the raw engine's one-core
  rate, p99 against p50, non-2xx) and one sequential client on the same server (16 connections / 1).
- `cpu_figures`: server CPU per persisted start in process (`instances.start`), x the raw engine's
  create + run + serialize (bench_step_cpu.py).
- `scale_figures`: starts/s over HTTP on an empty database, then with N (1,000,000) instances and one
  history event each inserted in bulk with one SQL statement each (copies of a finished instance with a
  small state: a start never reads them), then starts/s again on the same server.
- `revoke_figures`: a user's token is used on many connections (both workers), revoked by an admin; the
  time until no process accepts it any more (every request on fresh connections answers 401).
"""

from __future__ import annotations

import time
from typing import Any

import bench_start
import bench_step_cpu
from harness import Figure, db_label, deploy, load, note, request, server

PAYLOAD = {"body": {"process": "order_scoring", "variables": bench_start.VARIABLES}}


def _starts(base: str, concurrency: int, seconds: float) -> dict[str, Any]:
    load(base, "start", PAYLOAD, concurrency, seconds=min(2.0, seconds))  # warm-up: caches, connections
    return load(base, "start", PAYLOAD, concurrency, seconds=seconds)


def start_figures(url: str, raw: float, seconds: float) -> list[Figure]:
    with server(url, workers=2) as srv:
        deploy(srv.base, bench_start.DIAGRAM)
        many = _starts(srv.base, 16, seconds)
        one = load(srv.base, "start", PAYLOAD, 1, seconds=seconds)
    label = db_label(url)
    note(f"  start, {label}: c=16 {many['count']:,} in {many['elapsed_s']:.1f} s ({many['rate']:.0f}/s, p50 "
         f"{many['p50_ms']:.1f} ms, p99 {many['p99_ms']:.1f} ms); c=1 {one['rate']:.0f}/s (p50 {one['p50_ms']:.1f} ms)")
    where = f"{label}, --workers 2"
    spread = many["p99_ms"] / many["p50_ms"] if many["p50_ms"] else float("inf")
    gain = many["rate"] / one["rate"] if one["rate"] else float("inf")
    errors = many["errors"] + one["errors"]
    return [Figure(f"HTTP starts/s, {where}, c=16", f"{many['rate']:,.0f}/s", ">= 0.35x raw",
                   f"{many['rate'] / raw:.2f}", many["rate"] / raw >= 0.35),
            Figure(f"HTTP start p99 / p50, {where}, c=16", f"{many['p99_ms']:.1f} / {many['p50_ms']:.1f} ms "
                   f"= {spread:.1f}", "<= 3", "", spread <= 3),
            Figure(f"HTTP start non-2xx, {where}", f"{errors} of {many['count'] + one['count']:,}", "0", "",
                   errors == 0),
            Figure(f"HTTP starts/s, {where}, c=16 / one sequential client", f"{many['rate']:,.0f} / "
                   f"{one['rate']:,.0f}/s = {gain:.2f}", ">= 1.5", "", gain >= 1.5)]


def cpu_figures(url: str, count: int) -> list[Figure]:
    raw = bench_step_cpu.raw_start_cpu(count)
    spent = bench_step_cpu.server_start_cpu(url, count)
    raw = (raw + bench_step_cpu.raw_start_cpu(count)) / 2  # before and after: the load moves
    label = db_label(url)
    note(f"  start CPU in process, {label}: {spent * 1000:.2f} ms per persisted start, raw create + run + "
         f"serialize {raw * 1000:.2f} ms")
    return [Figure(f"server CPU per persisted start, {label}, in process (x raw CPU)", f"{spent * 1000:.2f} ms",
                   "<= 2.5x raw", f"{spent / raw:.2f}", spent / raw <= 2.5)]


def _fill(url: str, count: int) -> float:
    """Insert `count` finished instances and one event each, in bulk (one INSERT ... SELECT per table)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    t0 = time.perf_counter()
    with engine.begin() as conn:
        seed = conn.execute(text("SELECT id FROM instances WHERE status = 'completed' LIMIT 1")).scalar_one()
        columns = ("definition_id, process, version, business_key, status, variables, waiting, state, "
                   "serializer_version, revision, started_at, started_by, ended_at, suspended_from")
        copied = columns.replace("state,", "'{}',")  # a small state: a start never reads others' states
        if engine.dialect.name == "postgresql":
            series, new_id = "generate_series(1, :n) AS c(g)", "gen_random_uuid()::text"
            prefix = ""
        else:
            series, new_id = "c", "lower(hex(randomblob(16)))"
            prefix = "WITH RECURSIVE c(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM c WHERE g < :n) "
        conn.execute(text(f"{prefix}INSERT INTO instances (id, {columns}) SELECT {new_id}, {copied} "
                          f"FROM (SELECT * FROM instances WHERE id = :seed LIMIT 1) AS instances, {series}"),
                     {"n": count, "seed": seed})
        # The seed event as a one-row subquery (LIMIT: never flattened into the join), so that the series is
        # not joined with a scan of the events table.
        conn.execute(text(f"{prefix}INSERT INTO events (id, at, type, instance_id, process, version, activity, "
                          f"task_id, actor, data) SELECT {new_id}, e.at, e.type, e.instance_id, e.process, "
                          "e.version, e.activity, e.task_id, e.actor, e.data FROM (SELECT * FROM events WHERE "
                          f"instance_id = :seed AND type = 'instance.started' LIMIT 1) AS e, {series}"),
                     {"n": count, "seed": seed})
        if engine.dialect.name == "postgresql":
            conn.execute(text("ANALYZE"))
    with engine.connect() as conn:  # what the fill wrote goes to the tables now, not during the measured starts
        conn.exec_driver_sql("CHECKPOINT" if engine.dialect.name == "postgresql" else "PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return time.perf_counter() - t0


def scale_figures(url: str, count: int, seconds: float) -> list[Figure]:
    label = db_label(url)
    with server(url, workers=2) as srv:
        deploy(srv.base, bench_start.DIAGRAM)
        empty = _starts(srv.base, 16, seconds)
        took = _fill(url, count)
        full = _starts(srv.base, 16, seconds)
    ratio = full["rate"] / empty["rate"] if empty["rate"] else 0.0
    note(f"  starts with {count:,} instances stored, {label}: filled in {took:.0f} s; {full['rate']:.0f}/s "
         f"against {empty['rate']:.0f}/s on the empty database")
    return [Figure(f"HTTP starts/s, {label}, c=16, {count:,} instances stored / empty database",
                   f"{full['rate']:,.0f} / {empty['rate']:,.0f}/s", ">= 0.9x empty", f"{ratio:.2f}", ratio >= 0.9)]


def revoke_figures(url: str, probes: int = 8) -> list[Figure]:
    """Seconds from the revoke's answer until every one of `probes` requests on fresh connections is 401
    (each fresh connection may land on either worker), polled without pause."""
    with server(url, workers=2) as srv:
        status, user = request(srv.base, "POST", "/api/users", {"name": "leaver", "role": "operator",
                                                                 "groups": ["g"]})
        assert status == 201, user
        mine = {"Authorization": f"Bearer {user['token']}"}
        for _ in range(4 * probes):  # the token is known (and cached, if anything caches it) on every worker
            assert request(srv.base, "GET", "/api/tasks?limit=1", headers=mine)[0] == 200
        status, _ = request(srv.base, "DELETE", "/api/users/leaver/tokens")
        assert status == 200
        revoked, deadline = time.perf_counter(), time.perf_counter() + 10
        took = None
        while time.perf_counter() < deadline:
            if all(request(srv.base, "GET", "/api/tasks?limit=1", headers=mine)[0] == 401 for _ in range(probes)):
                took = time.perf_counter() - revoked
                break
    label = db_label(url)
    shown = f"{took:.2f} s" if took is not None else "> 10 s"
    note(f"  revoked token, {label}: refused by every worker after {shown}")
    return [Figure(f"revoked token refused on every process, {label}, --workers 2", shown, "<= 1 s", "",
                   took is not None and took <= 1.0)]
