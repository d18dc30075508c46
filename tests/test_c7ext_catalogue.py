"""Every type and property of Camunda 7's extension schema is classified (runs, refused or harmless),
none is left unclassified or "ignored"; refused ones are named at deploy."""

from __future__ import annotations

from pathlib import Path

import pytest

from bpmn_server.engine.camunda_catalogue import CATALOGUE, Status
from tests.conformance import camunda_schema


@pytest.fixture(scope="session")
def descriptor(tmp_path_factory: pytest.TempPathFactory) -> dict:
    found = camunda_schema.fetch(Path(tmp_path_factory.mktemp("npm")))
    if isinstance(found, str):
        pytest.skip(found)
    return found


def test_every_type_and_property_is_classified(descriptor):
    names = camunda_schema.names(descriptor)
    assert len(descriptor["types"]) >= 48 and len(names) - len(descriptor["types"]) >= 134
    missing = [n for n in names if n not in CATALOGUE]
    assert missing == [], f"unclassified Camunda extensions: {missing}"
    statuses = {CATALOGUE[n][0] for n in names}
    assert statuses <= set(Status) and "ignored" not in {s.value for s in statuses}
    assert all(CATALOGUE[n][1].strip() for n in names)  # each with what it does or why not
    stale = sorted(set(CATALOGUE) - set(names))
    assert stale == [], f"catalogue entries the schema does not have: {stale}"


def test_a_refused_extension_gets_a_422_naming_element_and_extension(api):
    xml = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="D" targetNamespace="t">
  <bpmn:process id="c7ext_refused_attrs" isExecutable="true">
    <bpmn:startEvent id="Start"><bpmn:outgoing>F1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:callActivity id="Call" calledElement="c7ext_refused_attrs" camunda:calledElementVersion="3"
        camunda:variableMappingClass="com.example.Mapping">
      <bpmn:incoming>F1</bpmn:incoming><bpmn:outgoing>F2</bpmn:outgoing>
    </bpmn:callActivity>
    <bpmn:endEvent id="End"><bpmn:incoming>F2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="F1" sourceRef="Start" targetRef="Call" />
    <bpmn:sequenceFlow id="F2" sourceRef="Call" targetRef="End" />
  </bpmn:process>
</bpmn:definitions>"""
    r = api.deploy(xml, expect=422)
    messages = [e["message"] for e in r["errors"] if e["element"] == "Call"]
    assert any("camunda:calledElementVersion" in m for m in messages), r
    assert any("camunda:variableMappingClass" in m and "Java" in m for m in messages), r


def test_incomplete_mappings_are_refused_naming_what_is_missing(api):
    xml = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="D" targetNamespace="t">
  <bpmn:process id="c7ext_incomplete" isExecutable="true">
    <bpmn:startEvent id="Start"><bpmn:outgoing>F1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:callActivity id="Call" calledElement="c7ext_incomplete">
      <bpmn:extensionElements>
        <camunda:in target="x" />
        <camunda:out sourceExpression="${a}" />
        <camunda:inputOutput>
          <camunda:inputParameter>1</camunda:inputParameter>
          <camunda:outputParameter name="m">
            <camunda:map><camunda:entry>v</camunda:entry></camunda:map>
          </camunda:outputParameter>
        </camunda:inputOutput>
      </bpmn:extensionElements>
      <bpmn:incoming>F1</bpmn:incoming><bpmn:outgoing>F2</bpmn:outgoing>
    </bpmn:callActivity>
    <bpmn:endEvent id="End"><bpmn:incoming>F2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="F1" sourceRef="Start" targetRef="Call" />
    <bpmn:sequenceFlow id="F2" sourceRef="Call" targetRef="End" />
  </bpmn:process>
</bpmn:definitions>"""
    r = api.deploy(xml, expect=422)
    messages = " | ".join(e["message"] for e in r["errors"] if e["element"] == "Call")
    for expected in ("[camunda:in] needs source", "[camunda:out] a sourceExpression needs a target",
                     "[camunda:inputParameter] needs a name", "[camunda:entry] needs a key"):
        assert expected in messages, r
