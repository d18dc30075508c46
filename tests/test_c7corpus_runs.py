"""What the real Camunda 7 diagrams of ../shared/corpus/camunda7 needed and now runs, as Camunda 7 runs it: the
JUEL date functions in a due date, JavaScript in input/output mappings and listeners, JUEL scripts, business rule
tasks with a Java class (refused naming them, or external tasks with the setting), data stores that are only drawn,
an empty retry cycle (the engine's default), and the KPI demo's invoice whose JavaScript task listeners assign the
approver."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.conftest import ADMIN_TOKEN, corpus_dir
from tests.test_camunda7_compat import _diagram, _flow, external_app  # noqa: F401 - external_app: a fixture
from tests.test_external_tasks import _call, _fetch


def _user_task_process(task: str, extra: str = "") -> str:
    return _diagram('<bpmn:startEvent id="start"/>' + task + '<bpmn:userTask id="after"/><bpmn:endEvent id="end"/>'
                    + _flow("f1", "start", "work") + _flow("f2", "work", "after") + _flow("f3", "after", "end"),
                    extra=extra)


def test_a_due_date_with_joda_arithmetic_is_set_as_camunda_computes_it(api):
    api.deploy(_diagram('<bpmn:startEvent id="start"/><bpmn:userTask id="work" '
                        'camunda:dueDate="${dateTime().plusDays(2).toDate()}" '
                        'camunda:followUpDate="${now()}"/><bpmn:endEvent id="end"/>'
                        + _flow("f1", "start", "work") + _flow("f2", "work", "end")))
    before = dt.datetime.now(dt.UTC)
    [task] = api.start("p")["tasks"]
    due = dt.datetime.fromisoformat(api.get(f"/api/tasks/{task['id']}").get_json()["due_at"].replace("Z", "+00:00"))
    assert before + dt.timedelta(days=2) - dt.timedelta(seconds=5) <= due <= dt.datetime.now(dt.UTC) \
        + dt.timedelta(days=2, seconds=5)


def test_date_arithmetic_in_an_output_mapping(api):
    api.deploy(_user_task_process(
        '<bpmn:userTask id="work"><bpmn:extensionElements><camunda:inputOutput>'
        '<camunda:outputParameter name="later">${dateTime().plusMonths(1).isAfter(now())}</camunda:outputParameter>'
        '</camunda:inputOutput></bpmn:extensionElements></bpmn:userTask>'))
    inst = api.start("p")
    api.complete(inst["tasks"][0]["id"])
    assert api.instance(inst["id"])["variables"]["later"] is True


JS_TASK = (
    '<bpmn:userTask id="work"><bpmn:extensionElements>'
    '<camunda:inputOutput>'
    '<camunda:inputParameter name="doubled"><camunda:script scriptFormat="javascript">'
    'execution.setVariable("defaultScore", 5);\nbase * 2</camunda:script></camunda:inputParameter>'
    '<camunda:outputParameter name="result"><camunda:script scriptFormat="JavaScript">'
    'var r = doubled + 1;\nr</camunda:script></camunda:outputParameter>'
    '</camunda:inputOutput>'
    '<camunda:executionListener event="start"><camunda:script scriptFormat="javascript">'
    'if (execution.hasVariable("stale")) { execution.removeVariable("stale"); '
    'execution.setVariable("removed", !execution.hasVariable("stale")); }</camunda:script>'
    '</camunda:executionListener>'
    '<camunda:taskListener event="create"><camunda:script scriptFormat="javascript">'
    'task.setVariable("created", task.getVariable("base") + doubled);</camunda:script></camunda:taskListener>'
    '<camunda:executionListener event="end"><camunda:script scriptFormat="javascript">'
    'execution.setVariable("ended", [result, "done"]);</camunda:script></camunda:executionListener>'
    '</bpmn:extensionElements></bpmn:userTask>')


def test_javascript_in_mappings_and_listeners_runs_in_camunda_order(api):
    api.deploy(_user_task_process(JS_TASK))
    inst = api.start("p", {"base": 20, "stale": "x"})
    inside = api.instance(inst["id"])["variables"]
    # Input mapping (its value is the script's last one; setVariable sets), then start listener, then create.
    assert inside["doubled"] == 40 and inside["defaultScore"] == 5 and inside["created"] == 60
    assert inside["removed"] is True  # removeVariable removes it (from the task's data)
    api.complete(inst["tasks"][0]["id"])
    out = api.instance(inst["id"])["variables"]
    assert out["result"] == 41 and out["ended"] == [41, "done"]
    assert "doubled" not in out  # a local input variable ends with its activity


def test_javascript_in_a_mapping_that_does_not_compile_is_refused_naming_the_task(api):
    body = api.deploy(_user_task_process(JS_TASK.replace("var r = doubled + 1;", "var r = ;")), expect=422)
    assert any(e["element"] == "work" and "JavaScript does not compile" in e["message"] for e in body["errors"])


def test_a_juel_script_task_stores_its_value_in_the_result_variable(api):
    api.deploy(_user_task_process('<bpmn:scriptTask id="work" scriptFormat="juel" camunda:resultVariable="total">'
                                  '<bpmn:script>${price * qty}</bpmn:script></bpmn:scriptTask>'))
    inst = api.start("p", {"price": 3, "qty": 4})
    assert api.instance(inst["id"])["variables"]["total"] == 12


def test_a_juel_script_calling_a_bean_is_refused_naming_the_task(api):
    body = api.deploy(_user_task_process('<bpmn:scriptTask id="work" scriptFormat="juel">'
                                         '<bpmn:script>${audit.log(execution)}</bpmn:script></bpmn:scriptTask>'),
                      expect=422)
    assert any(e["element"] == "work" and "JUEL script" in e["message"] for e in body["errors"])


RULES = _user_task_process('<bpmn:businessRuleTask id="work" camunda:class="com.acme.rules.DroolsDelegate"/>')


def test_a_business_rule_task_with_a_java_class_is_a_java_delegate(api):
    body = api.deploy(RULES, expect=422)
    [error] = body["errors"]
    assert error["element"] == "work" and error["message"].startswith("[java-delegate] businessRuleTask 'work'")
    assert "topic 'DroolsDelegate'" in error["message"]


def test_a_business_rule_task_without_any_implementation_is_refused_as_in_camunda(api):
    body = api.deploy(_user_task_process('<bpmn:businessRuleTask id="work"/>'), expect=422)
    assert any(e["element"] == "work" and "decisionRef" in e["message"] for e in body["errors"])


def test_with_the_setting_a_java_business_rule_task_is_an_external_task(external_app):  # noqa: F811
    from tests.client import Api

    api = Api(external_app, ADMIN_TOKEN)
    api.deploy(RULES)
    inst = api.start("p", {"amount": 3})
    [task] = _fetch(api, "w1", [{"name": "DroolsDelegate", "lock_duration_ms": 60_000}])
    assert task["variables"]["amount"] == 3
    _call(api, task["id"], "complete", worker_id="w1", variables={"approved": True})
    assert api.instance(inst["id"])["variables"] == {"amount": 3, "approved": True}


def test_a_data_store_that_is_only_drawn_is_documentation(api):
    xml = _user_task_process(
        '<bpmn:userTask id="work"/><bpmn:dataStoreReference id="ref" dataStoreRef="ledger"/>',
        extra='<bpmn:dataStore id="ledger" name="Financial Accounting System"/>').replace(
        "</bpmn:process>", '<bpmn:association id="a1" sourceRef="ref" targetRef="work"/></bpmn:process>')
    api.deploy(xml)
    assert [t["activity"] for t in api.start("p")["tasks"]] == ["work"]


def test_an_empty_retry_cycle_leaves_the_default(api):
    api.deploy(_user_task_process('<bpmn:userTask id="work"><bpmn:extensionElements>'
                                  '<camunda:failedJobRetryTimeCycle/></bpmn:extensionElements></bpmn:userTask>'))
    assert [t["activity"] for t in api.start("p")["tasks"]] == ["work"]


def test_javascript_calling_java_or_a_method_not_offered_is_refused_at_deploy(api):
    body = api.deploy(_user_task_process(JS_TASK.replace('task.setVariable("created", task.getVariable("base") '
                                                         '+ doubled);', 'task.setOwner(approver);')), expect=422)
    assert any(e["element"] == "work" and "JavaScript cannot run here: it calls task.setOwner()" in e["message"]
               for e in body["errors"]), body
    body = api.deploy(_user_task_process(JS_TASK.replace("var r = doubled + 1;", "java.lang.System.exit(1);")),
                      expect=422)
    assert any(e["element"] == "work" and "it calls Java" in e["message"] for e in body["errors"]), body


INVOICE = corpus_dir() / "camunda7/camunda-7-code-examples/snippets/camunda-kpi-monitoring-demo/invoice" \
    / "src/main/resources"


@pytest.mark.skipif(not INVOICE.is_dir(), reason="the Camunda 7 corpus is not present (BPMN_SERVER_CORPUS)")
def test_the_kpi_demo_invoice_assigns_its_approver_with_javascript_task_listeners(external_app):  # noqa: F811
    """invoice.v1.bpmn as written: a create listener calls task.setAssignee(approver), an assignment listener
    task.setVariable('approver', task.getAssignee())."""
    import io

    from tests.client import Api

    api = Api(external_app, ADMIN_TOKEN)
    # The decision is in the namespace of a DMN 1.1 draft (…/20151101/dmn11.xsd), which the DMN reader does not
    # take: read here as DMN 1.1 (…/20151101/dmn.xsd), which it is otherwise.
    dmn = (INVOICE / "assign-approver-groups.dmn").read_bytes().replace(b"20151101/dmn11.xsd", b"20151101/dmn.xsd")
    files = [(io.BytesIO((INVOICE / "invoice.v1.bpmn").read_bytes()), "invoice.v1.bpmn"),
             (io.BytesIO(dmn), "assign-approver-groups.dmn")]
    r = api.client.post("/api/deployments", data={"file": files}, headers=api._headers(),
                        content_type="multipart/form-data")
    assert r.status_code in (200, 201), r.get_json()
    variables = {"amount": 30.0, "invoiceCategory": "Misc", "creditor": "Great Pizza", "invoiceNumber": "I-1"}

    known = api.start("invoice", {**variables, "approver": "mary"})
    [task] = api.instance(known["id"])["tasks"]
    row = api.get(f"/api/tasks/{task['id']}").get_json()
    assert (row["activity"], row["assignee"], row["candidate_groups"]) == ("approveInvoice", "mary", ["accounting"])
    assert api.instance(known["id"])["variables"]["approver"] == "mary"

    unknown = api.start("invoice", variables)
    [task] = api.instance(unknown["id"])["tasks"]
    assert api.get(f"/api/tasks/{task['id']}").get_json()["assignee"] is None
    bob = api.as_user("bob", "operator", ["accounting"])
    assert bob.post(f"/api/tasks/{task['id']}/claim").status_code == 200
    assert api.instance(unknown["id"])["variables"]["approver"] == "bob"
