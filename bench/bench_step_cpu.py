"""Server CPU per persisted step, in process, beside the raw engine doing the same work in the same run.

    python bench/bench_step_cpu.py [--starts 400] [--timers 400] [--postgres URL]

- Start: `instances.start` of the straight-through order_scoring diagram (one unit of work: the instance,
  its history, committed) against raw SpiffWorkflow's create + run + serialize of the same diagram.
  Goal (issue 16): at most 2.5x the raw engine's CPU.
- Timer: `timers.fire_due_timers(now)` of instances waiting at a timer (restore, fire, run, persist, history)
  against raw SpiffWorkflow's restore + fire + run + serialize, both per CPU second of one process.
CPU is `time.process_time()` of this process (the database server's own CPU is not in it; SQLite's is).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import tempfile
import time
from pathlib import Path
from typing import Any

import bench_timers
from bench_start import DIAGRAM, VARIABLES


def raw_start_cpu(count: int) -> float:
    """CPU seconds per create + run + serialize of the diagram in SpiffWorkflow alone."""
    from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
    from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
    from SpiffWorkflow.camunda.parser.CamundaParser import CamundaParser
    from SpiffWorkflow.camunda.serializer import DEFAULT_CONFIG

    parser = CamundaParser()
    parser.add_bpmn_str(DIAGRAM.read_text().replace("${score &gt; 50}", "score &gt; 50").encode(), "o.bpmn")
    spec = parser.get_spec("order_scoring")
    serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(DEFAULT_CONFIG))
    t0 = time.process_time()
    for _ in range(count):
        wf = BpmnWorkflow(spec)
        for task in wf.get_tasks():
            task.data.update(VARIABLES)
        wf.do_engine_steps()
        assert wf.is_completed()
        serializer.serialize_json(wf)
    return (time.process_time() - t0) / count


def raw_timer_rate(count: int) -> float:
    """Raw SpiffWorkflow firings per CPU second: restore a workflow waiting at the timer, fire, run, serialize
    (as bench_timers.py `raw_engine_rate`, by CPU time: the machine is shared)."""
    from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
    from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
    from SpiffWorkflow.camunda.parser.CamundaParser import CamundaParser
    from SpiffWorkflow.camunda.serializer import DEFAULT_CONFIG

    parser = CamundaParser()
    parser.add_bpmn_str(bench_timers.DIAGRAM.replace(b"PT1H", b"'PT0.001S'"), "bench.bpmn")
    serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(DEFAULT_CONFIG))
    wf = BpmnWorkflow(parser.get_spec("bench_timer"))
    wf.do_engine_steps()
    state = serializer.serialize_json(wf)
    time.sleep(0.01)  # the timer is due
    t0 = time.process_time()
    for _ in range(count):
        wf = serializer.deserialize_json(state)
        wf.refresh_waiting_tasks()
        wf.do_engine_steps()
        assert wf.is_completed()
        serializer.serialize_json(wf)
    return count / (time.process_time() - t0)


def server_start_cpu(url: str, count: int) -> float:
    from bpmn_server.services import deployments, instances
    from models import db

    app = bench_timers.make_app(url)
    with app.app_context():
        deployments.deploy([deployments.Upload("order_scoring.bpmn", DIAGRAM.read_bytes())], "bench")
        for _ in range(20):  # warm-up: caches, connections
            instances.start("order_scoring", "bench", dict(VARIABLES))
        t0 = time.process_time()
        for _ in range(count):
            instances.start("order_scoring", "bench", dict(VARIABLES))
        spent = (time.process_time() - t0) / count
        db.session.remove()
        db.engine.dispose()
    return spent


def server_timer_rate(url: str, count: int) -> float:
    """Timer firings per CPU second of this process, in chunks as the clock fires them."""
    from bpmn_server.services import timers
    from models import db

    bench_timers.prepare(url, count)
    app = bench_timers.make_app(url)
    with app.app_context():
        now = dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)
        t0 = time.process_time()
        fired = 0
        while True:
            done = timers.fire_due_timers(now, batch=100)
            if not done:
                break
            fired += done
        spent = time.process_time() - t0
        db.session.remove()
        db.engine.dispose()
    return fired / spent


def fresh_url(postgres: str | None, name: str) -> str:
    if postgres:
        from harness import fresh_postgres

        return fresh_postgres(postgres, name)
    return f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--starts", type=int, default=400)
    ap.add_argument("--timers", type=int, default=400)
    ap.add_argument("--postgres", default="", help="a PostgreSQL server URL; a fresh database is made there")
    args = ap.parse_args()
    logging.getLogger("spiff").setLevel(logging.WARNING)
    logging.getLogger("bpmn_server").setLevel(logging.WARNING)
    db = "PostgreSQL" if args.postgres else "SQLite"
    raw = raw_start_cpu(args.starts)
    server = server_start_cpu(fresh_url(args.postgres, "bench_cpu_a"), args.starts)
    raw_again = raw_start_cpu(args.starts)  # before and after: the load may change meanwhile
    raw = (raw + raw_again) / 2
    raw_timer = raw_timer_rate(args.timers)
    timer = server_timer_rate(fresh_url(args.postgres, "bench_cpu_b"), args.timers)
    result: dict[str, Any] = {
        "database": db,
        "raw_start_ms": round(raw * 1000, 3), "server_start_ms": round(server * 1000, 3),
        "start_ratio": round(server / raw, 2), "start_goal_met": server / raw <= 2.5,
        "raw_timer_per_s": round(raw_timer), "server_timer_per_cpu_s": round(timer),
        "timer_ratio": round(timer / raw_timer, 2),
    }
    print(f"{db}: persisted start {server * 1000:.2f} ms CPU vs raw create+run+serialize {raw * 1000:.2f} ms: "
          f"{server / raw:.2f}x (goal <= 2.5x: {'met' if server / raw <= 2.5 else 'NOT met'})")
    print(f"{db}: timer firings {timer:.0f} per CPU second vs raw restore+fire+run+serialize {raw_timer:.0f}/s: "
          f"{timer / raw_timer:.2f}x")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
