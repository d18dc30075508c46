"""Camunda Spin's JSON API (issue 15): `S(...)` / `JSON(...)` in a JavaScript script and in JUEL conditions and
output mappings, end to end through the API; a Spin value set as a variable is stored as its JSON value. Spin XML
stays refused at deploy, and S() of XML text at run time is an incident naming Spin XML."""

from __future__ import annotations

import json

import pytest

from tests.conftest import DIAGRAMS, corpus_dir

ORDER = {"customer": {"name": "Kermit", "vip": True},
         "lines": [{"sku": "A-1", "price": 80}, {"sku": "B-2", "price": 45.5}]}


def test_a_script_and_a_condition_read_and_build_json_with_spin(api):
    api.deploy("c7_spin_json.bpmn")
    started = api.start("c7_spin_json", {"orderJson": json.dumps(ORDER)})
    assert started["status"] == "running", started
    v = started["variables"]
    # Built with S('{}').prop(...) and append(): stored as its JSON value, as the API shows it.
    assert v["summary"] == {"customer": "Kermit", "skus": ["A-1", "B-2"], "total": 125.5, "vip": True}
    assert v["lineCount"] == 2  # the script's value: elements().size()
    [task] = api.tasks(instance=started["id"])
    assert task["activity"] == "ReviewBig", task  # the JUEL condition: summary.prop("total").numberValue() > 100
    done = api.complete(task["id"])
    assert done["status"] == "completed", done
    assert done["variables"]["firstSku"] == "A-1"  # jsonPath("$.skus[0]").stringValue()
    assert done["variables"]["customerJson"] == {"name": "Kermit", "vip": True}  # a Spin node, as its JSON


def test_the_condition_takes_the_other_flow_for_a_small_order(api):
    api.deploy("c7_spin_json.bpmn")
    small = {"customer": {"name": "Gonzo"}, "lines": [{"sku": "C-3", "price": 9}]}
    started = api.start("c7_spin_json", {"orderJson": json.dumps(small)})
    assert started["variables"]["summary"] == {"customer": "Gonzo", "skus": ["C-3"], "total": 9, "vip": False}
    [task] = api.tasks(instance=started["id"])
    assert task["activity"] == "ReviewSmall", task


def test_spin_on_a_json_variable_given_as_an_object(api):
    api.deploy("c7_spin_json.bpmn")
    started = api.start("c7_spin_json", {"orderJson": ORDER})  # S() of a map works on a copy of it
    assert started["variables"]["summary"]["total"] == 125.5
    assert started["variables"]["orderJson"] == ORDER


def test_a_missing_property_is_an_incident_with_spins_message(api):
    api.deploy("c7_spin_json.bpmn")
    inst = api.start("c7_spin_json", {"orderJson": json.dumps({"lines": []})})
    [incident] = inst["incidents"]
    assert incident["activity"] == "Summarise" and "Unable to find 'customer'" in incident["message"], incident


def test_spin_xml_is_an_incident_naming_spin_xml_at_run_time(api):
    api.deploy("c7_spin_json.bpmn")
    inst = api.start("c7_spin_json", {"orderJson": "<order><customer/></order>"})
    [incident] = inst["incidents"]
    assert "Spin XML is not supported" in incident["message"], incident


def test_xml_is_refused_at_deploy_in_juel_and_in_javascript(api):
    xml = (DIAGRAMS / "c7_spin_json.bpmn").read_text()
    juel = xml.replace('${S(orderJson).prop("customer")}', '${XML(orderXml).toString()}')
    r = api.deploy(juel, expect=422)
    assert any(e["element"] == "ReviewBig" and "XML()" in e["message"] and "Spin XML" in e["message"]
               for e in r["errors"]), r
    js = xml.replace("var order = S(orderJson);", "var order = XML(orderJson);")
    r = api.deploy(js, expect=422)
    assert any(e["element"] == "Summarise" and "XML(" in e["message"] for e in r["errors"]), r


def test_a_javascript_syntax_error_with_a_result_variable_is_refused_at_deploy(api):
    xml = (DIAGRAMS / "c7_spin_json.bpmn").read_text().replace("var order = S(orderJson);", "var order = S(orderJson;")
    r = api.deploy(xml, expect=422)
    assert any(e["element"] == "Summarise" and "does not compile" in e["message"] for e in r["errors"]), r


JS_CONDITIONS = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="Defs_js_cond" targetNamespace="t">
  <bpmn:process id="c7_js_conditions" isExecutable="true">
    <bpmn:startEvent id="Start"><bpmn:outgoing>F1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:exclusiveGateway id="Check"><bpmn:incoming>F1</bpmn:incoming>
      <bpmn:outgoing>None</bpmn:outgoing><bpmn:outgoing>Some</bpmn:outgoing></bpmn:exclusiveGateway>
    <bpmn:userTask id="NoDuplicates">
      <bpmn:incoming>None</bpmn:incoming><bpmn:outgoing>E1</bpmn:outgoing></bpmn:userTask>
    <bpmn:userTask id="Duplicates">
      <bpmn:incoming>Some</bpmn:incoming><bpmn:outgoing>E2</bpmn:outgoing></bpmn:userTask>
    <bpmn:endEvent id="End"><bpmn:incoming>E1</bpmn:incoming><bpmn:incoming>E2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="E1" sourceRef="NoDuplicates" targetRef="End" />
    <bpmn:sequenceFlow id="E2" sourceRef="Duplicates" targetRef="End" />
    <bpmn:sequenceFlow id="F1" sourceRef="Start" targetRef="Check" />
    <bpmn:sequenceFlow id="None" sourceRef="Check" targetRef="NoDuplicates">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression" language="javaScript"
        >S(found).elements().length == 0;</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="Some" sourceRef="Check" targetRef="Duplicates">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression" language="Javascript"
        ><![CDATA[S(found).elements().length > 0]]></bpmn:conditionExpression>
    </bpmn:sequenceFlow>
  </bpmn:process>
</bpmn:definitions>"""


def test_javascript_conditions_with_spin_choose_the_flow(api):
    api.deploy(JS_CONDITIONS)
    for found, activity in (("[]", "NoDuplicates"), ('["R-1", "R-2"]', "Duplicates"), (["R-3"], "Duplicates")):
        inst = api.start("c7_js_conditions", {"found": found})
        assert [t["activity"] for t in api.tasks(instance=inst["id"])] == [activity], (found, inst)


def test_a_javascript_condition_that_gives_no_boolean_is_an_incident(api):
    api.deploy(JS_CONDITIONS.replace("S(found).elements().length == 0;", "S(found).elements().length;"))
    inst = api.start("c7_js_conditions", {"found": "[]"})
    [incident] = inst["incidents"]
    assert "not a boolean" in incident["message"], incident


def test_a_javascript_condition_that_does_not_compile_is_refused_at_deploy(api):
    r = api.deploy(JS_CONDITIONS.replace("S(found).elements().length == 0;", "S(found).elements(.length"),
                   expect=(422,))
    assert any(e["element"] == "None" and "JavaScript does not compile" in e["message"] for e in r["errors"]), r


SPIN_EXAMPLE = corpus_dir() / "camunda7/camunda-bpm-examples/spin/dataformat-configuration-global/src/main/resources"


@pytest.mark.skipif(not SPIN_EXAMPLE.is_dir(), reason="the Camunda 7 corpus is not present (BPMN_SERVER_CORPUS)")
def test_camundas_spin_example_reads_a_typed_variable_as_its_serialized_json(api):
    """The example's script as written: execution.getVariableTyped("car").getValueSerialized() is the variable's
    JSON text, which S() reads."""
    r = api.client.post("/api/deployments", data=(SPIN_EXAMPLE / "testProcess.bpmn").read_bytes(),
                        headers={**api._headers(), "Content-Type": "application/xml"})
    assert r.status_code == 201, r.get_json()
    started = api.start("testProcess", {"car": {"brand": "Fiat", "price": 9500.5}})
    assert started["variables"]["price"] == 9500.5, started
