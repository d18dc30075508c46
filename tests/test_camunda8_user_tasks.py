"""Camunda 8 REST (/v2): deployments as multipart `resources`, and user tasks searched, assigned and completed in
Camunda 8's shapes, with the visibility, roles and form checks of /api."""

from __future__ import annotations

import io
import json

from tests.test_camunda_forms import LINKED, _form
from tests.test_zeebe_dialect import diagram

REVIEW = ('<bpmn:userTask id="review" name="Review"><bpmn:extensionElements><zeebe:userTask/>'
          '<zeebe:assignmentDefinition candidateGroups="ops"/><zeebe:taskSchedule dueDate="2031-01-02T03:04:05Z"/>'
          '<zeebe:priorityDefinition priority="= 40 + 2"/></bpmn:extensionElements></bpmn:userTask>\n\n')


def _deploy_v2(api, *files: tuple[bytes, str], expect=200):
    r = api.client.post("/v2/deployments", data={"resources": [(io.BytesIO(d), n) for d, n in files]},
                        headers=api._headers(), content_type="multipart/form-data")
    assert r.status_code == expect, r.get_json()
    return r.get_json()


def _search(client, body=None, expect=200):
    r = client.post("/v2/user-tasks/search", body or {})
    assert r.status_code == expect, r.get_json()
    return r.get_json()


def test_deployments_take_resources_and_answer_camunda_shapes(api):
    body = _deploy_v2(api, (diagram("c8_linked", LINKED), "linked.bpmn"), (_form(), "order.form"))
    assert body["deploymentKey"].isdigit() and body["tenantId"] == "<default>"
    [process, form] = body["deployments"]
    assert process["processDefinition"]["processDefinitionId"] == "c8_linked"
    assert process["processDefinition"]["processDefinitionVersion"] == 1
    assert process["processDefinition"]["resourceName"] == "linked.bpmn" and process["form"] is None
    assert form["form"]["formId"] == "order-form" and form["form"]["version"] == 1 and form["processDefinition"] is None
    # Its process definition key starts instances as /api's definition id does.
    created = api.post("/v2/process-instances", {"processDefinitionId": "c8_linked"}).get_json()
    assert created["processDefinitionKey"] == process["processDefinition"]["processDefinitionKey"]
    # The deploy's own checks, as problem details: an unknown formId names the element and the form.
    r = api.client.post("/v2/deployments", data={"resources": [(io.BytesIO(diagram("c8_bad", LINKED.replace(
        "order-form", "nope"))), "bad.bpmn")]}, headers=api._headers(), content_type="multipart/form-data")
    assert r.status_code == 422 and r.get_json()["errors"][0]["element"] == "ask"
    assert "'nope'" in r.get_json()["errors"][0]["message"]
    r = api.client.post("/v2/deployments", data={"file": [(io.BytesIO(b"x"), "a.bpmn")]}, headers=api._headers(),
                        content_type="multipart/form-data")
    assert r.status_code == 400 and "resources" in r.get_json()["detail"]
    r = api.client.post("/v2/deployments", data={"resources": [(io.BytesIO(b"x"), "a.bpmn")], "tenantId": "t2"},
                        headers=api._headers(), content_type="multipart/form-data")
    assert r.status_code == 400
    auditor = api.as_user("audrey", "auditor")
    r = auditor.client.post("/v2/deployments", data={"resources": [(io.BytesIO(b"x"), "a.bpmn")]},
                            headers=auditor._headers(), content_type="multipart/form-data")
    assert r.status_code == 403


def test_user_tasks_search_assign_and_complete(api):
    _deploy_v2(api, (diagram("c8_review", REVIEW), "review.bpmn"))
    first = api.post("/v2/process-instances", {"processDefinitionId": "c8_review"}).get_json()
    api.post("/v2/process-instances", {"processDefinitionId": "c8_review"})
    olga = api.as_user("olga", "operator", groups=["ops"])
    found = _search(olga, {"filter": {"state": "CREATED", "elementId": "review"}})
    assert found["page"]["totalItems"] == 2 and len(found["items"]) == 2
    task = next(t for t in found["items"] if t["processInstanceKey"] == first["processInstanceKey"])
    assert task["candidateGroups"] == ["ops"] and task["assignee"] is None and task["priority"] == 42
    assert task["dueDate"] == "2031-01-02T03:04:05.000Z" and task["creationDate"].endswith("Z")
    assert task["processDefinitionId"] == "c8_review" and task["processDefinitionVersion"] == 1
    assert task["state"] == "CREATED" and task["userTaskKey"].isdigit() and task["name"] == "Review"
    key = task["userTaskKey"]
    assert olga.get(f"/v2/user-tasks/{key}").get_json()["userTaskKey"] == key
    # Pages: a limit and the cursor of the previous page.
    one = _search(olga, {"page": {"limit": 1}, "sort": [{"field": "creationDate", "order": "DESC"}]})
    assert len(one["items"]) == 1 and one["page"]["endCursor"]
    rest = _search(olga, {"page": {"limit": 1, "after": one["page"]["endCursor"]},
                          "sort": [{"field": "creationDate", "order": "DESC"}]})
    assert [t["userTaskKey"] for t in one["items"] + rest["items"]] != [key, key]
    assert rest["page"]["endCursor"] is None
    # Someone outside the candidate group does not see the tasks.
    assert _search(api.as_user("pete", "operator", groups=["sales"]))["items"] == []

    r = olga.post(f"/v2/user-tasks/{key}/assignment", {"assignee": "someone-else"})
    assert r.status_code == 403  # an operator takes a task for herself only
    assert olga.post(f"/v2/user-tasks/{key}/assignment", {"assignee": "olga"}).status_code == 204
    mine = _search(olga, {"filter": {"assignee": "olga"}})["items"]
    assert [t["userTaskKey"] for t in mine] == [key]
    r = api.post(f"/v2/user-tasks/{key}/assignment", {"assignee": "admin", "allowOverride": False})
    assert r.status_code == 409
    assert olga.client.delete(f"/v2/user-tasks/{key}/assignee", headers=olga._headers()).status_code == 204
    assert _search(olga, {"filter": {"assignee": {"$eq": "olga"}}})["items"] == []
    olga.post(f"/v2/user-tasks/{key}/assignment", {"assignee": "olga"})
    r = olga.post(f"/v2/user-tasks/{key}/completion", {"variables": {"approved": True}})
    assert r.status_code == 204
    done = _search(olga, {"filter": {"state": "COMPLETED"}})["items"]
    assert [t["userTaskKey"] for t in done] == [key] and done[0]["completionDate"].endswith("Z")
    assert olga.post(f"/v2/user-tasks/{key}/completion", {}).status_code == 409
    instance = api.get("/api/process-instances?process=c8_review&status=completed").get_json()["items"]
    assert [i["variables"] for i in instance] == [{"approved": True}]


def test_completion_is_checked_against_the_task_form_and_bad_searches_are_400(api):
    _deploy_v2(api, (diagram("c8_form", LINKED), "form.bpmn"), (_form(), "order.form"))
    api.post("/v2/process-instances", {"processDefinitionId": "c8_form"})
    [task] = _search(api, {"filter": {"processDefinitionId": "c8_form"}})["items"]
    r = api.post(f"/v2/user-tasks/{task['userTaskKey']}/completion", {"variables": {"qty": 9}})
    assert r.status_code == 422 and {e["field"] for e in r.get_json()["errors"]} == {"name", "qty"}
    for body, needle in (({"filter": {"assignee": {"$like": "a*"}}}, "filter.assignee"),
                         ({"filter": {"dueDate": {"$gt": "2030-01-01T00:00:00Z"}}}, "filter.dueDate"),
                         ({"filter": {"state": "DONE"}}, "filter.state"),
                         ({"sort": [{"field": "assignee"}]}, "sort"),
                         ({"page": {"from": 5}}, "from")):
        r = api.post("/v2/user-tasks/search", body)
        assert r.status_code in (400, 422) and needle in json.dumps(r.get_json()), (body, r.get_json())
    assert _search(api, {"filter": {"state": "ASSIGNING"}})["items"] == []
    assert _search(api, {"filter": {"processInstanceKey": "123", "userTaskKey": "9"}})["items"] == []
    assert api.post("/v2/user-tasks/123/completion", {}).status_code == 404
    assert api.get("/v2/user-tasks/nope").status_code == 404


def test_analysts_assign_to_others_and_auditors_only_read(api):
    _deploy_v2(api, (diagram("c8_route", REVIEW), "route.bpmn"))
    api.post("/v2/process-instances", {"processDefinitionId": "c8_route"})
    api.as_user("olga", "operator", groups=["ops"])
    ann, audrey = api.as_user("ann", "analyst"), api.as_user("audrey", "auditor")
    [task] = _search(ann)["items"]
    key = task["userTaskKey"]
    assert audrey.post(f"/v2/user-tasks/{key}/assignment", {"assignee": "audrey"}).status_code == 403
    assert ann.post(f"/v2/user-tasks/{key}/assignment", {"assignee": "olga"}).status_code == 204
    assert _search(audrey, {"filter": {"assignee": "olga"}})["items"][0]["userTaskKey"] == key
    assert audrey.client.delete(f"/v2/user-tasks/{key}/assignee", headers=audrey._headers()).status_code == 403
    assert ann.client.delete(f"/v2/user-tasks/{key}/assignee", headers=ann._headers()).status_code == 204
    assert ann.get(f"/v2/user-tasks/{key}").get_json()["assignee"] is None


EXTERNAL = ('<bpmn:userTask id="sign" name="Sign"><bpmn:extensionElements><zeebe:userTask/>'
            '<zeebe:formDefinition externalReference="https://forms.example.com/sign"/>'
            '</bpmn:extensionElements></bpmn:userTask>\n\n')


def test_a_user_task_names_its_linked_form_or_its_external_form(api):
    deployed = _deploy_v2(api, (diagram("c8_linked", LINKED), "linked.bpmn"), (_form(), "order.form"),
                          (diagram("c8_external", EXTERNAL), "external.bpmn"))
    [form_key] = [d["form"]["formKey"] for d in deployed["deployments"] if d["form"]]
    api.post("/v2/process-instances", {"processDefinitionId": "c8_linked"})
    api.post("/v2/process-instances", {"processDefinitionId": "c8_external"})
    [linked] = _search(api, {"filter": {"elementId": "ask"}})["items"]
    assert linked["formKey"] == form_key and linked["externalFormReference"] is None
    # The form the task bound: its key, id, version and the form's JSON as text (Camunda 8's shape).
    form = api.get(f"/v2/user-tasks/{linked['userTaskKey']}/form").get_json()
    assert form["formKey"] == form_key and form["formId"] == "order-form" and form["version"] == 1
    assert json.loads(form["schema"])["id"] == "order-form" and form["tenantId"] == "<default>"
    # An external form is a reference the task application opens; the task has no deployed form (204).
    [external] = _search(api, {"filter": {"elementId": "sign"}})["items"]
    assert external["externalFormReference"] == "https://forms.example.com/sign" and external["formKey"] is None
    assert api.get(f"/v2/user-tasks/{external['userTaskKey']}/form").status_code == 204
    [task] = [t for t in api.get("/api/tasks").get_json()["items"] if t["activity"] == "sign"]
    assert task["form_key"] == "https://forms.example.com/sign"
    # A key that names no task: 404, as for the task itself.
    assert api.get("/v2/user-tasks/12345/form").status_code == 404
    # A FEEL expression as the reference is refused at deploy, naming the element.
    r = api.client.post("/v2/deployments", data={"resources": [(io.BytesIO(diagram("c8_feel", EXTERNAL.replace(
        "https://forms.example.com/sign", "= formUrl"))), "feel.bpmn")]}, headers=api._headers(),
        content_type="multipart/form-data")
    assert r.status_code == 422 and r.get_json()["errors"][0]["element"] == "sign"
    assert "externalReference" in r.get_json()["errors"][0]["message"]
