"""10,000 timers coming due together: how fast the clock fires them, and how late (lag p50 and p99).

    python bench/bench_timers.py [--database URL] [--timers 10000] [--workers 2] [--batch 100]

Without --database a fresh SQLite file is used. A PostgreSQL database is used as found (the bench
adds its rows; give it a scratch database). One instance of a small process (a timer catch, a script
task, an end) is started through the service layer; it is then copied, with its timer row, to make
the others (copies of one state: starting 10,000 instances one by one is not what is measured). All
timers are then made due at the same moment T0, and `--workers` processes each run
`fire_due_timers()` (the clock's round, on the wall clock) until none is left.
Rate: timers / (last fired_at - T0). Lag: fired_at - due_at of each timer, from the timers table.
Beside it, the raw SpiffWorkflow rate in the same run (restore, fire, run, serialize: one core, in
memory), and the CPU time the workers spent per timer (database server excluded), since the
machine's load moves the absolute figures.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

DIAGRAM = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="bench_timer" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:intermediateCatchEvent id="wait"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:timerEventDefinition><bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:scriptTask id="note" scriptFormat="python"><bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>
      <bpmn:script>woke = True</bpmn:script></bpmn:scriptTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="wait"/>
    <bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="note"/>
    <bpmn:sequenceFlow id="f3" sourceRef="note" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>"""


def make_app(url: str) -> Any:
    from bpmn_server import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SCHEDULER_ENABLED": False, "LOG_LEVEL": "WARNING",
                       "ADMIN_TOKEN": "bench-admin-token"})


def prepare(url: str, count: int) -> None:
    """Deploy, start one instance, copy it `count - 1` times (rows inserted in bulk)."""
    from sqlalchemy import insert, select

    from bpmn_server.services import deployments, instances
    from models import Instance, Timer, db, new_id

    app = make_app(url)
    with app.app_context():
        deployments.deploy([deployments.Upload("bench_timer.bpmn", DIAGRAM)], "bench")
        first = instances.start("bench_timer", "bench")
        timer = db.session.execute(select(Timer).where(Timer.instance_id == first.id)).scalar_one()
        inst_cols = {c.key: getattr(first, c.key) for c in Instance.__table__.columns}
        timer_cols = {c.key: getattr(timer, c.key) for c in Timer.__table__.columns}
        for start in range(1, count, 1000):
            ids = [new_id() for _ in range(start, min(start + 1000, count))]
            db.session.execute(insert(Instance), [{**inst_cols, "id": i} for i in ids])
            db.session.execute(insert(Timer), [{**timer_cols, "id": new_id(), "instance_id": i} for i in ids])
            db.session.commit()
        db.engine.dispose()


def worker(url: str, batch: int, ready: Any, go: Any, done: Any) -> None:
    from sqlalchemy import func, select

    from bpmn_server.services.timers import fire_due_timers
    from models import Timer, db

    app = make_app(url)
    with app.app_context():
        db.session.execute(select(1))  # connect before the start
        db.session.rollback()
        ready.put(os.getpid())
        go.wait()
        cpu = time.process_time()
        while True:
            if fire_due_timers(batch=batch) == 0:
                left = db.session.execute(select(func.count()).select_from(Timer)
                                          .where(Timer.state == "waiting", Timer.process == "bench_timer")).scalar()
                db.session.rollback()
                if not left:
                    break
                time.sleep(0.01)
        done.put(time.process_time() - cpu)
        db.engine.dispose()


def raw_engine_rate(seconds: float) -> float:
    """SpiffWorkflow alone, in memory, one core: restore a workflow waiting at the timer, fire, run, serialize."""
    from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
    from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
    from SpiffWorkflow.camunda.parser.CamundaParser import CamundaParser
    from SpiffWorkflow.camunda.serializer import DEFAULT_CONFIG

    parser = CamundaParser()
    parser.add_bpmn_str(DIAGRAM.replace(b"PT1H", b"'PT0.001S'"), "bench.bpmn")
    serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(DEFAULT_CONFIG))
    wf = BpmnWorkflow(parser.get_spec("bench_timer"))
    wf.do_engine_steps()
    state = serializer.serialize_json(wf)
    time.sleep(0.01)  # the timer is due
    done, t0 = 0, time.perf_counter()
    while time.perf_counter() < t0 + seconds:
        wf = serializer.deserialize_json(state)
        wf.refresh_waiting_tasks()
        wf.do_engine_steps()
        assert wf.is_completed()
        serializer.serialize_json(wf)
        done += 1
    return done / (time.perf_counter() - t0)


def run(url: str, count: int, workers: int, batch: int) -> dict[str, Any]:
    from sqlalchemy import func, select, update

    from models import Event, Timer, db, utcnow

    prepare(url, count)
    ctx = mp.get_context("spawn")
    ready, go, done = ctx.Queue(), ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=worker, args=(url, batch, ready, go, done)) for _ in range(workers)]
    for p in procs:
        p.start()
    app = make_app(url)
    with app.app_context():
        for _ in procs:
            ready.get(timeout=120)  # every worker has imported everything and connected
        t0 = utcnow()
        db.session.execute(update(Timer).where(Timer.process == "bench_timer", Timer.state == "waiting")
                           .values(due_at=t0))
        db.session.commit()
        go.set()
        cpu = sum(done.get() for _ in procs)  # before join: a child exits once its queue is flushed
        for p in procs:
            p.join()
        rows = db.session.execute(select(Timer.fired_at, Timer.due_at).where(Timer.process == "bench_timer")).all()
        fired_events = db.session.execute(select(func.count()).select_from(Event)
                                          .where(Event.type == "timer.fired", Event.process == "bench_timer")).scalar()
        db.engine.dispose()
    lags = sorted((f - d).total_seconds() * 1000 for f, d in rows if f is not None)
    assert len(lags) == count, f"{len(lags)} of {count} timers fired"
    assert fired_events == count, f"{fired_events} timer.fired events for {count} timers"
    elapsed = max(f for f, _ in rows) - t0
    return {"timers": count, "workers": workers, "elapsed_s": elapsed.total_seconds(),
            "rate": count / elapsed.total_seconds(), "cpu_ms": cpu * 1000 / count, "p50": statistics.median(lags),
            "p99": lags[min(len(lags) - 1, int(len(lags) * 0.99))]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", help="SQLAlchemy URL (default: a fresh SQLite file)")
    parser.add_argument("--timers", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2, help="processes running fire_due_timers")
    parser.add_argument("--batch", type=int, default=100, help="timers claimed per lease")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database or f"sqlite:///{Path(tmp) / 'bench.db'}"
        raw = raw_engine_rate(3.0)
        result = run(url, args.timers, args.workers, args.batch)
        raw = (raw + raw_engine_rate(3.0)) / 2  # before and after: the load may change meanwhile
    kind = url.split(":", 1)[0].split("+", 1)[0]
    print(f"raw SpiffWorkflow timer firings/s (restore, fire, run, serialize; one core): {raw:.0f}"
          f" ({1000 / raw:.2f} ms each)")
    print(f"{'database':<11}{'timers':>8}{'workers':>9}{'seconds':>9}{'timers/s':>10}{'x raw':>7}{'lag p50':>10}"
          f"{'lag p99':>10}{'worker CPU ms/timer':>21}")
    print(f"{kind:<11}{result['timers']:>8}{result['workers']:>9}{result['elapsed_s']:>9.1f}{result['rate']:>10.0f}"
          f"{result['rate'] / raw:>7.2f}{result['p50'] / 1000:>9.1f}s{result['p99'] / 1000:>9.1f}s"
          f"{result['cpu_ms']:>21.2f}")


if __name__ == "__main__":
    main()
