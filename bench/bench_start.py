"""Persisted starts per second of a straight-through process over HTTP, beside the raw engine.

    python bench/bench_start.py [--seconds 10] [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

The raw figure is SpiffWorkflow alone, in memory, on one core: parse once, then create a workflow and
run it to the end, over and over. The server figure is `POST /api/process-instances` against
`bpmn-server serve --workers 2`, 16 concurrent connections from a separate process, every instance
persisted with its history. Ratios are what to compare across machines.
"""

from __future__ import annotations

import argparse
import platform
import time

from harness import ROOT, deploy, fresh_postgres, load, server, table, tmp_sqlite

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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
                    help="a PostgreSQL server URL ('' to skip); a fresh database bpmn_bench is made there")
    args = ap.parse_args()

    import logging

    logging.getLogger("spiff").setLevel(logging.WARNING)
    raw = raw_engine_rate(min(args.seconds, 5.0))
    rows = [["raw SpiffWorkflow, in memory, 1 core", f"{raw:,.0f}", "", "", "", "1.00"]]
    targets = [("SQLite", tmp_sqlite())]
    if args.postgres:
        targets.append(("PostgreSQL", fresh_postgres(args.postgres, "bpmn_bench")))
    for label, url in targets:
        with server(url, workers=2) as base:
            deploy(base, DIAGRAM)
            payload = {"process": "order_scoring", "variables": VARIABLES}
            load(base, "start", payload, args.concurrency, 2.0)  # warm-up: spec caches, connections
            r = load(base, "start", payload, args.concurrency, args.seconds)
        rows.append([f"HTTP start, {label}, --workers 2, c={args.concurrency}", f"{r['rate']:,.0f}",
                     f"{r['p50_ms']:.1f}", f"{r['p99_ms']:.1f}", str(r["errors"]), f"{r['rate'] / raw:.2f}"])
    print(f"\nMachine: {platform.machine()}, {platform.python_implementation()} {platform.python_version()}")
    print("Goal: >= 0.75x raw, p50 <= 12 ms, p99 <= 50 ms, 0 errors\n")
    print(table(rows, ["what", "starts/s", "p50 ms", "p99 ms", "non-2xx", "x raw"]))


if __name__ == "__main__":
    main()
