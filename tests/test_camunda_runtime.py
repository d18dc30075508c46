"""Camunda 7 compatibility at run time: typed variables, the task list, message correlation, and the native
API and the compatibility layer showing the same instances, tasks and history for the same work."""

from __future__ import annotations

from typing import Any

from tests.test_camunda_deploy import CAMUNDA_TIME, Camunda, _error

TYPED = {
    "customer": {"value": "Ada", "type": "String"},
    "quantity": {"value": 3, "type": "Integer"},
    "orderNo": {"value": "9007199254740993", "type": "Long"},
    "price": {"value": 12.5, "type": "Double"},
    "express": {"value": "true", "type": "Boolean"},
    "address": {"value": '{"city": "Kyiv", "lines": ["1 Main St"]}', "type": "Json"},
    "placed": {"value": "2026-01-31T10:30:00.000+0200", "type": "Date"},
    "coupon": {"value": None, "type": "Null"},
    "untyped": {"value": 7},
    # Types the JSON value alone does not tell: kept with the instance and served as sent.
    "units": {"value": 40, "type": "Long"},
    "grade": {"value": "3", "type": "Short"},
    "code": {"value": "2026-01-31T09:00:00.000+0000", "type": "String"},
}


def _start(camunda: Camunda, key: str, variables: dict[str, Any] | None = None, **body: Any) -> dict[str, Any]:
    r = camunda.post(f"/process-definition/key/{key}/start", {"variables": variables or {}, **body})
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def test_start_with_typed_variables_round_trips_the_types(api):
    api.deploy("camunda_order.bpmn")
    camunda = Camunda(api)
    started = _start(camunda, "camunda_order", TYPED, businessKey="B-1", withVariablesInReturn=True)
    assert started["businessKey"] == "B-1" and started["definitionKey"] == "camunda_order"
    assert started["ended"] is False and started["suspended"] is False and started["tenantId"] is None
    typed = started["variables"]
    assert {k: (v["type"], v["value"]) for k, v in typed.items()} == {
        "customer": ("String", "Ada"), "quantity": ("Integer", 3), "orderNo": ("Long", 9007199254740993),
        "price": ("Double", 12.5), "express": ("Boolean", True),
        "address": ("Json", '{"city":"Kyiv","lines":["1 Main St"]}'),
        "placed": ("Date", "2026-01-31T08:30:00.000+0000"), "coupon": ("Null", None), "untyped": ("Integer", 7),
        "units": ("Long", 40), "grade": ("Short", 3), "code": ("String", "2026-01-31T09:00:00.000+0000")}
    assert camunda.get(f"/process-instance/{started['id']}/variables").get_json() == typed
    assert camunda.get(f"/process-instance/{started['id']}/variables/price").get_json()["value"] == 12.5
    assert camunda.get(f"/process-instance/{started['id']}/variables/units").get_json()["type"] == "Long"
    _error(camunda.get(f"/process-instance/{started['id']}/variables/nope"), 404, "InvalidRequestException")
    # The native API holds plain JSON values.
    native = api.instance(started["id"])
    assert native["business_key"] == "B-1" and native["definition_id"] == started["definitionId"]
    assert native["variables"] == {"customer": "Ada", "quantity": 3, "orderNo": 9007199254740993, "price": 12.5,
                                   "express": True, "address": {"city": "Kyiv", "lines": ["1 Main St"]},
                                   "placed": "2026-01-31T08:30:00.000+0000", "coupon": None, "untyped": 7,
                                   "units": 40, "grade": 3, "code": "2026-01-31T09:00:00.000+0000"}
    # A value that does not fit its type, or a type with no meaning here, is Camunda's 400.
    for bad in ({"value": "many", "type": "Integer"}, {"value": 2**40, "type": "Integer"},
                {"value": "yes", "type": "Boolean"}, {"value": "31.01.2026", "type": "Date"},
                {"value": "{oops", "type": "Json"}, {"value": "AAA=", "type": "Bytes"}, {"value": 1, "type": "Money"}):
        r = camunda.post("/process-definition/key/camunda_order/start", {"variables": {"x": bad}})
        assert "x" in _error(r, 400, "InvalidRequestException")
    message = _error(camunda.post("/process-definition/key/nope/start", {}), 404, "InvalidRequestException")
    assert message == "No matching process definition with key: nope and no tenant-id"
    _error(camunda.get("/process-instance/nope"), 404, "InvalidRequestException")


def test_start_by_definition_id_as_the_modeler_start_button_does(api):
    definition = api.deploy("camunda_order.bpmn")["definitions"][0]
    camunda = Camunda(api)
    r = camunda.post(f"/process-definition/{definition['id']}/start",
                     {"businessKey": "M-1", "variables": {"a": {"value": 1, "type": "Long"}}})
    assert r.status_code == 200 and r.get_json()["definitionId"] == definition["id"]
    assert "variables" not in r.get_json()
    assert api.instance(r.get_json()["id"])["variables"] == {"a": 1}
    _error(camunda.post("/process-definition/unknown-id/start", {}), 404, "InvalidRequestException")
    r = camunda.post(f"/process-definition/{definition['id']}/start", {"startInstructions": [{"type": "x"}]})
    _error(r, 400, "InvalidRequestException")


def test_task_query_claim_unclaim_complete(api):
    api.deploy("camunda_order.bpmn")
    camunda = Camunda(api)
    ida = Camunda.user(api, "ida", "operator", ["clerks"])
    ben = Camunda.user(api, "ben", "operator", ["clerks"])
    outsider = Camunda.user(api, "otto", "operator", ["drivers"])
    first = _start(camunda, "camunda_order", businessKey="T-1")
    second = _start(camunda, "camunda_order", businessKey="T-2")

    tasks = ida.get("/task", candidateGroup="clerks").get_json()
    assert [t["processInstanceId"] for t in tasks] == [first["id"], second["id"]]
    task = tasks[0]
    assert task["taskDefinitionKey"] == "approve" and task["name"] == "Approve the order"
    assert task["processDefinitionId"] == first["definitionId"] and task["assignee"] is None
    assert CAMUNDA_TIME.fullmatch(task["created"]) and task["suspended"] is False
    assert ida.get("/task", processInstanceBusinessKey="T-2").get_json()[0]["processInstanceId"] == second["id"]
    assert outsider.get("/task").get_json() == []
    assert ida.get(f"/task/{task['id']}").get_json()["id"] == task["id"]
    _error(outsider.get(f"/task/{task['id']}"), 404, "InvalidRequestException")

    assert ida.post(f"/task/{task['id']}/claim", {"userId": "ida"}).status_code == 204
    assert _error(ben.post(f"/task/{task['id']}/claim", {"userId": "ben"}), 500, "TaskAlreadyClaimedException")
    _error(ida.post(f"/task/{tasks[1]['id']}/claim", {"userId": "ben"}), 403, "AuthorizationException")
    assert [t["id"] for t in ben.get("/task", assignee="ida").get_json()] == []  # ben may not act on it
    assert [t["id"] for t in camunda.get("/task", assignee="ida").get_json()] == [task["id"]]
    assert [t["id"] for t in camunda.get("/task", candidateGroup="clerks").get_json()] == [tasks[1]["id"]]
    assert [t["id"] for t in camunda.get("/task", unassigned="true").get_json()] == [tasks[1]["id"]]
    assert camunda.get("/task", candidateUser="ben").get_json()[0]["id"] == tasks[1]["id"]
    assert ida.post(f"/task/{task['id']}/unclaim").status_code == 204
    assert ida.post(f"/task/{task['id']}/claim").status_code == 204

    r = ida.post(f"/task/{task['id']}/complete", {"variables": {"approved": {"value": True, "type": "Boolean"}},
                                                  "withVariablesInReturn": True})
    assert r.status_code == 200 and r.get_json() == {"approved": {"type": "Boolean", "value": True, "valueInfo": {}}}
    _error(ida.post(f"/task/{task['id']}/complete", {}), 500, "RestException")
    _error(ida.post("/task/nope/claim", {}), 500, "NullValueException")
    assert ben.post(f"/task/{tasks[1]['id']}/complete", {"variables": {}}).status_code == 204
    # The native task list shows the same work.
    done = api.tasks(instance=first["id"], status="completed")
    assert [(t["id"], t["completed_by"]) for t in done] == [(task["id"], "ida")]
    assert api.instance(first["id"])["waiting"][0]["activity"] == "wait_paid"


def test_message_correlation_by_business_key_and_correlation_keys(api):
    api.deploy("camunda_order.bpmn")
    api.deploy("camunda_inbox.bpmn")
    camunda = Camunda(api)
    instances = []
    for key, region in (("C-1", "north"), ("C-2", "south"), ("C-3", "south")):
        started = api.start("camunda_order", {"region": region, "order": int(key[-1])}, business_key=key)
        api.complete(started["tasks"][0]["id"])
        instances.append(started["id"])

    r = camunda.post("/message", {"messageName": "order-paid", "businessKey": "C-1",
                                  "processVariables": {"paidAt": {"value": "2026-02-01T00:00:00.000+0000",
                                                                  "type": "Date"},
                                                       "cents": {"value": 1999, "type": "Long"}},
                                  "resultEnabled": True, "variablesInResultEnabled": True})
    assert r.status_code == 200, r.get_json()
    [result] = r.get_json()
    assert result["resultType"] == "Execution" and result["processInstance"] is None
    assert result["execution"] == {"id": instances[0], "processInstanceId": instances[0], "ended": True,
                                   "tenantId": None}
    assert result["variables"]["paidAt"]["type"] == "Date" and result["variables"]["cents"]["type"] == "Long"
    assert api.instance(instances[0])["status"] == "completed"

    # More than one match, or none: Camunda's MismatchingMessageCorrelationException (400).
    message = _error(camunda.post("/message", {"messageName": "order-paid",
                                               "correlationKeys": {"region": {"value": "south", "type": "String"}}}),
                     400, "RestException")
    assert "MismatchingMessageCorrelationException" in message
    _error(camunda.post("/message", {"messageName": "order-paid", "businessKey": "C-1"}), 400, "RestException")
    r = camunda.post("/message", {"messageName": "order-paid", "correlationKeys": {
        "region": {"value": "south", "type": "String"}, "order": {"value": 3, "type": "Integer"}}})
    assert r.status_code == 204 and api.instance(instances[2])["status"] == "completed"
    assert camunda.post("/message", {"messageName": "order-paid", "processInstanceId": instances[1]}).status_code == 204
    _error(camunda.post("/message", {"messageName": "order-paid", "all": True}), 400, "InvalidRequestException")

    # A message start event: the result is the new instance.
    r = camunda.post("/message", {"messageName": "order-received", "businessKey": "IN-1", "resultEnabled": True,
                                  "processVariables": {"total": {"value": 99.5, "type": "Double"}}})
    [result] = r.get_json()
    assert result["resultType"] == "ProcessDefinition" and result["execution"] is None
    started = result["processInstance"]
    assert started["businessKey"] == "IN-1" and started["definitionKey"] == "camunda_inbox"
    assert api.instance(started["id"])["variables"] == {"total": 99.5}
    assert [e["actor"] for e in api.history(started["id"]) if e["type"] == "message.correlated"] == ["admin"]


def _work(api: Any, clerk: Any, camunda: Camunda | None, key: str) -> str:
    """One order handled end to end, natively (camunda None) or through /engine-rest."""
    if camunda is None:
        instance = api.start("camunda_order", {"amount": 5}, business_key=key)["id"]
        task = clerk.tasks(instance=instance)[0]["id"]
        assert clerk.post(f"/api/tasks/{task}/claim").status_code == 200
        clerk.complete(task, {"ok": True})
        assert api.post("/api/messages", {"name": "order-paid", "business_key": key}).status_code == 200
        return instance
    instance = _start(camunda, "camunda_order", {"amount": {"value": 5, "type": "Integer"}}, businessKey=key)["id"]
    task = clerk.get("/task", processInstanceId=instance).get_json()[0]["id"]
    assert clerk.post(f"/task/{task}/claim", {"userId": "cleo"}).status_code == 204
    assert clerk.post(f"/task/{task}/complete", {"variables": {"ok": {"value": True}}}).status_code == 204
    assert camunda.post("/message", {"messageName": "order-paid", "businessKey": key}).status_code == 204
    return instance


def test_native_and_compatibility_layer_show_the_same_work(api):
    api.deploy("camunda_order.bpmn")
    clerk = api.as_user("cleo", "operator", ["clerks"])
    native = _work(api, clerk, None, "N-1")
    compat = _work(api, Camunda(api, "cleo", clerk.token), Camunda(api), "K-1")

    def story(instance_id: str) -> list[tuple[Any, ...]]:
        return [(e["type"], e["activity"], e["actor"]) for e in api.history(instance_id)]

    assert story(compat) == story(native)
    assert api.instance(compat)["variables"] == api.instance(native)["variables"] == {"amount": 5, "ok": True}
    camunda = Camunda(api)
    for instance_id in (native, compat):
        shown = camunda.get(f"/process-instance/{instance_id}").get_json()
        plain = api.instance(instance_id)
        assert (shown["id"], shown["definitionId"], shown["businessKey"], shown["ended"]) == (
            plain["id"], plain["definition_id"], plain["business_key"], True)
    # An open task is the same task on both lists.
    open_one = api.start("camunda_order", business_key="S-1")
    [listed] = camunda.get("/task", processInstanceId=open_one["id"]).get_json()
    assert listed["id"] == open_one["tasks"][0]["id"] == api.tasks(instance=open_one["id"])[0]["id"]


def test_external_task_requests_outside_the_supported_subset_are_refused(api):
    api.deploy("camunda_payment.bpmn")
    camunda = Camunda(api)
    started = _start(camunda, "camunda_payment", {"card": {"value": "visa"}, "amount": {"value": 5}})
    topic = {"topicName": "charge-card", "lockDuration": 5000}
    refused = camunda.post("/external-task/fetchAndLock", {"workerId": "w", "maxTasks": 1,
                                                           "topics": [{**topic, "processDefinitionVersionTag": "x"}]})
    assert "processDefinitionVersionTag" in _error(refused, 400, "InvalidRequestException")
    r = camunda.post("/external-task/fetchAndLock", {"workerId": "w", "maxTasks": 5,
                                                     "topics": [{**topic, "variables": ["card", "nope"]}]})
    [task] = r.get_json()
    assert task["processInstanceId"] == started["id"] and task["activityId"] == "charge"
    assert task["variables"] == {"card": {"type": "String", "value": "visa", "valueInfo": {}}}
    assert CAMUNDA_TIME.fullmatch(task["lockExpirationTime"]) and task["retries"] is None
    path = f"/external-task/{task['id']}"
    _error(camunda.post(f"{path}/failure", {"workerId": "w", "retries": 1, "localVariables": {"x": {"value": 1}}}),
           400, "InvalidRequestException")
    _error(camunda.post(f"{path}/failure", {"workerId": "w", "retries": 1, "variables": {"x": {"value": 1}}}), 400,
           "InvalidRequestException")
    _error(camunda.post(f"{path}/extendLock", {"workerId": "other", "newDuration": 1000}), 400,
           "BadUserRequestException")
    _error(camunda.post("/external-task/nope/bpmnError", {"workerId": "w", "errorCode": "X"}), 404, "RestException")
    assert camunda.post(f"{path}/failure", {"workerId": "w", "errorMessage": "down", "errorDetails": "trace",
                                            "retries": 2, "retryTimeout": 0}).status_code == 204
    fetch = {"workerId": "w", "maxTasks": 1, "topics": [topic]}
    [again] = camunda.post("/external-task/fetchAndLock", fetch).get_json()
    assert again["retries"] == 2 and again["errorMessage"] == "down" and again["errorDetails"] == "trace"
    # The role decides, as on /api: an auditor reads but does not work external tasks.
    auditor = Camunda.user(api, "audrey", "auditor")
    _error(auditor.post("/external-task/fetchAndLock", {"workerId": "a", "topics": [topic]}), 403,
           "AuthorizationException")


def test_fetch_filters_lock_and_error_details_as_camunda_workers_use_them(api):
    api.deploy("camunda_payment.bpmn")
    camunda = Camunda(api)
    visa = _start(camunda, "camunda_payment", {"card": {"value": "visa"}}, businessKey="B-1")
    amex = _start(camunda, "camunda_payment", {"card": {"value": "amex"}}, businessKey="B-2")
    topic = {"topicName": "charge-card", "lockDuration": 5000}

    def fetch(worker="w", **filters):
        r = camunda.post("/external-task/fetchAndLock", {"workerId": worker, "maxTasks": 5,
                                                         "topics": [{**topic, **filters}]})
        assert r.status_code == 200, r.get_json()
        return r.get_json()

    assert fetch(processDefinitionKey="other") == [] and fetch(processDefinitionKeyIn=["x", "y"]) == []
    assert fetch(businessKey="B-9") == [] and fetch(processVariables={"card": "diners"}) == []
    assert fetch(processDefinitionId="nope") == []
    [task] = fetch(processVariables={"card": "amex"}, processDefinitionKey="camunda_payment")
    assert task["processInstanceId"] == amex["id"] and task["businessKey"] == "B-2"
    assert task["processDefinitionId"] == amex["definitionId"]
    [task] = fetch("w2", businessKey="B-1", processDefinitionIdIn=[visa["definitionId"]])
    assert task["processInstanceId"] == visa["id"]
    # Lock by id: refused while another worker holds it; once released, any worker may lock it.
    path = f"/external-task/{task['id']}"
    assert "locked by" in _error(camunda.post(f"{path}/lock", {"workerId": "w3", "lockDuration": 1000}), 400,
                                 "BadUserRequestException")
    assert camunda.post(f"{path}/unlock", {}).status_code == 204
    assert camunda.post(f"{path}/lock", {"workerId": "w3", "lockDuration": 60000}).status_code == 204
    assert fetch("w4") == []  # both tasks are locked now
    assert camunda.post(f"{path}/failure", {"workerId": "w3", "errorMessage": "gateway down",
                                            "errorDetails": "Traceback ...", "retries": 0}).status_code == 204
    r = camunda.get(f"{path}/errorDetails")
    assert r.status_code == 200 and r.get_data(as_text=True) == "Traceback ..."
    incident = api.instance(visa["id"])["incidents"][0]
    assert "gateway down" in incident["message"] and "Traceback" not in incident["message"]
    assert camunda.get("/external-task/nope/errorDetails").status_code == 404
    assert camunda.post("/external-task/nope/lock", {"workerId": "w", "lockDuration": 10}).status_code == 404


LOCAL = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn"
    id="D" targetNamespace="t">
  <bpmn:process id="c7_local" isExecutable="true">
    <bpmn:startEvent id="s"/>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="mapped"/>
    <bpmn:serviceTask id="mapped" camunda:type="external" camunda:topic="mapped">
      <bpmn:extensionElements><camunda:inputOutput>
        <camunda:outputParameter name="charged">${receipt}</camunda:outputParameter>
      </camunda:inputOutput></bpmn:extensionElements>
    </bpmn:serviceTask>
    <bpmn:sequenceFlow id="f2" sourceRef="mapped" targetRef="plain"/>
    <bpmn:serviceTask id="plain" camunda:type="external" camunda:topic="plain"/>
    <bpmn:sequenceFlow id="f3" sourceRef="plain" targetRef="e"/>
    <bpmn:endEvent id="e"/>
  </bpmn:process>
</bpmn:definitions>"""


def test_local_variables_on_complete_reach_only_the_output_mapping(api):
    api.deploy(LOCAL)
    camunda = Camunda(api)
    started = _start(camunda, "c7_local")
    for topic, local in (("mapped", {"receipt": {"value": "R-1"}, "secret": {"value": "x"}}),
                         ("plain", {"scratch": {"value": 1, "type": "Integer"}})):
        [task] = camunda.post("/external-task/fetchAndLock", {"workerId": "w", "maxTasks": 1, "topics": [
            {"topicName": topic, "lockDuration": 5000}]}).get_json()
        r = camunda.post(f"/external-task/{task['id']}/complete", {"workerId": "w", "localVariables": local,
                                                                   "variables": {"paid": {"value": True}}})
        assert r.status_code == 204, r.get_json()
    done = api.instance(started["id"])
    assert done["status"] == "completed"
    assert done["variables"] == {"paid": True, "charged": "R-1"}  # locals: gone once their activity ended


def test_a_declared_long_stays_a_long_through_workers_and_task_completion(api):
    """A Java worker reads `Long amount = task.getVariable("amount")`: an Integer there would not cast. The type a
    client declared comes back while the value still fits it, through fetchAndLock and after completions."""
    api.deploy("camunda_payment.bpmn")
    camunda = Camunda(api)
    started = _start(camunda, "camunda_payment", {"card": {"value": "visa"}, "amount": {"value": 42, "type": "Long"}})
    topic = {"topicName": "charge-card", "lockDuration": 5000}
    [task] = camunda.post("/external-task/fetchAndLock", {"workerId": "w", "maxTasks": 1,
                                                          "topics": [topic]}).get_json()
    assert task["variables"]["amount"] == {"type": "Long", "value": 42, "valueInfo": {}}
    assert task["variables"]["card"]["type"] == "String"
    r = camunda.post(f"/external-task/{task['id']}/complete", {"workerId": "w", "variables": {
        "fee": {"value": 3, "type": "Long"}, "when": {"value": "2026-02-01T00:00:00.000+0000", "type": "String"}}})
    assert r.status_code == 204, r.get_json()
    typed = camunda.get(f"/process-instance/{started['id']}/variables").get_json()
    assert {k: v["type"] for k, v in typed.items()} == {"card": "String", "amount": "Long", "fee": "Long",
                                                        "when": "String"}
    # The native API holds the plain values; a value that no longer fits its declared type shows its own.
    assert api.instance(started["id"])["variables"]["fee"] == 3
    api.patch(f"/api/process-instances/{started['id']}/variables", {"set": {"fee": "waived"}, "reason": "repair"})
    assert camunda.get(f"/process-instance/{started['id']}/variables/fee").get_json()["type"] == "String"
