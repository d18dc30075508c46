"""A batch on many instances: how fast the clock's job works through it (instances per second), in one process or
two at once (which share the batch a chunk at a time).

    python bench/bench_batches.py [--database URL] [--instances 1000] [--action suspend|cancel] [--workers 1]
                                  [--chunk 25]

Without --database a fresh SQLite file is used; a PostgreSQL database is used as found (give it a scratch one).
The instances (a message catch: they wait) are started through the service layer, then one batch is created
for all of them, and `--workers` processes each run `run_batches()` (the clock's round) until none is left.
Rate: instances / wall time of the round. Each instance's action is the single-instance service function (a
step of the instance for cancel; a row update and an event for suspend).
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import tempfile
import time
from pathlib import Path
from typing import Any

DIAGRAM = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:message id="m" name="paid"/>
  <bpmn:process id="bench_batch" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:intermediateCatchEvent id="wait"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:messageEventDefinition messageRef="m"/></bpmn:intermediateCatchEvent>
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="wait"/>
    <bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>"""


def _app(url: str, chunk: int) -> Any:
    from bpmn_server import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SCHEDULER_ENABLED": False, "BATCH_CHUNK": chunk,
                       "BATCH_MAX_INSTANCES": 1_000_000})


def _worker(url: str, chunk: int, start: Any, out: Any) -> None:
    from bpmn_server.services import batch_runner

    app = _app(url, chunk)
    start.wait()
    with app.app_context():
        began = time.perf_counter()
        found = batch_runner.run_batches()
        out.put((found, time.perf_counter() - began))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database")
    parser.add_argument("--instances", type=int, default=1000)
    parser.add_argument("--action", default="suspend", choices=("suspend", "cancel"))
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--chunk", type=int, default=25)
    args = parser.parse_args()
    url = args.database or f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"

    from bpmn_server.services import batches, deployments, instances
    from models import User, db

    app = _app(url, args.chunk)
    with app.app_context():
        deployments.deploy([deployments.Upload("bench_batch.bpmn", DIAGRAM)], "bench")
        for n in range(args.instances):
            instances.start("bench_batch", "bench", business_key=f"B-{n}")
        user = db.session.execute(db.select(User).where(User.role == "admin")).scalars().first()
        batch = batches.create(user, args.action, criteria={"process": "bench_batch", "status": "running"},
                               reason="bench")
        print(f"batch {batch.id}: {args.action} on {batch.total} instances, chunk {args.chunk}, "
              f"{args.workers} worker(s), {db.engine.dialect.name}")
    ctx = mp.get_context("spawn")
    start, out = ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=_worker, args=(url, args.chunk, start, out)) for _ in range(args.workers)]
    for p in procs:
        p.start()
    time.sleep(3)  # let the workers import and connect before the clock starts
    began = time.perf_counter()
    start.set()
    results = [out.get() for _ in procs]
    wall = time.perf_counter() - began
    for p in procs:
        p.join()
    done = sum(r[0].get("ok", 0) for r in results)
    failed = sum(r[0].get("error", 0) for r in results)
    print(f"ok {done}, error {failed}, {wall:.1f} s: {done / wall:.0f} instances/s")


if __name__ == "__main__":
    main()
