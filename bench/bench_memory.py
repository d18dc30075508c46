"""Memory of a long-running server: RSS of each gunicorn worker after 100,000 instances.

    python bench/bench_memory.py [--instances 100000] [--database URL] [--concurrency 16]

`bpmn-server serve --workers 2` on the database given (default: a fresh SQLite file; a PostgreSQL
database given is recreated first), the straight-through process `processes/order_scoring.bpmn`
deployed, then `--instances` starts driven through it by the asyncio client in a separate process
(loadgen.py). Reported: each worker's resident memory now (VmRSS) and at its peak (VmHWM), read from
/proc; the figure is the largest peak. A worker that gunicorn replaced during the run would hide a
leak, so the worker pids are checked to be the same before and after.
"""

from __future__ import annotations

import argparse

from bench_start import DIAGRAM, VARIABLES
from harness import (
    MB,
    Figure,
    db_label,
    deploy,
    figures_table,
    fresh_postgres,
    load,
    machine,
    memory_kb,
    note,
    server,
    tmp_sqlite,
)


def run(url: str, instances: int, concurrency: int = 16) -> list[Figure]:
    """Start `instances` instances through a fresh server on `url`; the workers' memory after."""
    label = db_label(url)
    with server(url, workers=2) as srv:
        deploy(srv.base, DIAGRAM)
        workers = srv.workers()
        start = {pid: memory_kb(pid)["VmRSS"] for pid in workers}
        payload = {"body": {"process": "order_scoring", "variables": VARIABLES}}
        r = load(srv.base, "start", payload, concurrency, count=instances, progress=max(1000, instances // 10))
        after = {pid: memory_kb(pid) for pid in srv.workers()}
        master = memory_kb(srv.pid)
    assert sorted(after) == workers, f"workers were replaced during the run: {workers} -> {sorted(after)}"
    for pid, mem in after.items():
        note(f"  memory, {label}: worker {pid} RSS {start[pid] / MB:.0f} MB after start, {mem['VmRSS'] / MB:.0f} MB "
             f"after {r['count']:,} starts, peak {mem['VmHWM'] / MB:.0f} MB")
    note(f"  memory, {label}: {r['count']:,} starts in {r['elapsed_s']:.0f} s ({r['rate']:,.0f}/s), "
         f"{r['errors']} non-2xx; gunicorn master RSS {master['VmRSS'] / MB:.0f} MB")
    peak = max(mem["VmHWM"] for mem in after.values())
    each = " / ".join(f"{mem['VmHWM'] / MB:.0f}" for mem in after.values())
    return [Figure(f"worker RSS after {r['count']:,} starts, {label}, --workers 2 (peak of each)", f"{each} MB",
                   "< 150 MB", "", peak < 150 * MB and r["errors"] == 0)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--instances", type=int, default=100_000)
    ap.add_argument("--database", default=None, help="a PostgreSQL URL (recreated) or nothing for SQLite")
    ap.add_argument("--concurrency", type=int, default=16)
    args = ap.parse_args()
    url = tmp_sqlite()
    if args.database:
        url = fresh_postgres(args.database, args.database.rsplit("/", 1)[1])
    figures = run(url, args.instances, args.concurrency)
    print(f"\nMachine: {machine(args.database)}\n")
    print(figures_table(figures))


if __name__ == "__main__":
    main()
