"""The task list under load: the user-task lifecycle over HTTP, and the list query with a big backlog.

    python bench/bench_tasks.py [--seconds 15] [--concurrency 8] [--tasks 100000]
                                [--list-database-url postgresql+psycopg://postgres@127.0.0.1:5432/DB]

1. Lifecycle: `bpmn-server serve --workers 2` on a free port with a SQLite file; from a separate
   process, N threads each loop start -> list (GET /api/tasks?instance=) -> claim -> complete as an
   operator. Beside it, the raw SpiffWorkflow rate for the same diagram in memory on one core
   (start, serialize, restore, complete), measured in the same run; the ratio is what to compare.
2. List: 100,000 open tasks inserted in bulk through the models (20 groups, some open to all, some
   claimed), then the p50 of `GET /api/tasks` for an operator in one group: first page, a deep page
   by cursor, a group filter, an operator whose group is rare, and an admin. In process (Flask test
   client), so the figure is query + serialization, not network. The database given (default: a
   fresh SQLite file) is emptied first.
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import random
import sys
import time
import uuid
from typing import Any

from harness import ROOT, SCENARIOS, load, percentile, request, server, table, tmp_sqlite

PROCESS = "bench_approval"
DIAGRAM = f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="bench_tasks" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="{PROCESS}" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="approve" name="Approve" camunda:candidateGroups="clerks">
      <bpmn:extensionElements><camunda:formData>
        <camunda:formField id="approved" label="Approve?" type="boolean">
          <camunda:validation><camunda:constraint name="required" /></camunda:validation>
        </camunda:formField>
        <camunda:formField id="comment" label="Comment" type="string">
          <camunda:validation><camunda:constraint name="maxlength" config="200" /></camunda:validation>
        </camunda:formField>
      </camunda:formData></bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="approve"/>
    <bpmn:sequenceFlow id="f2" sourceRef="approve" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>"""
START_VARS = {"amount": 120, "requester": "bench"}
DONE_VARS = {"approved": True, "comment": "fine"}


# 1. The lifecycle -------------------------------------------------------------------------------

def raw_engine_rate(seconds: float) -> float:
    """SpiffWorkflow alone, in memory: start, serialize, restore, complete (this file is a benchmark)."""
    from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
    from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
    from SpiffWorkflow.camunda.parser.CamundaParser import CamundaParser
    from SpiffWorkflow.camunda.serializer import DEFAULT_CONFIG
    from SpiffWorkflow.util.task import TaskState

    parser = CamundaParser()
    parser.add_bpmn_str(DIAGRAM.encode(), "bench.bpmn")
    spec = parser.get_spec(PROCESS)
    serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(DEFAULT_CONFIG))
    done, t0 = 0, time.perf_counter()
    deadline = t0 + seconds
    while time.perf_counter() < deadline:
        wf = BpmnWorkflow(spec)
        wf.task_tree.data.update(START_VARS)
        wf.do_engine_steps()
        wf = serializer.deserialize_json(serializer.serialize_json(wf))
        task = next(t for t in wf.get_tasks(state=TaskState.READY) if t.task_spec.manual)
        task.data.update(DONE_VARS)
        task.run()
        wf.do_engine_steps()
        assert wf.is_completed()
        done += 1
    return done / (time.perf_counter() - t0)


def _lifecycle(base: str, conn: Any, payload: dict[str, Any]) -> bool:
    """One user task from start to end, as an operator would drive it."""
    auth = {"Authorization": f"Bearer {payload['token']}"}
    status, inst = request(base, "POST", "/api/process-instances", {"process": PROCESS, "variables": START_VARS},
                           auth, conn)
    if status != 201:
        return False
    status, listed = request(base, "GET", f"/api/tasks?instance={inst['id']}", None, auth, conn)
    if status != 200 or len(listed["items"]) != 1:
        return False
    task_id = listed["items"][0]["id"]
    status, _ = request(base, "POST", f"/api/tasks/{task_id}/claim", None, auth, conn)
    if status != 200:
        return False
    status, done = request(base, "POST", f"/api/tasks/{task_id}/complete", {"variables": DONE_VARS}, auth, conn)
    return status == 200 and done["status"] == "completed"


SCENARIOS["task_lifecycle"] = _lifecycle  # the load process is forked: it sees this registration


def bench_lifecycle(seconds: float, concurrency: int) -> list[list[str]]:
    raw = raw_engine_rate(min(seconds, 5.0))
    rows = [["raw SpiffWorkflow in memory, 1 core (start, serialize, restore, complete)", f"{raw:,.0f}",
             "", "", "", "1.00"]]
    with server(tmp_sqlite(), workers=2) as base:
        status, _ = request(base, "POST", "/api/deployments", DIAGRAM.encode(), {"Content-Type": "application/xml"})
        assert status in (200, 201), status
        status, user = request(base, "POST", "/api/users", {"name": "clerk", "role": "operator",
                                                             "groups": ["clerks"]})
        assert status == 201, user
        payload = {"token": user["token"]}
        load(base, "task_lifecycle", payload, concurrency, 2.0)  # warm-up: spec caches, connections
        r = load(base, "task_lifecycle", payload, concurrency, seconds)
    rows.append([f"HTTP lifecycle (4 requests), SQLite, --workers 2, c={concurrency}", f"{r['rate']:,.1f}",
                 f"{r['p50_ms']:.1f}", f"{r['p99_ms']:.1f}", str(r["errors"]), f"{r['rate'] / raw:.3f}"])
    return rows


# 2. The list with a big backlog -----------------------------------------------------------------

def _fill(total: int, groups: int) -> None:
    """Insert `total` open tasks (and their candidate rows) in bulk, spread over 1,000 instances."""
    from sqlalchemy import insert, select

    from bpmn_server.services.assignment import FAR_FUTURE
    from models import Definition, Instance, Task, TaskCandidate, db

    definition_id = db.session.execute(select(Definition.id).where(Definition.key == PROCESS)).scalar_one()
    rng = random.Random(7)
    now = dt.datetime.now(dt.UTC)
    instances = [str(uuid.uuid4()) for _ in range(1000)]
    db.session.execute(insert(Instance), [
        {"id": i, "definition_id": definition_id, "process": PROCESS, "version": 1, "status": "running",
         "variables": {}, "waiting": [], "state": "{}", "serializer_version": "bench", "revision": 1,
         "started_at": now, "started_by": "bench"} for i in instances])
    batch = 10_000
    for offset in range(0, total, batch):
        tasks, cands = [], []
        for n in range(offset, min(offset + batch, total)):
            task_id = str(uuid.uuid4())
            due = now + dt.timedelta(hours=rng.randint(1, 2000)) if rng.random() < 0.6 else None
            kind = rng.random()
            open_to_all = kind < 0.02
            group = None if open_to_all else f"g{n % groups:02d}"
            assignee = f"user{rng.randint(0, 500)}" if 0.02 <= kind < 0.12 else None
            tasks.append({"id": task_id, "instance_id": instances[n % len(instances)], "process": PROCESS,
                          "activity": "approve", "name": "Approve", "status": "open", "assignee": assignee,
                          "candidate_groups": [group] if group else [], "candidate_users": [],
                          "open_to_all": open_to_all, "due_at": due, "due_sort": due or FAR_FUTURE,
                          "priority": 50, "form": None, "created_at": now - dt.timedelta(seconds=total - n)})
            if group:
                cands.append({"task_id": task_id, "kind": "group", "value": group})
        # Core inserts of the models' tables: executemany, without the ORM's per-row bookkeeping.
        conn = db.session.connection()
        conn.execute(insert(Task.__table__), tasks)
        conn.execute(insert(TaskCandidate.__table__), cands)
        db.session.commit()


def _p50(client: Any, token: str, query: dict[str, Any], runs: int) -> tuple[float, int]:
    headers = {"Authorization": f"Bearer {token}"}
    times, count = [], 0
    for _ in range(runs):
        t0 = time.perf_counter()
        r = client.get("/api/tasks", query_string=query, headers=headers)
        times.append(time.perf_counter() - t0)
        assert r.status_code == 200, r.get_json()
        count = len(r.get_json()["items"])
    return percentile(times, 50) * 1000, count


def bench_list(database_url: str | None, total: int, runs: int) -> list[list[str]]:
    sys.path.insert(0, str(ROOT))
    from sqlalchemy import create_engine

    from bpmn_server import create_app
    from bpmn_server.services import deployments, users
    from models import db

    url = database_url or tmp_sqlite()
    if not url.startswith("sqlite"):
        engine = create_engine(url)
        with engine.begin() as conn:
            db.metadata.drop_all(conn)
        engine.dispose()
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SCHEDULER_ENABLED": False, "ADMIN_TOKEN": "bench-admin",
                          "LOG_LEVEL": "WARNING"})
    with app.app_context():
        deployments.deploy([deployments.Upload("bench.bpmn", DIAGRAM.encode())], "bench")
        _, clerk = users.create_user("clerk7", "operator", ["g07"])
        _, rare = users.create_user("rare", "operator", ["g99"])
        t0 = time.perf_counter()
        _fill(total, groups=20)
        fill_s = time.perf_counter() - t0
        if db.engine.dialect.name == "postgresql":
            db.session.execute(db.text("ANALYZE"))
            db.session.commit()
    client = app.test_client()
    label = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    rows = []
    first, n = _p50(client, clerk, {"limit": 50}, runs)
    rows.append([f"{label}: operator in g07 (~5% of tasks), first page", f"{first:.1f}", n])
    page = client.get("/api/tasks", query_string={"limit": 500}, headers={"Authorization": f"Bearer {clerk}"})
    deep = page.get_json()["next"]
    ms, n = _p50(client, clerk, {"limit": 50, "after": deep}, runs)
    rows.append([f"{label}: same operator, page after 500 (cursor)", f"{ms:.1f}", n])
    ms, n = _p50(client, clerk, {"limit": 50, "candidate_group": "g07"}, runs)
    rows.append([f"{label}: same operator, candidate_group=g07", f"{ms:.1f}", n])
    ms, n = _p50(client, clerk, {"limit": 50, "assignee": "me"}, runs)
    rows.append([f"{label}: same operator, assignee=me (holds none)", f"{ms:.1f}", n])
    ms, n = _p50(client, rare, {"limit": 50}, max(5, runs // 4))
    rows.append([f"{label}: operator whose group has no task (open-to-all only)", f"{ms:.1f}", n])
    ms, n = _p50(client, "bench-admin", {"limit": 50}, runs)
    rows.append([f"{label}: admin, everything", f"{ms:.1f}", n])
    print(f"{label}: inserted {total:,} open tasks in {fill_s:.1f} s")
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=15.0)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--tasks", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--list-database-url", default=None, help="run the list benchmark here (it is emptied)")
    ap.add_argument("--skip-http", action="store_true")
    ap.add_argument("--skip-list", action="store_true")
    args = ap.parse_args()

    import logging

    logging.getLogger("spiff").setLevel(logging.WARNING)
    logging.getLogger("bpmn_server").setLevel(logging.WARNING)
    print(f"Machine: {platform.machine()}, {platform.python_implementation()} {platform.python_version()}")
    if not args.skip_http:
        rows = bench_lifecycle(args.seconds, args.concurrency)
        print()
        print(table(rows, ["user-task lifecycle", "per s", "p50 ms", "p99 ms", "failed", "x raw"]))
    if not args.skip_list:
        rows = bench_list(args.list_database_url, args.tasks, args.runs)
        print()
        print(table(rows, [f"GET /api/tasks with {args.tasks:,} open tasks", "p50 ms", "items"]))


if __name__ == "__main__":
    main()
