"""`${execution.setVariable(...)}` in expressions (issue 15): Camunda's way of writing a variable from an
expression listener; getVariable reads, removeVariable removes; setVariableLocal stays refused at deploy."""

from __future__ import annotations

from tests.conftest import DIAGRAMS


def test_expression_listeners_set_and_remove_variables(api):
    api.deploy("juel_set_variable.bpmn")
    started = api.start("juel_set_variable", {"scratch": "temporary"})
    assert started["variables"]["counter"] == 2  # the start event's end listener, then the task's start listener
    [task] = api.tasks(instance=started["id"])
    done = api.complete(task["id"], {"decision": "yes"})
    assert done["status"] == "completed", done
    v = done["variables"]
    assert v["verdict"] == "approved" and v["completed_by_listener"] is True
    assert v["taken"] == 20
    assert "scratch" not in v


def test_set_variable_local_is_refused_at_deploy_naming_the_element(api):
    xml = (DIAGRAMS / "juel_set_variable.bpmn").read_bytes().replace(
        b"execution.setVariable('counter', 1)", b"execution.setVariableLocal('counter', 1)")
    r = api.deploy(xml, expect=422)
    assert any(e["element"] == "Start" and "setVariableLocal" in e["message"] for e in r["errors"]), r


def test_a_variable_name_an_expression_may_not_set_is_an_incident_at_that_element(api):
    xml = (DIAGRAMS / "juel_set_variable.bpmn").read_bytes().replace(
        b"execution.setVariable('counter', 1)", b"execution.setVariable('_hidden', 1)")
    api.deploy(xml)
    inst = api.start("juel_set_variable", {})
    [incident] = inst["incidents"]
    assert incident["activity"] == "Start" and "'_hidden' cannot be a variable name" in incident["message"], incident


def test_a_service_task_expression_without_a_bean_runs_as_camunda_runs_it(api):
    api.deploy("c7ext_expression_task.bpmn")
    done = api.start("c7ext_expression_task", {"amount": 21})
    assert done["status"] == "completed", done
    assert done["variables"] == {"amount": 21, "foo": "bar", "total": 42}


def test_a_service_task_expression_calling_a_bean_is_still_refused_as_java(api):
    xml = (DIAGRAMS / "c7ext_expression_task.bpmn").read_bytes().replace(b"#{true}", b"#{orderBean.applyRules()}")
    r = api.deploy(xml, expect=422)
    assert [e["element"] for e in r["errors"]] == ["Placeholder"] and "[java-delegate]" in r["errors"][0]["message"]
