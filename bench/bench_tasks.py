"""The task list under load: the user-task lifecycle over HTTP, and the list query with a big backlog.

    python bench/bench_tasks.py [--seconds 15] [--concurrency 8] [--tasks 100000]
                                [--list-database-url postgresql+psycopg://postgres@127.0.0.1:5432/DB]

1. Lifecycle: `bpmn-server serve --workers 2` on a free port with a SQLite file (or the database that
   bench/run.py gives); from a separate
   process (loadgen.py, asyncio), N keep-alive connections each loop start -> list (GET
   /api/tasks?instance=) -> claim -> complete as an operator. Beside it, the raw SpiffWorkflow rate for
   the same diagram in memory on one core (start, serialize, restore, complete), measured in the same
   run; the ratio is what to compare.
2. List: 100,000 open tasks inserted in bulk through the models (20 groups, some open to all, some
   claimed), then a server on that database, and the p50 of `GET /api/tasks` over HTTP (one keep-alive
   connection, one request at a time) for an operator in one group: first page, a deep page by cursor,
   a group filter, Group tasks (unclaimed only), an operator whose group is rare, and an admin; and the
   p50 of an operator's instance list (the instances they may read). The database given (default: a fresh
   SQLite file) is emptied first.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import random
import time
import uuid

from harness import (
    TOKEN,
    Figure,
    db_label,
    deploy,
    empty_app,
    figures_table,
    load,
    machine,
    note,
    p50_get,
    request,
    server,
    tmp_sqlite,
)

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


def bench_lifecycle(raw: float, seconds: float, concurrency: int, url: str | None = None) -> list[Figure]:
    """start -> list -> claim -> complete over HTTP (loadgen.py's `lifecycle` scenario), x the raw rate."""
    url = url or tmp_sqlite()
    with server(url, workers=2) as srv:
        deploy(srv.base, DIAGRAM.encode())
        status, user = request(srv.base, "POST", "/api/users", {"name": "clerk", "role": "operator",
                                                                 "groups": ["clerks"]})
        assert status == 201, user
        payload = {"token": user["token"], "process": PROCESS, "start": START_VARS, "done": DONE_VARS}
        load(srv.base, "lifecycle", payload, concurrency, seconds=2.0)  # warm-up: spec caches, connections
        r = load(srv.base, "lifecycle", payload, concurrency, seconds=seconds)
    note(f"  lifecycle, {db_label(url)}, {r['count']:,} in {r['elapsed_s']:.1f} s: p50 {r['p50_ms']:.0f} ms, "
         f"p99 {r['p99_ms']:.0f} ms, {r['errors']} failed; the client used {r['client_cpu_s']:.1f} s of CPU")
    where = f"{db_label(url)}, --workers 2, c={concurrency}"
    return [Figure(f"HTTP user-task lifecycles/s (4 requests), {where}", f"{r['rate']:,.1f}/s", ">= 0.15x raw",
                   f"{r['rate'] / raw:.3f}", r["rate"] / raw >= 0.15 and r["errors"] == 0)]


def raw_figure(raw: float) -> Figure:
    return Figure("raw SpiffWorkflow lifecycles/s (start, serialize, restore, complete)", f"{raw:,.0f}/s", "", "1.00")


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
                cands.append({"task_id": task_id, "instance_id": instances[n % len(instances)], "kind": "group",
                              "value": group})
            if assignee:  # who holds a task (services/visibility.py)
                cands.append({"task_id": task_id, "instance_id": instances[n % len(instances)], "kind": "holder",
                              "value": assignee})
        # Core inserts of the models' tables: executemany, without the ORM's per-row bookkeeping.
        conn = db.session.connection()
        conn.execute(insert(Task.__table__), tasks)
        conn.execute(insert(TaskCandidate.__table__), cands)
        db.session.commit()


def bench_list(database_url: str | None, total: int, runs: int) -> list[Figure]:
    """Fill `total` open tasks in process, then time GET /api/tasks over HTTP against a fresh server."""
    url = database_url or tmp_sqlite()
    app = empty_app(url)
    from bpmn_server.services import deployments, users
    from models import db

    with app.app_context():
        deployments.deploy([deployments.Upload("bench.bpmn", DIAGRAM.encode())], "bench")
        _, clerk = users.create_user("clerk7", "operator", ["g07"])
        _, rare = users.create_user("rare", "operator", ["g99"])
        t0 = time.perf_counter()
        _fill(total, groups=20)
        fill_s = time.perf_counter() - t0
        db.session.remove()
        if db.engine.dialect.name == "postgresql":
            # What autovacuum does after a bulk insert (this machine's PostgreSQL runs with autovacuum off): the
            # statistics, and the visibility map that lets an index-only scan skip the table's rows.
            with db.engine.connect() as conn:
                conn.execution_options(isolation_level="AUTOCOMMIT").execute(db.text("VACUUM ANALYZE"))
        db.engine.dispose()
    label = db_label(url)
    note(f"  task list, {label}: inserted {total:,} open tasks in {fill_s:.1f} s")
    results = []
    with server(url, workers=2) as srv:
        first = request(srv.base, "GET", "/api/tasks?limit=500", headers={"Authorization": f"Bearer {clerk}"})[1]
        queries = [("operator in g07 (~5% of tasks), first page", clerk, "limit=50"),
                   ("same operator, candidate_group=g07", clerk, "limit=50&candidate_group=g07"),
                   ("same operator, assignee=me (holds none)", clerk, "limit=50&assignee=me"),
                   ("same operator, Group tasks (unassigned=true)", clerk, "limit=50&unassigned=true"),
                   ("admin, Group tasks of g07 (unassigned=true&candidate_group=g07)", TOKEN,
                    "limit=50&unassigned=true&candidate_group=g07"),
                   ("operator whose group has no task (open-to-all only)", rare, "limit=50"),
                   ("admin, everything", TOKEN, "limit=50")]
        if first["next"]:  # a small --tasks may leave no page after the first 500
            queries.insert(1, ("same operator, page after 500 (cursor)", clerk, f"limit=50&after={first['next']}"))
        for what, token, query in queries:
            request(srv.base, "GET", f"/api/tasks?{query}", headers={"Authorization": f"Bearer {token}"})
            ms, body = p50_get(srv.base, f"/api/tasks?{query}", token, runs)
            results.append((ms, what))
            note(f"  GET /api/tasks, {label}, {total:,} open: {what}: p50 {ms:.1f} ms, {len(body['items'])} items")
        # The instance list of an operator: the instances they may read (services/visibility.py).
        seen = []
        for what, token in (("operator in g07", clerk), ("operator whose group has no task", rare)):
            ms, body = p50_get(srv.base, "/api/process-instances?limit=50", token, runs)
            seen.append(ms)
            note(f"  GET /api/process-instances, {label}, 1,000 instances: {what}: p50 {ms:.1f} ms, "
                 f"{len(body['items'])} items")
    worst, what = max(results)
    return [Figure(f"task list p50 over HTTP, {label}, {total:,} open tasks (worst of {len(results)} queries)",
                   f"{worst:.1f} ms", "<= 20 ms", "", worst <= 20),
            Figure(f"operator's instance list p50 over HTTP, {label}, {total:,} open tasks", f"{max(seen):.1f} ms")]


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

    logging.getLogger("spiff").setLevel(logging.WARNING)
    logging.getLogger("bpmn_server").setLevel(logging.WARNING)
    figures = []
    if not args.skip_http:
        raw = raw_engine_rate(min(args.seconds, 5.0))
        figures += [raw_figure(raw)] + bench_lifecycle(raw, args.seconds, args.concurrency)
    if not args.skip_list:
        figures += bench_list(args.list_database_url, args.tasks, args.runs)
    print(f"\nMachine: {machine(args.list_database_url)}\n")
    print(figures_table(figures))


if __name__ == "__main__":
    main()
