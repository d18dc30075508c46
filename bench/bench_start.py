"""Persisted starts per second of a straight-through process over HTTP, beside the raw engine.

    python bench/bench_start.py [--seconds 10] [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

The raw figure is SpiffWorkflow alone, in memory, on one core: parse once, then create a workflow and
run it to the end, over and over. The server figure is `POST /api/process-instances` against
`bpmn-server serve --workers 2`, 16 concurrent keep-alive connections from the asyncio client in a
separate process (loadgen.py), every instance persisted with its history. Ratios are what to compare
across machines.
"""

from __future__ import annotations

import argparse
import logging
import time

from harness import (
    ROOT,
    Figure,
    db_label,
    deploy,
    figures_table,
    fresh_postgres,
    load,
    machine,
    note,
    server,
    tmp_sqlite,
)

DIAGRAM = ROOT / "processes" / "order_scoring.bpmn"
VARIABLES = {"amount": 800, "customer_type": "new"}


def raw_engine_rate(seconds: float) -> float:
    """The engine's ceiling: SpiffWorkflow in memory (this file is a benchmark, not the app)."""
    from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
    from SpiffWorkflow.camunda.parser.CamundaParser import CamundaParser

    parser = CamundaParser()
    text = DIAGRAM.read_text().replace("${score &gt; 50}", "score &gt; 50")
    parser.add_bpmn_str(text.encode(), "order_scoring.bpmn")
    spec = parser.get_spec("order_scoring")
    done, deadline = 0, time.perf_counter() + seconds
    t0 = time.perf_counter()
    while time.perf_counter() < deadline:
        wf = BpmnWorkflow(spec)
        for task in wf.get_tasks():
            task.data.update(VARIABLES)
        wf.do_engine_steps()
        assert wf.is_completed()
        done += 1
    return done / (time.perf_counter() - t0)


def run(url: str, raw: float, seconds: float, concurrency: int = 16) -> list[Figure]:
    """Starts over HTTP against a fresh server on `url`: rate (x raw), p50, p99, non-2xx."""
    with server(url, workers=2) as srv:
        deploy(srv.base, DIAGRAM)
        payload = {"body": {"process": "order_scoring", "variables": VARIABLES}}
        load(srv.base, "start", payload, concurrency, seconds=2.0)  # warm-up: spec caches, connections
        r = load(srv.base, "start", payload, concurrency, seconds=seconds)
    note(f"  start, {db_label(url)}: {r['count']:,} in {r['elapsed_s']:.1f} s; the client used {r['client_cpu_s']:.1f} "
         "s of CPU")
    where = f"{db_label(url)}, --workers 2, c={concurrency}"
    return [Figure(f"HTTP starts/s, {where}", f"{r['rate']:,.0f}/s", ">= 0.75x raw", f"{r['rate'] / raw:.2f}",
                   r["rate"] / raw >= 0.75),
            Figure(f"HTTP start p50, {where}", f"{r['p50_ms']:.1f} ms", "<= 12 ms", "", r["p50_ms"] <= 12),
            Figure(f"HTTP start p99, {where}", f"{r['p99_ms']:.1f} ms", "<= 50 ms", "", r["p99_ms"] <= 50),
            Figure(f"HTTP start non-2xx, {where}", f"{r['errors']} of {r['count']:,}", "0", "", r["errors"] == 0)]


def raw_figure(raw: float) -> Figure:
    return Figure("raw SpiffWorkflow starts/s (in memory, 1 core)", f"{raw:,.0f}/s", "", "1.00")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
                    help="a PostgreSQL server URL ('' to skip); a fresh database bench_a is made there")
    args = ap.parse_args()

    logging.getLogger("spiff").setLevel(logging.WARNING)
    raw = raw_engine_rate(min(args.seconds, 5.0))
    figures = [raw_figure(raw)]
    figures += run(tmp_sqlite(), raw, args.seconds, args.concurrency)
    if args.postgres:
        figures += run(fresh_postgres(args.postgres, "bench_a"), raw, args.seconds, args.concurrency)
    print(f"\nMachine: {machine(args.postgres or None)}\n")
    print(figures_table(figures))


if __name__ == "__main__":
    main()
