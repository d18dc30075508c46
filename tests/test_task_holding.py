"""Who holds a task: a suspended instance's tasks cannot change hands, and an assigned task can be given back
(Camunda's unclaim), through the API, the Camunda layer and the task page."""

from __future__ import annotations

import base64
import html
import re

from tests.test_tasks import VARS, by_activity
from tests.test_web import Pages


def _start(api):
    api.deploy("task_candidates.bpmn")
    inst = api.start("task_candidates", VARS)
    return inst, by_activity(inst["tasks"])


def test_the_tasks_of_a_suspended_instance_cannot_be_claimed_given_back_or_assigned(app, api):
    inst, tasks = _start(api)
    alice = api.as_user("alice", "operator", ["sales"])
    held, free = tasks["t_assignee"]["id"], tasks["t_groups"]["id"]
    assert api.post(f"/api/process-instances/{inst['id']}/suspend").status_code == 200
    for who, url, body in ((alice, f"/api/tasks/{free}/claim", None), (alice, f"/api/tasks/{held}/unclaim", None),
                           (api, f"/api/tasks/{free}/assign", {"user": "alice"}),
                           (api, f"/api/tasks/{held}/assign", {"user": None})):
        r = who.post(url, body)
        assert r.status_code == 409, (url, r.get_json())
        assert r.mimetype == "application/problem+json"
        problem = r.get_json()
        assert "suspended" in problem["detail"] and problem["instance_status"] == "suspended", url
    assert api.get(f"/api/tasks/{free}").get_json()["assignee"] is None
    assert api.get(f"/api/tasks/{held}").get_json()["assignee"] == "alice"
    assert not [e for e in api.history(inst["id"]) if e["type"] in ("task.claimed", "task.unclaimed", "task.assigned")]

    # The Camunda layer answers as Camunda does for a suspended task.
    basic = base64.b64encode(f"alice:{alice.token}".encode()).decode()
    r = app.test_client().post(f"/engine-rest/task/{free}/claim", json={"userId": "alice"},
                               headers={"Authorization": f"Basic {basic}"})
    assert r.status_code == 500 and r.get_json()["type"] == "SuspendedEntityInteractionException"
    # The task page says why.
    pages = Pages(app, alice.token)
    r = pages.post(f"/ui/tasks/{free}/claim")
    assert "suspended" in pages.text(r.headers["Location"])

    assert api.post(f"/api/process-instances/{inst['id']}/resume").status_code == 200
    assert alice.post(f"/api/tasks/{free}/claim").get_json()["assignee"] == "alice"
    assert alice.post(f"/api/tasks/{held}/unclaim").status_code == 200


def test_an_assigned_task_given_back_goes_to_its_candidates_or_to_every_operator(api):
    inst, tasks = _start(api)
    alice = api.as_user("alice", "operator", ["sales"])
    dave = api.as_user("dave", "operator", ["support"])
    assigned = tasks["t_assignee"]["id"]
    assert assigned not in {t["id"] for t in dave.tasks()}
    # Like Camunda's unclaim: the assignee is cleared. This task had no candidates, so it is offered to
    # every operator (Camunda shows an unassigned task without candidates to everyone who may work tasks).
    r = alice.post(f"/api/tasks/{assigned}/unclaim")
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["assignee"] is None
    assert assigned in {t["id"] for t in dave.tasks()}
    assert dave.post(f"/api/tasks/{assigned}/claim").get_json()["assignee"] == "dave"
    [event] = [e for e in api.history(inst["id"]) if e["type"] == "task.unclaimed"]
    assert event["actor"] == "alice" and event["data"] == {"from": "alice", "offered_to": "every operator"}

    # A task with candidates goes back to them only.
    grouped = tasks["t_groups"]["id"]
    assert api.post(f"/api/tasks/{grouped}/assign", {"user": "alice"}).status_code == 200
    assert alice.post(f"/api/tasks/{grouped}/unclaim").get_json()["assignee"] is None
    assert grouped not in {t["id"] for t in dave.tasks()}
    assert grouped in {t["id"] for t in alice.tasks()}


def _takers(page: str) -> str:
    return re.search(r'<dd id="takers">([^<]*)</dd>', page).group(1)


def test_the_task_page_says_who_can_take_it_and_gives_an_assigned_task_back(app, api):
    inst, tasks = _start(api)
    alice = api.as_user("alice", "operator", ["sales"])
    pages = Pages(app, alice.token)
    url = f"/ui/tasks/{tasks['t_assignee']['id']}"
    page = pages.text(url)
    assert "every operator can" not in page
    assert _takers(page) == "only alice (assigned); given back, every operator"
    assert "Give back" in page
    assert _takers(pages.text(f"/ui/tasks/{tasks['t_groups']['id']}")) == "group finance, group sales"
    assert _takers(Pages(app, api.token).text(f"/ui/tasks/{tasks['t_users']['id']}")) == "bob, carol"
    assert _takers(pages.text(f"/ui/tasks/{tasks['t_open']['id']}")) == "every operator"

    r = pages.post(f"{url}/unclaim")
    assert r.status_code == 303
    after = html.unescape(pages.text(r.headers["Location"]))
    assert "You gave the task back: every operator can take it now." in after
    assert "Could not give the task back" not in after
    assert _takers(after) == "every operator"
    assert api.get(f"/api/tasks/{tasks['t_assignee']['id']}").get_json()["assignee"] is None
