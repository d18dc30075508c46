"""The dashboard's daily series, the heat map's figures and the history searches on a large history.

    python bench/bench_charts.py [--instances 20000] [--database URL] [--runs 15]

Instances of one process are inserted in bulk, completed over the last 90 days with cycle times of 1 to
48 hours, each with the history of its start (variables, business key), two user-task visits
(task.created, then activity.completed minutes to hours later) and its start event: six events per
instance, and a comment on every 50th. A tenth are still open, waiting at the first task. Then, in
process (no HTTP), the median time of: the three daily series over 7 and 90 days (services/series.py),
the heat map's statistics of the definition (services/heatmap.py), the instance list filtered by
activity, and the history searched by business key, a variable's value, a comment's text. Without
--database a fresh SQLite file is used; a PostgreSQL database given is emptied first.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import time
import uuid
from typing import Any

from harness import TOKEN, db_label, empty_app, machine, note, tmp_sqlite

DIAGRAM = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="http://t">
  <bpmn:process id="bench_claims" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:userTask id="assess"/>
    <bpmn:userTask id="pay"/>
    <bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="assess"/>
    <bpmn:sequenceFlow id="f2" sourceRef="assess" targetRef="pay"/>
    <bpmn:sequenceFlow id="f3" sourceRef="pay" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>"""


def _fill(app: Any, instances: int) -> str:
    from models import Event, Instance, Task, db

    client = app.test_client()
    r = client.post("/api/deployments", data=DIAGRAM, headers={"Authorization": f"Bearer {TOKEN}",
                                                                "Content-Type": "application/xml"})
    definition = r.get_json()["definitions"][0]
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    first = now - dt.timedelta(days=90)
    step = dt.timedelta(days=90) / instances
    with app.app_context():
        for low in range(0, instances, 2000):
            rows, events, tasks = [], [], []
            for n in range(low, min(low + 2000, instances)):
                started = first + step * n
                open_ = n % 10 == 0
                ended = None if open_ else started + dt.timedelta(hours=1 + n % 48)
                iid = str(uuid.uuid4())
                rows.append({"id": iid, "definition_id": definition["id"], "process": "bench_claims", "version": 1,
                             "status": "running" if open_ else "completed", "variables": {"amount": n},
                             "waiting": [], "business_key": f"B-{n}",
                             "state": "{}", "serializer_version": "bench", "revision": 1, "started_at": started,
                             "started_by": "bench", "ended_at": ended})
                at = started
                common = {"instance_id": iid, "process": "bench_claims", "version": 1, "actor": "bench", "data": {}}
                events.append({**common, "id": str(uuid.uuid4()), "type": "instance.started", "at": at,
                               "data": {"variables": {"amount": n}, "business_key": f"B-{n}"}})
                events.append({**common, "id": str(uuid.uuid4()), "type": "activity.completed", "at": at,
                               "activity": "start", "task_id": str(uuid.uuid4())})
                for activity, minutes in (("assess", 5 + n % 240), ("pay", 1 + n % 30)):
                    task = str(uuid.uuid4())
                    events.append({**common, "id": str(uuid.uuid4()), "type": "task.created", "at": at,
                                   "activity": activity, "task_id": task})
                    if open_:
                        tasks.append({"id": task, "instance_id": iid, "process": "bench_claims",
                                      "activity": activity, "name": activity, "status": "open", "created_at": at,
                                      "due_sort": dt.datetime(9999, 1, 1)})
                        break
                    at += dt.timedelta(minutes=minutes)
                    events.append({**common, "id": str(uuid.uuid4()), "type": "activity.completed", "at": at,
                                   "activity": activity, "task_id": task})
                    if n % 50 == 0:
                        events.append({**common, "id": str(uuid.uuid4()), "type": "comment.added", "at": at,
                                       "data": {"text": f"Checked receipts of claim {n}"}})
            db.session.execute(Instance.__table__.insert(), rows)
            events.sort(key=lambda e: e["at"])  # `at` grows along `seq` (PostgreSQL's trigger keeps it so)
            db.session.execute(Event.__table__.insert(), events)
            if tasks:
                db.session.execute(Task.__table__.insert(), tasks)
            db.session.commit()
        if db.engine.dialect.name == "postgresql":
            db.session.execute(db.text("ANALYZE"))  # what autovacuum does after a bulk load
            db.session.commit()
    return definition["id"]


def _median_ms(fn: Any, runs: int) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--instances", type=int, default=20000)
    ap.add_argument("--database", default=None)
    ap.add_argument("--runs", type=int, default=15)
    args = ap.parse_args(argv)
    url = args.database or tmp_sqlite()
    app = empty_app(url)
    t = time.perf_counter()
    definition_id = _fill(app, args.instances)
    took = time.perf_counter() - t
    note(f"{db_label(url)}: {args.instances} instances, about {args.instances * 6} events in {took:.1f} s "
         f"({machine()})")
    from bpmn_server.services import heatmap, history, instances, series
    from models import db

    with app.app_context():
        for name, fn in (("series, 7 days", lambda: series.daily(days=7)),
                         ("series, 90 days", lambda: series.daily(days=90)),
                         ("heat map statistics", lambda: heatmap.statistics(definition_id)),
                         ("instances at an activity, first page",
                          lambda: instances.list_instances(50, None, activity="assess")),
                         ("history by business key, first page",
                          lambda: history.list_events(50, None, business_key="B-777")),
                         ("history by a variable's value, first page",
                          lambda: history.list_events(50, None, variable="amount", value="777")),
                         ("history by text in comments, first page",
                          lambda: history.list_events(50, None, comment="receipts of claim 850"))):
            ms = _median_ms(fn, args.runs)
            db.session.rollback()
            note(f"  {name}: {ms:.1f} ms (median of {args.runs})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
