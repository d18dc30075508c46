"""The task list: candidates, who sees and works which task, claims, rerouting, history."""

from __future__ import annotations

import datetime as dt

import pytest

VARS = {"starter": "alice", "dept": "sales", "reviewer": "bob", "deadline": "2030-01-01", "prio": 7}


@pytest.fixture
def people(api):
    """Operators in different groups, and one user of each other role."""
    return {
        "alice": api.as_user("alice", "operator", ["sales"]),
        "bob": api.as_user("bob", "operator", ["finance"]),
        "carol": api.as_user("carol", "operator"),
        "dave": api.as_user("dave", "operator", ["support"]),
        "eve": api.as_user("eve", "operator", ["hr"]),
        "ann": api.as_user("ann", "analyst"),
        "otto": api.as_user("otto", "auditor"),
    }


def by_activity(tasks):
    return {t["activity"]: t for t in tasks}


def parse(ts):
    return dt.datetime.fromisoformat(ts.replace("Z", "+00:00"))


def test_candidates_from_attributes_with_expressions_and_lists(api):
    api.deploy("task_candidates.bpmn")
    before = dt.datetime.now(dt.UTC)
    inst = api.start("task_candidates", VARS)
    tasks = by_activity(inst["tasks"])
    assert set(tasks) == {"t_assignee", "t_groups", "t_users", "t_open", "t_literal"}
    assert tasks["t_assignee"]["assignee"] == "alice"
    assert tasks["t_assignee"]["candidate_groups"] == [] and tasks["t_assignee"]["candidate_users"] == []
    assert tasks["t_groups"]["candidate_groups"] == ["finance", "sales"]  # "${dept}, finance"
    assert tasks["t_users"]["candidate_users"] == ["bob", "carol"]  # "${reviewer},carol"
    assert tasks["t_literal"]["candidate_groups"] == ["sales", "support"]  # spaces and duplicates dropped
    assert tasks["t_open"]["candidate_groups"] == [] and tasks["t_open"]["assignee"] is None
    # camunda:dueDate and camunda:priority: a duration from now, an expression, a literal date-time.
    due = parse(tasks["t_groups"]["due_at"])
    assert before + dt.timedelta(days=2) <= due <= dt.datetime.now(dt.UTC) + dt.timedelta(days=2)
    assert tasks["t_groups"]["priority"] == 80
    assert tasks["t_open"]["due_at"] == "2030-01-01T00:00:00Z" and tasks["t_open"]["priority"] == 7
    assert tasks["t_literal"]["due_at"] == "2030-01-15T09:30:00Z" and tasks["t_literal"]["priority"] == 50
    assert tasks["t_users"]["due_at"] is None
    for t in tasks.values():
        assert t["status"] == "open" and t["instance_id"] == inst["id"] and t["process"] == "task_candidates"
        assert t["completed_at"] is None and t["completed_by"] is None and t["form"] is None

    # An expression that yields a list is a list of names; a value from data is never evaluated.
    other = api.start("task_candidates", {**VARS, "dept": ["hr", "legal"], "reviewer": "${starter}"})
    tasks = by_activity(other["tasks"])
    assert tasks["t_groups"]["candidate_groups"] == ["finance", "hr", "legal"]
    assert tasks["t_users"]["candidate_users"] == ["${starter}", "carol"]


def test_missing_variable_in_an_assignment_expression_is_an_incident(api):
    api.deploy("task_candidates.bpmn")
    inst = api.start("task_candidates", {k: v for k, v in VARS.items() if k != "dept"})
    assert inst["status"] == "failed"
    assert inst["incidents"][0]["activity"] == "t_groups"
    assert "candidateGroups" in inst["incidents"][0]["message"]


def test_each_operator_sees_and_works_only_their_tasks(api, people):
    api.deploy("task_candidates.bpmn")
    inst = api.start("task_candidates", VARS)
    tasks = by_activity(inst["tasks"])
    visible = {name: {t["activity"] for t in people[name].tasks()} for name in ("alice", "bob", "carol", "dave", "eve")}
    assert visible == {
        "alice": {"t_assignee", "t_groups", "t_open", "t_literal"},
        "bob": {"t_groups", "t_users", "t_open"},
        "carol": {"t_users", "t_open"},
        "dave": {"t_open", "t_literal"},
        "eve": {"t_open"},  # a task without candidates is open to every operator
    }
    for reader in ("ann", "otto"):
        assert len(people[reader].tasks()) == 5
        assert people[reader].get(f"/api/tasks/{tasks['t_users']['id']}").status_code == 200
    eve = people["eve"]
    for activity in ("t_groups", "t_users", "t_assignee", "t_literal"):
        task_id = tasks[activity]["id"]
        assert eve.get(f"/api/tasks/{task_id}").status_code == 403
        assert eve.post(f"/api/tasks/{task_id}/claim").status_code == 403
        r = eve.post(f"/api/tasks/{task_id}/complete", {"variables": {}})
        assert r.status_code == 403
        assert r.headers["Content-Type"] == "application/problem+json"
    # Readers read, but may not work tasks.
    for reader in ("ann", "otto"):
        assert people[reader].post(f"/api/tasks/{tasks['t_open']['id']}/claim").status_code == 403
        assert people[reader].post(f"/api/tasks/{tasks['t_open']['id']}/complete").status_code == 403
    # Anyone may work the open task: eve, outside every group, completes it.
    done = eve.complete(tasks["t_open"]["id"], {"note": "done"})
    assert done["id"] == inst["id"] and done["status"] == "running"
    assert "t_open" not in {t["activity"] for t in done["tasks"]}
    assert [t["activity"] for t in eve.tasks(status="completed")] == ["t_open"]  # what she did
    assert people["dave"].tasks(status="completed")[0]["completed_by"] == "eve"  # it was open to him too
    assert api.get("/api/tasks/nope").status_code == 404


def test_lanes_name_groups_and_a_parallel_gateway_offers_tasks_to_two_groups(api):
    api.deploy("task_lanes.bpmn")
    lead = api.as_user("lena", "operator", ["team-lead"])
    fin = api.as_user("finn", "operator", ["finance-dept"])
    ctl = api.as_user("cleo", "operator", ["controllers", "finance"])
    inst = api.start("task_lanes")
    tasks = by_activity(inst["tasks"])
    assert tasks["lead_check"]["candidate_groups"] == ["team-lead"]  # lane "Team Lead"
    assert tasks["fin_check"]["candidate_groups"] == ["finance-dept"]  # lane "Finance Dept"
    assert tasks["fin_override"]["candidate_groups"] == ["controllers"]  # the attribute wins over the lane
    assert [t["activity"] for t in lead.tasks()] == ["lead_check"]
    assert [t["activity"] for t in fin.tasks()] == ["fin_check"]
    assert [t["activity"] for t in ctl.tasks()] == ["fin_override"]
    assert fin.post(f"/api/tasks/{tasks['lead_check']['id']}/complete").status_code == 403
    assert lead.complete(tasks["lead_check"]["id"])["status"] == "running"
    assert fin.complete(tasks["fin_check"]["id"])["status"] == "running"
    assert ctl.complete(tasks["fin_override"]["id"])["status"] == "completed"


def test_claim_unclaim_and_the_assignee_alone_completes(api, people):
    api.deploy("task_candidates.bpmn")
    tasks = by_activity(api.start("task_candidates", VARS)["tasks"])
    alice, bob = people["alice"], people["bob"]
    task_id = tasks["t_groups"]["id"]  # sales (alice) and finance (bob)
    r = alice.post(f"/api/tasks/{task_id}/claim")
    assert r.status_code == 200 and r.get_json()["assignee"] == "alice" and r.get_json()["claimed_at"]
    assert alice.post(f"/api/tasks/{task_id}/claim").status_code == 200  # claiming your own task again
    r = bob.post(f"/api/tasks/{task_id}/claim")
    assert r.status_code == 409 and "alice" in r.get_json()["detail"]
    assert bob.post(f"/api/tasks/{task_id}/complete").status_code == 409
    assert bob.post(f"/api/tasks/{task_id}/unclaim").status_code == 409
    assert task_id not in {t["id"] for t in bob.tasks()}  # no longer his to act on...
    assert bob.get(f"/api/tasks/{task_id}").get_json()["assignee"] == "alice"  # ...but he may look
    assert {t["id"] for t in alice.tasks(assignee="me")} == {tasks["t_assignee"]["id"], task_id}
    r = alice.post(f"/api/tasks/{task_id}/unclaim")
    assert r.status_code == 200 and r.get_json()["assignee"] is None
    assert bob.post(f"/api/tasks/{task_id}/claim").status_code == 200
    assert alice.post(f"/api/tasks/{task_id}/complete").status_code == 409
    assert bob.complete(task_id, {"checked": True})["status"] == "running"
    assert bob.post(f"/api/tasks/{task_id}/complete").status_code == 409  # not open any more
    assert bob.post(f"/api/tasks/{task_id}/claim").status_code == 409
    done = api.get(f"/api/tasks/{task_id}").get_json()
    assert done["status"] == "completed" and done["completed_by"] == "bob" and done["completed_at"]
    # A task given by camunda:assignee alone has no candidates: given back, it is offered to every operator.
    r = alice.post(f"/api/tasks/{tasks['t_assignee']['id']}/unclaim")
    assert r.status_code == 200 and r.get_json()["assignee"] is None
    # An admin may complete a task someone else holds.
    users_task = tasks["t_users"]["id"]
    assert people["carol"].post(f"/api/tasks/{users_task}/claim").status_code == 200
    assert api.complete(users_task)["status"] == "running"
    assert api.get(f"/api/tasks/{users_task}").get_json()["completed_by"] == "admin"


def test_assign_by_admin_or_analyst_and_bulk_reassign(api, people):
    api.deploy("task_candidates.bpmn")
    first = by_activity(api.start("task_candidates", VARS)["tasks"])
    second = by_activity(api.start("task_candidates", VARS)["tasks"])
    task_id = first["t_groups"]["id"]
    for role in ("alice", "otto"):
        assert people[role].post(f"/api/tasks/{task_id}/assign", {"user": "bob"}).status_code == 403
        assert people[role].post("/api/tasks/reassign", {"from": "alice", "to": "bob"}).status_code == 403
    r = people["ann"].post(f"/api/tasks/{task_id}/assign", {"user": "dave"})
    assert r.status_code == 200 and r.get_json()["assignee"] == "dave"
    assert people["dave"].complete(task_id)["status"] == "running"  # the assignee works it, group or not
    assert people["ann"].post(f"/api/tasks/{task_id}/assign", {"user": "bob"}).status_code == 409
    r = api.post(f"/api/tasks/{second['t_groups']['id']}/assign", {"user": "nobody"})
    assert r.status_code == 422 and r.get_json()["errors"][0]["field"] == "user"
    assert api.post(f"/api/tasks/{second['t_groups']['id']}/assign", {"user": "otto"}).status_code == 422
    assert api.post("/api/tasks/nope/assign", {"user": "bob"}).status_code == 404
    assert api.post(f"/api/tasks/{second['t_groups']['id']}/assign", {}).status_code == 400
    # `null` gives a task back to its candidates (a task without any: see the end).
    r = api.post(f"/api/tasks/{first['t_users']['id']}/assign", {"user": "bob"})
    assert r.status_code == 200
    r = api.post(f"/api/tasks/{first['t_users']['id']}/assign", {"user": None})
    assert r.status_code == 200 and r.get_json()["assignee"] is None

    # alice leaves sales: her three open tasks go to carol in one call.
    people["alice"].post(f"/api/tasks/{second['t_groups']['id']}/claim")
    held = {first["t_assignee"]["id"], second["t_assignee"]["id"], second["t_groups"]["id"]}
    assert {t["id"] for t in people["alice"].tasks(assignee="me")} == held
    r = people["ann"].post("/api/tasks/reassign", {"from": "alice", "to": "carol"})
    assert r.status_code == 200 and r.get_json() == {"reassigned": 3}
    assert people["alice"].tasks(assignee="me") == []
    assert {t["id"] for t in people["carol"].tasks(assignee="me")} == held
    assert {t["id"] for t in api.tasks(assignee="carol")} == held
    assert people["ann"].post("/api/tasks/reassign", {"from": "alice", "to": "carol"}).get_json() == {"reassigned": 0}
    assert api.post("/api/tasks/reassign", {"from": "carol", "to": "ghost"}).status_code == 422
    events = [e for e in api.get("/api/history/events", query_string={"type": "task.assigned", "limit": 50})
              .get_json()["items"]]
    assert [(e["actor"], e["data"]["from"], e["data"]["to"]) for e in events][:3] == [
        ("ann", None, "dave"), ("admin", None, "bob"), ("admin", "bob", None)]
    assert sorted(e["task_id"] for e in events[3:]) == sorted(held)
    # A task with no candidates (camunda:assignee alone) given back with `null` is offered to every operator.
    r = api.post(f"/api/tasks/{first['t_assignee']['id']}/assign", {"user": None})
    assert r.status_code == 200 and r.get_json()["assignee"] is None
    assert first["t_assignee"]["id"] in {t["id"] for t in people["dave"].tasks()}
    assert all(e["actor"] == "ann" and e["data"]["to"] == "carol" for e in events[3:])


def test_list_order_filters_and_cursor_pagination(api, people):
    api.deploy("task_candidates.bpmn", "task_lanes.bpmn")
    deadlines = ["2031-01-01", "2030-06-01", None, "2029-03-01"]
    insts = [api.start("task_candidates", {**VARS, "deadline": d}) for d in deadlines]
    lanes = api.start("task_lanes")
    everything = api.tasks(limit=500)
    assert len(everything) == 4 * 5 + 3

    def key(t):
        return (t["due_at"] or "9999", t["created_at"], t["id"])

    assert [t["id"] for t in everything] == [t["id"] for t in sorted(everything, key=key)]
    assert everything[0]["activity"] == "t_groups"  # due in two days: the oldest due date
    assert [t["due_at"] for t in everything if t["activity"] == "t_open"] == [
        "2029-03-01T00:00:00Z", "2030-06-01T00:00:00Z", "2031-01-01T00:00:00Z", None]
    undated = [t for t in everything if t["due_at"] is None]
    assert everything[-len(undated):] == undated  # no due date: last, oldest created first
    assert [t["created_at"] for t in undated] == sorted(t["created_at"] for t in undated)

    pages, after = [], None
    while True:
        r = api.get("/api/tasks", query_string={"limit": 4, **({"after": after} if after else {})})
        assert r.status_code == 200
        pages.append(r.get_json()["items"])
        after = r.get_json()["next"]
        if after is None:
            break
    assert len(pages) == 6 and [t["id"] for p in pages for t in p] == [t["id"] for t in everything]
    assert api.get("/api/tasks", query_string={"after": "garbage"}).status_code == 400
    assert api.get("/api/tasks", query_string={"limit": 501}).status_code == 400

    assert {t["activity"] for t in api.tasks(instance=insts[1]["id"])} == {
        "t_assignee", "t_groups", "t_users", "t_open", "t_literal"}
    assert {t["instance_id"] for t in api.tasks(process="task_lanes")} == {lanes["id"]}
    assert {t["activity"] for t in api.tasks(candidate_group="sales")} == {"t_groups", "t_literal"}
    assert {t["activity"] for t in api.tasks(candidate_group="team-lead")} == {"lead_check"}
    assert len(api.tasks(assignee="alice")) == 4 and len(people["alice"].tasks(assignee="me")) == 4
    assert api.tasks(assignee="me") == []
    due_soon = api.tasks(due_before="2030-01-01T00:00:00Z")
    assert {t["activity"] for t in due_soon} == {"t_groups", "t_open"} and len(due_soon) == 5
    # An operator's filters narrow what they may act on, never widen it.
    assert people["eve"].tasks(candidate_group="sales") == []
    assert {t["activity"] for t in people["dave"].tasks(process="task_candidates")} == {"t_open", "t_literal"}

    done_id = insts[0]["tasks"][0]["id"]
    api.complete(done_id)
    assert [t["id"] for t in api.tasks(status="completed")] == [done_id]
    assert done_id not in {t["id"] for t in api.tasks()}
    assert api.get("/api/tasks", query_string={"status": "bogus"}).status_code == 422


def test_history_records_every_task_event_with_its_actor(api, people):
    api.deploy("task_candidates.bpmn")
    inst = people["alice"].start("task_candidates", VARS)
    tasks = by_activity(inst["tasks"])
    task_id = tasks["t_groups"]["id"]
    people["bob"].post(f"/api/tasks/{task_id}/claim")
    people["bob"].post(f"/api/tasks/{task_id}/unclaim")
    people["ann"].post(f"/api/tasks/{task_id}/assign", {"user": "alice"})
    people["alice"].complete(task_id, {"verdict": "fine", "amount": 12})
    api.post(f"/api/process-instances/{inst['id']}/cancel", {"reason": "test over"})
    events = [e for e in api.history(inst["id"]) if e["task_id"] == task_id and e["type"].startswith("task.")]
    assert [(e["type"], e["actor"]) for e in events] == [
        ("task.created", "alice"), ("task.claimed", "bob"), ("task.unclaimed", "bob"),
        ("task.assigned", "ann"), ("task.completed", "alice")]
    assert events[0]["data"]["candidate_groups"] == ["finance", "sales"]
    assert events[3]["data"] == {"from": None, "to": "alice"}
    assert events[4]["data"] == {"variables": {"verdict": "fine", "amount": 12}}
    assert all(e["activity"] == "t_groups" and e["process"] == "task_candidates" for e in events)
    cancelled = [e for e in api.history(inst["id"]) if e["type"] == "task.cancelled"]
    assert {e["task_id"] for e in cancelled} == {tasks[a]["id"] for a in ("t_assignee", "t_users", "t_open",
                                                                            "t_literal")}
    assert {e["actor"] for e in cancelled} == {"admin"}
    for activity in ("t_open", "t_users"):
        task = api.get(f"/api/tasks/{tasks[activity]['id']}").get_json()
        assert task["status"] == "cancelled" and task["completed_by"] is None
    assert people["alice"].post(f"/api/tasks/{tasks['t_open']['id']}/complete").status_code == 409
    assert api.tasks(instance=inst["id"]) == []
    assert len(api.tasks(instance=inst["id"], status="cancelled")) == 4


def test_a_suspended_instance_accepts_no_completion(api, people):
    api.deploy("task_candidates.bpmn")
    inst = api.start("task_candidates", VARS)
    task_id = by_activity(inst["tasks"])["t_open"]["id"]
    assert api.post(f"/api/process-instances/{inst['id']}/suspend").status_code == 200
    assert people["eve"].post(f"/api/tasks/{task_id}/complete").status_code == 409
    assert api.post(f"/api/process-instances/{inst['id']}/resume").status_code == 200
    assert people["eve"].complete(task_id)["status"] == "running"
