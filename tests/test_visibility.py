"""Who reads which instance: an operator the instances they started, were offered a task in (by name, by
group, open to all, or held, now or before), or may start by the process's candidate starters; analysts,
admins and auditors all of them. The same rule on /api, /engine-rest and the pages. Candidate starters
(`camunda:candidateStarterGroups` / `candidateStarterUsers`) are shown on definitions and enforced on start."""

from __future__ import annotations

import pytest

from tests.client import Api
from tests.test_camunda_deploy import Camunda
from tests.test_web import Pages

HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/'
        'MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d_{key}" targetNamespace="http://example.com">')


def one_task(key: str, task_attrs: str = "", process_attrs: str = "") -> str:
    """start -> user task -> end."""
    return (HEAD.format(key=key) + f'<bpmn:process id="{key}" isExecutable="true" {process_attrs}>'
            '<bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="work"/>'
            f'<bpmn:userTask id="work" name="Work" {task_attrs}/>'
            '<bpmn:sequenceFlow id="f2" sourceRef="work" targetRef="e"/><bpmn:endEvent id="e"/>'
            '</bpmn:process></bpmn:definitions>')


REVIEW = one_task("vis_review", 'camunda:candidateGroups="reviewers"')
OPEN = one_task("vis_open")
DIRECT = one_task("vis_direct", 'camunda:assignee="${who}"')
STARTERS = one_task("vis_starters", 'camunda:candidateGroups="back-office"',
                    'camunda:candidateStarterGroups="clerks, leads" camunda:candidateStarterUsers="sam"')


def ids(client: Api, **params: object) -> set[str]:
    r = client.get("/api/process-instances", query_string={"limit": 500, **params})
    assert r.status_code == 200, r.get_json()
    return {i["id"] for i in r.get_json()["items"]}


@pytest.fixture
def people(api: Api) -> dict[str, Api]:
    return {"oscar": api.as_user("oscar", "operator"), "rita": api.as_user("rita", "operator", ["reviewers"]),
            "ana": api.as_user("ana", "analyst"), "aude": api.as_user("aude", "auditor")}


def test_an_operator_reads_only_the_instances_they_started_or_were_offered_a_task_in(api, people):
    api.deploy(REVIEW, OPEN)
    oscar, rita = people["oscar"], people["rita"]
    theirs = api.start("vis_review", business_key="A")["id"]  # a task for the reviewers, not for oscar
    his = oscar.start("vis_review", business_key="B")["id"]
    everyone = api.start("vis_open")["id"]  # a task open to every operator
    assert ids(oscar) == {his, everyone}
    assert ids(rita) == {theirs, his, everyone}
    assert ids(oscar, business_key="A") == set() and ids(oscar, process="vis_review") == {his}
    for reader in ("ana", "aude"):
        assert ids(people[reader]) == {theirs, his, everyone}

    # A forbidden instance is unknown: 404, the same answer as for an id that does not exist.
    r = oscar.get(f"/api/process-instances/{theirs}")
    assert r.status_code == 404 and r.mimetype == "application/problem+json"
    assert r.get_json()["detail"] == oscar.get("/api/process-instances/nope").get_json()["detail"].replace(
        "nope", theirs)
    assert oscar.get(f"/api/process-instances/{his}").status_code == 200
    assert rita.get(f"/api/process-instances/{theirs}").status_code == 200
    # Its task is unknown to him too (a task of an instance he reads but is not offered: 403).
    task = api.instance(theirs)["tasks"][0]["id"]
    assert oscar.get(f"/api/tasks/{task}").status_code == 404
    assert oscar.post(f"/api/tasks/{task}/claim").status_code == 404
    assert oscar.post(f"/api/tasks/{task}/complete", {"variables": {}}).status_code == 404
    assert oscar.get(f"/api/tasks/{api.instance(his)['tasks'][0]['id']}").status_code == 403
    # History is for analysts and auditors only; they read every instance's.
    assert oscar.get(f"/api/process-instances/{his}/history").status_code == 403
    assert people["aude"].get(f"/api/process-instances/{theirs}/history").status_code == 200

    # Camunda's REST layer: the same rule.
    camunda = Camunda(api, "oscar", oscar.token)
    for path in (f"/process-instance/{theirs}", f"/process-instance/{theirs}/variables",
                 f"/process-instance/{theirs}/variables/x"):
        r = camunda.get(path)
        assert r.status_code == 404, (path, r.get_json())
    assert camunda.get(f"/process-instance/{his}").get_json()["id"] == his
    assert {t["processInstanceId"] for t in camunda.get("/task").get_json()} == {everyone}

    # The pages: the instance list and the instance page (with its diagram).
    pages = Pages(api.app, oscar.token)
    listed = pages.text("/ui/instances")
    assert his in listed and everyone in listed and theirs not in listed
    assert pages.get(f"/ui/instances/{theirs}").status_code == 404
    assert "diagram" in pages.text(f"/ui/instances/{his}")
    assert theirs in Pages(api.app, rita.token).text("/ui/instances")


def test_who_held_a_task_keeps_reading_its_instance(api, people):
    api.deploy(REVIEW, DIRECT)
    oscar, rita, ana = people["oscar"], people["rita"], people["ana"]
    inst = api.start("vis_review")["id"]
    task = api.instance(inst)["tasks"][0]["id"]
    assert inst not in ids(oscar)
    # An analyst reroutes the task to oscar (no reviewer): he reads the instance and works the task ...
    assert ana.post(f"/api/tasks/{task}/assign", {"user": "oscar"}).status_code == 200
    assert inst in ids(oscar) and oscar.get(f"/api/process-instances/{inst}").status_code == 200
    # ... and still does once it went to someone else, and after it was completed.
    assert ana.post(f"/api/tasks/{task}/assign", {"user": "rita"}).status_code == 200
    assert inst in ids(oscar)
    rita.complete(task)
    assert oscar.get(f"/api/process-instances/{inst}").status_code == 200
    # An assignee named by the diagram holds the task from its start.
    direct = api.start("vis_direct", {"who": "oscar"})["id"]
    assert direct in ids(oscar) and direct not in ids(rita)
    # Bulk rerouting counts as well.
    other = api.start("vis_direct", {"who": "rita"})["id"]
    assert ana.post("/api/tasks/reassign", {"from": "rita", "to": "oscar"}).status_code == 200
    assert other in ids(oscar)


def test_candidate_starters_are_shown_enforced_and_widen_what_operators_read(api, people):
    api.deploy(STARTERS, REVIEW)
    clara = api.as_user("clara", "operator", ["clerks"])
    sam = api.as_user("sam", "operator")
    lena = api.as_user("lena", "operator", ["leads"])
    oscar = people["oscar"]
    found = api.get("/api/process-definitions", query_string={"key": "vis_starters"}).get_json()["items"][0]
    assert found["candidate_starter_groups"] == ["clerks", "leads"] and found["candidate_starter_users"] == ["sam"]
    assert api.get(f"/api/process-definitions/{found['id']}").get_json()["candidate_starter_users"] == ["sam"]

    # Only the starters (and admins, analysts) may start it; a process without starters keeps the role rule.
    r = oscar.post("/api/process-instances", {"process": "vis_starters"})
    assert r.status_code == 403 and r.mimetype == "application/problem+json"
    assert "candidate starters" in r.get_json()["detail"]
    assert oscar.get("/api/process-instances").get_json()["items"] == []  # nothing was started
    by_clara = clara.start("vis_starters")["id"]
    by_sam = sam.start("vis_starters")["id"]
    by_ana = people["ana"].start("vis_starters")["id"]
    assert people["aude"].post("/api/process-instances", {"process": "vis_starters"}).status_code == 403
    assert oscar.start("vis_review")["status"] == "running"
    camunda = Camunda(api, "oscar", oscar.token)
    r = camunda.post("/process-definition/key/vis_starters/start", {})
    assert r.status_code == 403, r.get_json()
    assert camunda.post(f"/process-definition/{found['id']}/start", {}).status_code == 403
    assert Pages(api.app, oscar.token).post("/ui/processes/vis_starters/start", {}).status_code == 403
    assert Pages(api.app, sam.token).post("/ui/processes/vis_starters/start", {}).status_code == 303
    # The process page says who may start it, and offers the start form to them only.
    page = Pages(api.app, oscar.token).text("/ui/processes/vis_starters")
    assert "Started by the groups clerks, leads and the users sam" in page and "Start an instance" not in page
    assert "Start an instance" in Pages(api.app, sam.token).text("/ui/processes/vis_starters")
    assert "Start an instance" in Pages(api.app, oscar.token).text("/ui/processes/vis_review")

    # A starter reads every instance of the process; others only their own.
    started = {by_clara, by_sam, by_ana}
    assert started <= ids(lena) and ids(clara) >= started
    assert not started & ids(oscar)
    assert lena.get(f"/api/process-instances/{by_ana}").status_code == 200
    assert oscar.get(f"/api/process-instances/{by_ana}").status_code == 404

    # Camunda's startableBy: the definitions that user may start.
    def startable(name: str) -> set[str]:
        r = Camunda(api).get("/process-definition", startableBy=name)
        assert r.status_code == 200, r.get_json()
        return {d["key"] for d in r.get_json()}

    assert startable("oscar") == {"vis_review"}
    assert startable("clara") == startable("sam") == startable("ana") == {"vis_review", "vis_starters"}
    assert startable("aude") == set() and startable("nobody") == set()


def test_an_expression_in_candidate_starters_is_refused_naming_the_process(api):
    xml = one_task("vis_expr", process_attrs='camunda:candidateStarterGroups="${group}" '
                                             'camunda:candidateStarterUsers="#{who}"')
    r = api.client.post("/api/deployments", data=xml, headers={"Authorization": f"Bearer {api.token}",
                                                                "Content-Type": "application/xml"})
    assert r.status_code == 422, r.get_json()
    errors = r.get_json()["errors"]
    assert [e["element"] for e in errors] == ["vis_expr", "vis_expr"]
    assert "candidateStarterGroups" in errors[0]["message"] and "candidateStarterUsers" in errors[1]["message"]
    assert api.get("/api/process-definitions").get_json()["items"] == []


@pytest.fixture
def claimed(api: Api) -> tuple[Api, Api, set[str]]:
    """70 group tasks of the reviewers, the 54 oldest (first in the list's order) claimed by bob:
    (bob, rita, the ids of the 16 unclaimed)."""
    api.deploy(REVIEW)
    bob = api.as_user("bob", "operator", ["reviewers"])
    rita = api.as_user("rita", "operator", ["reviewers"])
    for n in range(70):
        api.start("vis_review", business_key=f"R-{n:02d}")
    everything = api.tasks(limit=500)
    assert len(everything) == 70
    for task in everything[:54]:
        assert bob.post(f"/api/tasks/{task['id']}/claim").status_code == 200
    return bob, rita, {t["id"] for t in everything[54:]}


def test_the_task_list_filters_unclaimed_tasks_in_the_query(api, claimed):
    """`unassigned=true` filters in the query: a page is full while more match, and the cursor ends."""
    bob, rita, unclaimed = claimed
    for client, params in ((api, {"candidate_group": "reviewers"}), (api, {}), (bob, {}), (rita, {})):
        r = client.get("/api/tasks", query_string={"unassigned": "true", "limit": 50, **params})
        assert r.status_code == 200, r.get_json()
        body = r.get_json()
        assert {t["id"] for t in body["items"]} == unclaimed and body["next"] is None, (client.name, params)
    r = api.get("/api/tasks", query_string={"unassigned": "true", "limit": 10}).get_json()
    rest = api.get("/api/tasks", query_string={"unassigned": "true", "limit": 10, "after": r["next"]}).get_json()
    assert len(r["items"]) == 10 and len(rest["items"]) == 6 and rest["next"] is None
    assert {t["id"] for t in r["items"] + rest["items"]} == unclaimed
    first = api.get("/api/tasks", query_string={"unassigned": "false", "limit": 50}).get_json()
    second = api.get("/api/tasks", query_string={"unassigned": "false", "limit": 50,
                                                 "after": first["next"]}).get_json()
    assert len(first["items"]) == 50 and len(second["items"]) == 4 and second["next"] is None
    assert {t["assignee"] for t in first["items"] + second["items"]} == {"bob"}


def test_group_tasks_page_holds_the_unclaimed_tasks_when_most_are_claimed(api, claimed):
    """'Group tasks' lists the 16 unclaimed on one page, not "No open tasks." above a 'Next page' link
    (claimed rows used to be dropped after the 50-row page was read)."""
    bob, rita, unclaimed = claimed
    for client in (bob, api, rita):
        page = Pages(api.app, client.token).text("/ui/tasks?view=group")
        shown = {t for t in unclaimed if t in page}
        assert shown == unclaimed, (client.name, len(shown))
        assert "No open tasks" not in page and "Next page" not in page
    mine = Pages(api.app, bob.token).text("/ui/tasks?view=mine")
    assert "Next page" in mine  # he holds 54: a second page


def test_the_migration_fills_in_starters_and_holders_of_existing_data(api, people):
    """Data written before the visibility revision: starters read from the stored XML, holders from the
    task rows and the claim and assignment events."""
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import select, update

    from bpmn_server import db as dbmod
    from models import Definition, db

    api.deploy(STARTERS, REVIEW)
    inst = api.start("vis_review")["id"]
    task = api.instance(inst)["tasks"][0]["id"]
    for to in ("oscar", "rita"):  # oscar held it before
        assert people["ana"].post(f"/api/tasks/{task}/assign", {"user": to}).status_code == 200

    def alembic(conn: object) -> Config:
        cfg = Config()
        cfg.set_main_option("script_location", str(dbmod.MIGRATIONS))
        cfg.attributes["connection"] = conn
        return cfg

    with api.app.app_context():
        with db.engine.begin() as conn:
            command.downgrade(alembic(conn), "319420a26461")
            for def_id, meta in conn.execute(select(Definition.id, Definition.meta)).all():
                conn.execute(update(Definition).where(Definition.id == def_id)
                             .values(meta={k: v for k, v in meta.items() if k != "starters"}))
        dbmod.upgrade()
        db.session.remove()
    assert inst in ids(people["oscar"]) and inst in ids(people["rita"])
    found = api.get("/api/process-definitions", query_string={"key": "vis_starters"}).get_json()["items"][0]
    assert (found["candidate_starter_groups"], found["candidate_starter_users"]) == (["clerks", "leads"], ["sam"])
    assert Camunda(api).get("/process-definition", startableBy="oscar").get_json()[0]["key"] == "vis_review"
