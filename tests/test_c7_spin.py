"""Camunda Spin's JSON API (issue 15): `S(...)` / `JSON(...)` in a JavaScript script and in JUEL conditions and
output mappings, end to end through the API; a Spin value set as a variable is stored as its JSON value. Spin XML
stays refused at deploy, and S() of XML text at run time is an incident naming Spin XML."""

from __future__ import annotations

import json

from tests.conftest import DIAGRAMS

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
