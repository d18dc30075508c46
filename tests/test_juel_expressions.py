"""Camunda 7 expressions (JUEL) on structured values, `execution`, methods, and task names: issue 14 item 4,
issue 15. `juel_values.bpmn` routes on one condition (`CONDITION`, replaced per case) and names a user task by
an expression (`NAME`)."""

from __future__ import annotations

from xml.sax.saxutils import escape

import pytest

from tests.client import DIAGRAMS
from tests.test_web import Pages

ORDER = {"id": "A-7", "items": [{"sku": "x", "price": 12.5}, {"sku": "y", "price": 3}], "vip": False}


def _diagram(condition: str = "${true}", name: str = "Approve") -> bytes:
    xml = (DIAGRAMS / "juel_values.bpmn").read_text()
    quoted = escape(name, {'"': "&quot;"})
    return xml.replace("CONDITION", escape(condition)).replace('name="NAME"', f'name="{quoted}"').encode()


def _deploy_raw(api, xml: bytes):
    return api.client.post("/api/deployments", data=xml, content_type="application/xml",
                           headers={"Authorization": f"Bearer {api.token}"})


@pytest.mark.parametrize("condition, variables, expected", [
    ('${d.route == "auto"}', {"d": {"route": "auto"}}, True),
    ('${d.route == "auto"}', {"d": {"route": "manual"}}, False),
    ("${d['route'] == 'auto'}", {"d": {"route": "auto"}}, True),
    ("${d.missing == null}", {"d": {"route": "auto"}}, True),
    ("${empty d.missing}", {"d": {}}, True),
    ("${order.items[0].price > 10}", {"order": ORDER}, True),
    ("${order.items[1].price > 10}", {"order": ORDER}, False),
    ("${order.items[5] == null}", {"order": ORDER}, True),
    ("${order.items.size() == 2 && !order.items.isEmpty()}", {"order": ORDER}, True),
    ("${order.items[0]['sku'].equals('x')}", {"order": ORDER}, True),
    ("${not empty order.items and not order.vip}", {"order": ORDER}, True),
    ("${empty ''}", {}, True),
    ("${empty list}", {"list": []}, True),
    ("${empty map}", {"map": {}}, True),
    ("${empty text}", {"text": "x"}, False),
    ("${execution.getVariable('amount') > 5}", {"amount": 6}, True),
    ('${execution.getVariable("nothing") == null}', {}, True),
    ("${execution.hasVariable('amount')}", {"amount": 1}, True),
    ("${execution.hasVariable('other')}", {"amount": 1}, False),
    ("${execution.getVariables().amount == 3}", {"amount": 3}, True),
    ("${(amount > 5 ? 'big' : 'small') == 'big'}", {"amount": 6}, True),
    ("${a + b == 5}", {"a": 2, "b": 3}, True),
    ("${a + 0.5 == 2.5}", {"a": 2}, True),
    ("${'5' == 5}", {}, True),
    ("${x == null}", {"x": None}, True),
    ("${amount / 4 == 1.25 and amount mod 3 == 2 and -amount < 0}", {"amount": 5}, True),
    ("${name.startsWith('Ann') && name.length() == 4 && name.toUpperCase() == 'ANNA'}", {"name": "Anna"}, True),
    ("${name.contains('nn') && name.endsWith('a') && name.trim().equalsIgnoreCase('ANNA')}", {"name": "Anna"}, True),
    ("${name.substring(1, 3) == 'nn' and name.indexOf('n') == 1}", {"name": "Anna"}, True),
    ("${tags.contains('rush')}", {"tags": ["rush", "gift"]}, True),
    ("${m.containsKey('a') && m.get('a') == 1 && m.size() == 1}", {"m": {"a": 1}}, True),
    ('${note == "it\'s"}', {"note": "it's"}, True),
    ("#{amount ge 5}", {"amount": 5}, True),
])
def test_a_juel_condition(api, condition, variables, expected):
    api.deploy(_diagram(condition))
    inst = api.start("juel_route", variables)
    assert inst["incidents"] == []
    assert inst["status"] == ("running" if expected else "completed")


def test_business_key_and_instance_id_are_reachable(api):
    api.deploy(_diagram("${execution.processBusinessKey == 'BK-1' && execution.getProcessBusinessKey() == 'BK-1'}"))
    assert api.start("juel_route", {}, business_key="BK-1")["status"] == "running"
    assert api.start("juel_route", {}, business_key="BK-2")["status"] == "completed"


def test_task_names_are_evaluated_when_the_task_is_created(app, api):
    api.deploy(_diagram(name="${taskName}"))
    inst = api.start("juel_name", {"taskName": "Check order A-7"})
    assert [t["name"] for t in inst["tasks"]] == ["Check order A-7"]
    task_id = inst["tasks"][0]["id"]
    assert api.get(f"/api/tasks/{task_id}").get_json()["name"] == "Check order A-7"
    assert [t["name"] for t in api.tasks()] == ["Check order A-7"]
    events = api.get(f"/api/process-instances/{inst['id']}/history").get_json()["items"]
    assert [e["data"]["name"] for e in events if e["type"] == "task.created"] == ["Check order A-7"]
    camunda = api.get(f"/engine-rest/task/{task_id}").get_json()
    assert camunda["name"] == "Check order A-7"
    pages = Pages(app, api.token)
    assert "Check order A-7" in pages.text(f"/ui/tasks/{task_id}")
    assert "Check order A-7" in pages.text("/ui/tasks?view=group")
    assert "${taskName}" not in pages.text("/ui/tasks?view=group")


def test_a_composite_name_with_execution_and_nested_values(api):
    api.deploy(_diagram(name="Review ${order.id} (${order.items.size()} items, ${execution.processBusinessKey}) "
                        "${order.vip}"))
    inst = api.start("juel_name", {"order": ORDER, "owner": "olga"}, business_key="BK-9")
    task = inst["tasks"][0]
    assert task["name"] == "Review A-7 (2 items, BK-9) false"
    assert task["assignee"] == "olga"  # camunda:assignee="${execution.getVariable("owner")}"
    other = api.start("juel_name", {"order": ORDER})
    assert other["tasks"][0]["name"] == "Review A-7 (2 items, ) false"  # null is empty text, as JUEL


def test_the_instance_id_in_a_name(api):
    api.deploy(_diagram(name="${execution.getProcessInstanceId()}/${execution.processInstanceId}"))
    inst = api.start("juel_name", {})
    assert inst["tasks"][0]["name"] == f"{inst['id']}/{inst['id']}"


@pytest.mark.parametrize("condition, where", [
    ("${myBean.doSomething()}", "doSomething()"),
    ("${currentUser() == 5}", "currentUser()"),
    ("${execution.setVariableLocal('a', 1)}", "setVariableLocal"),
    ("${execution.activityInstance}", "execution.activityInstance"),
    ("${fn:upper(x) == 'A'}", "fn:upper"),
    ("${a = 1}", "'='"),
    ("${amount.__class__ == 1}", "'_'"),
    ("${amount > }", "end"),
    ("${'open}", "not closed"),
    ("${a} and ${b}", "one ${...} expression"),
])
def test_an_unsupported_form_is_refused_at_deploy_naming_element_and_expression(api, condition, where):
    r = _deploy_raw(api, _diagram(condition))
    assert r.status_code == 422, r.get_json()
    errors = r.get_json()["errors"]
    assert [e["element"] for e in errors] == ["f_yes"]
    assert condition.strip() in errors[0]["message"] and where in errors[0]["message"]


def test_an_unsupported_task_name_expression_is_refused_at_deploy(api):
    r = _deploy_raw(api, _diagram(name="Review ${orderService.load(id)}"))
    assert r.status_code == 422
    errors = r.get_json()["errors"]
    assert [e["element"] for e in errors] == ["review"]
    assert "orderService" in errors[0]["message"] and "load()" in errors[0]["message"]


def test_a_failure_at_run_time_names_the_expression_as_written(api):
    api.deploy(_diagram("${amount > 5}"))
    inst = api.start("juel_route", {"amount": "many"})
    assert inst["status"] == "failed"
    message = inst["incidents"][0]["message"]
    assert "${amount > 5}" in message and "juel_" not in message and "many" in message


def test_execution_in_a_python_script(api):
    xml = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="t">
  <bpmn:process id="juel_script" isExecutable="true">
    <bpmn:startEvent id="s"/>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="script"/>
    <bpmn:scriptTask id="script" scriptFormat="python"><bpmn:script>
execution.setVariable("key", execution.getProcessBusinessKey())
doubled = execution.getVariable("amount") * 2
where = execution.getCurrentActivityId()</bpmn:script></bpmn:scriptTask>
    <bpmn:sequenceFlow id="f2" sourceRef="script" targetRef="e"/>
    <bpmn:endEvent id="e"/>
  </bpmn:process>
</bpmn:definitions>"""
    api.deploy(xml)
    inst = api.start("juel_script", {"amount": 4}, business_key="K-1")
    assert inst["status"] == "completed", inst["incidents"]
    assert inst["variables"] == {"amount": 4, "key": "K-1", "doubled": 8, "where": "script"}
