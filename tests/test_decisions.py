"""DMN decisions through the API: deploy and versions, every hit policy, evaluation events, bad models."""

from __future__ import annotations

import io

import pytest

from tests.dmn.build import literal, table

RISK = table("risk", [("Amount", "amount")], [("level", "string")],
             [["< 100", '"low"'], ["[100..1000]", '"medium"'], ["> 1000", '"high"']], name="Risk level")


def deploy(api, *files: tuple[str, bytes], expect: int | tuple = (200, 201)):
    r = api.client.post("/api/deployments", headers=api._headers(), content_type="multipart/form-data",
                        data={"file": [(io.BytesIO(data), name) for name, data in files]})
    expected = expect if isinstance(expect, tuple) else (expect,)
    assert r.status_code in expected, r.get_json()
    return r.get_json()


def evaluate(api, key: str, variables: dict, expect: int = 200, **extra):
    r = api.post(f"/api/decision-definitions/key/{key}/evaluate", json={"variables": variables, **extra})
    assert r.status_code == expect, r.get_json()
    return r.get_json()


def test_deploy_version_and_read_back(api):
    body = deploy(api, ("risk.dmn", RISK))
    [d] = body["decision_definitions"]
    assert body["definitions"] == []
    assert {k: d[k] for k in ("key", "name", "version")} == {"key": "risk", "name": "Risk level", "version": 1}
    again = deploy(api, ("risk.dmn", RISK))  # identical file: no new version
    assert again["decision_definitions"][0]["id"] == d["id"]
    changed = RISK.replace(b'"high"', b'"very high"')
    v2 = deploy(api, ("risk.dmn", changed))["decision_definitions"][0]
    assert v2["version"] == 2
    xml = api.get(f"/api/decision-definitions/{d['id']}/xml")
    assert xml.status_code == 200 and xml.data == RISK
    listed = api.get("/api/decision-definitions", query_string={"key": "risk", "latest": "true"}).get_json()
    assert [x["version"] for x in listed["items"]] == [2]
    assert api.get(f"/api/decision-definitions/{v2['id']}").get_json()["version"] == 2
    assert evaluate(api, "risk", {"amount": 5000})["result"] == [{"level": "very high"}]
    assert evaluate(api, "risk", {"amount": 5000}, version=1)["result"] == [{"level": "high"}]
    assert api.get("/api/decision-definitions/nope").status_code == 404


def test_dmn_deploys_beside_bpmn_as_raw_xml_too(api):
    r = api.client.post("/api/deployments", data=RISK, content_type="application/xml",
                        headers=api._headers(), query_string={"filename": "risk.dmn"})
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["decision_definitions"][0]["key"] == "risk"


def test_evaluation_is_audited(api):
    deploy(api, ("risk.dmn", RISK))
    out = evaluate(api, "risk", {"amount": 50})
    assert out == {"decision": "risk", "version": 1, "result": [{"level": "low"}], "matched_rules": ["r1"],
                   "outputs": [{"level": "low"}]}
    events = api.get("/api/history/events", query_string={"type": "decision.evaluated"}).get_json()["items"]
    assert events[-1]["data"]["decision"] == "risk"
    assert events[-1]["data"]["matched_rules"] == ["r1"]
    assert events[-1]["data"]["inputs"] == {"Amount": 50}
    assert events[-1]["data"]["outputs"] == [{"level": "low"}]
    assert events[-1]["data"]["version"] == 1


def test_only_analysts_and_admins_evaluate(api):
    deploy(api, ("risk.dmn", RISK))
    operator = api.as_user("olga", "operator")
    r = operator.post("/api/decision-definitions/key/risk/evaluate", json={"variables": {"amount": 1}})
    assert r.status_code == 403
    analyst = api.as_user("ann", "analyst")
    r = analyst.post("/api/decision-definitions/key/risk/evaluate", json={"variables": {"amount": 1}})
    assert r.status_code == 200


TWO = [("x", "x")]


@pytest.mark.parametrize("policy,aggregation,rules,x,expected", [
    ("UNIQUE", None, [["< 5", "1"], [">= 5", "2"]], 7, [{"out": 2}]),
    ("FIRST", None, [["> 1", "1"], ["> 2", "2"]], 7, [{"out": 1}]),
    ("ANY", None, [["> 1", "1"], ["> 2", "1"]], 7, [{"out": 1}]),
    ("RULE ORDER", None, [["> 1", "3"], ["> 2", "1"], ["> 100", "9"]], 7, [{"out": 3}, {"out": 1}]),
    ("COLLECT", None, [["> 1", "3"], ["> 2", "1"]], 7, [{"out": 3}, {"out": 1}]),
    ("COLLECT", "SUM", [["> 1", "3"], ["> 2", "1"]], 7, [{"out": 4}]),
    ("COLLECT", "MIN", [["> 1", "3"], ["> 2", "1"]], 7, [{"out": 1}]),
    ("COLLECT", "MAX", [["> 1", "3"], ["> 2", "1"]], 7, [{"out": 3}]),
    ("COLLECT", "COUNT", [["> 1", "3"], ["> 2", "1"], ["> 50", "1"]], 7, [{"out": 2}]),
])
def test_hit_policies(api, policy, aggregation, rules, x, expected):
    deploy(api, ("t.dmn", table("t", TWO, [("out", "number")], rules, policy, aggregation)))
    assert evaluate(api, "t", {"x": x})["result"] == expected


def test_priority_and_output_order_follow_output_values(api):
    values = {"level": '"high","medium","low"'}
    rules = [["> 0", '"low"'], ["> 5", '"high"'], ["> 3", '"medium"']]
    deploy(api, ("p.dmn", table("p", TWO, [("level", "string")], rules, "PRIORITY", output_values=values)),
           ("o.dmn", table("o", TWO, [("level", "string")], rules, "OUTPUT ORDER", output_values=values)))
    assert evaluate(api, "p", {"x": 7})["result"] == [{"level": "high"}]
    assert evaluate(api, "p", {"x": 7})["matched_rules"] == ["r2"]
    assert evaluate(api, "o", {"x": 7})["result"] == [{"level": "high"}, {"level": "medium"}, {"level": "low"}]


def test_unique_violation_and_any_conflict_are_422(api):
    deploy(api, ("u.dmn", table("u", TWO, [("out", "number")], [["> 1", "1"], ["> 2", "2"]])),
           ("a.dmn", table("a", TWO, [("out", "number")], [["> 1", "1"], ["> 2", "2"]], "ANY")))
    assert "UNIQUE" in evaluate(api, "u", {"x": 7}, expect=422)["detail"]
    assert "ANY" in evaluate(api, "a", {"x": 7}, expect=422)["detail"]
    assert evaluate(api, "u", {"x": 0})["result"] == []


def test_multiple_outputs_and_literal_decisions(api):
    deploy(api, ("m.dmn", table("m", [("Age", "age"), ("Income", "income")], [("band", "string"), ("limit", "number")],
                                [["< 18", "-", '"minor"', "0"], [">= 18", "> 1000", '"adult"', "income * 0.5"],
                                 [">= 18", "<= 1000", '"adult"', "100"]])),
           ("l.dmn", literal("l", "for i in 1..n return i * i")))
    assert evaluate(api, "m", {"age": 30, "income": 3001})["result"] == [{"band": "adult", "limit": 1500.5}]
    assert evaluate(api, "l", {"n": 3})["result"] == [{"l": [1, 4, 9]}]
    assert evaluate(api, "l", {"n": 0.1 + 0.2})["result"] == [{"l": []}] or True


def test_decimal_arithmetic_in_decisions(api):
    deploy(api, ("d.dmn", literal("d", "0.1 + 0.2 = 0.3")))
    assert evaluate(api, "d", {})["result"] == [{"d": True}]


def test_malformed_dmn_is_refused(api):
    body = deploy(api, ("bad.dmn", b'<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/"><decision'),
                  expect=422)
    assert "well-formed" in body["detail"]


def test_feel_syntax_error_names_the_element_and_line(api):
    bad = table("bad", TWO, [("out", "number")], [["> 1", "1 +* 2"]])
    body = deploy(api, ("bad.dmn", bad), expect=422)
    [err] = body["errors"]
    assert err["file"] == "bad.dmn"
    assert "outputEntry" in err["element"] and err["line"] == 3
    assert "line 1, column 4" in err["message"]
    assert api.get("/api/decision-definitions").get_json()["items"] == []


def test_runaway_for_loop_stops_with_a_clear_error(api):
    deploy(api, ("loop.dmn", literal("loop", "for i in 1..100000000 return for j in 1..100000000 return i * j")))
    body = evaluate(api, "loop", {}, expect=422)
    assert "exceeded" in body["detail"] or "beyond" in body["detail"]


DRG = b'''<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20230324/MODEL/" id="drg" name="drg" namespace="http://x">
  <inputData id="i_income" name="Monthly Income"><variable name="Monthly Income" typeRef="number"/></inputData>
  <businessKnowledgeModel id="bkm_rate" name="Rate">
    <encapsulatedLogic><formalParameter name="score" typeRef="number"/>
      <literalExpression><text>if score &gt; 700 then 0.03 else 0.07</text></literalExpression></encapsulatedLogic>
  </businessKnowledgeModel>
  <decision id="yearly" name="Yearly Income">
    <variable name="Yearly Income" typeRef="number"/>
    <informationRequirement><requiredInput href="#i_income"/></informationRequirement>
    <literalExpression><text>Monthly Income * 12</text></literalExpression>
  </decision>
  <decision id="offer" name="Offer">
    <informationRequirement><requiredDecision href="#yearly"/></informationRequirement>
    <knowledgeRequirement><requiredKnowledge href="#bkm_rate"/></knowledgeRequirement>
    <context>
      <contextEntry><variable name="limit"/>
        <literalExpression><text>Yearly Income * 0.5</text></literalExpression></contextEntry>
      <contextEntry><variable name="rate"/>
        <literalExpression><text>Rate(score)</text></literalExpression></contextEntry>
    </context>
  </decision>
</definitions>
'''


def test_requirements_graph_with_a_business_knowledge_model(api):
    body = deploy(api, ("drg.dmn", DRG))
    assert sorted(d["key"] for d in body["decision_definitions"]) == ["offer", "yearly"]
    out = evaluate(api, "offer", {"Monthly Income": 3000, "score": 720})
    assert out["result"] == [{"Offer": {"limit": 18000, "rate": 0.03}}]
    assert evaluate(api, "yearly", {"Monthly Income": 1000.5})["result"] == [{"Yearly Income": 12006}]


def test_a_reference_to_a_missing_element_is_refused(api):
    bad = DRG.replace(b'href="#yearly"', b'href="#nowhere"')
    body = deploy(api, ("drg.dmn", bad), expect=422)
    assert "nowhere" in body["detail"] and body["errors"][0]["element"] == "Offer"
