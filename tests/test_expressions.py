"""Conditions as Camunda Modeler writes them (`${...}` with JUEL operators) and as plain Python.

`core_expressions.bpmn` has an inclusive gateway with one outgoing flow per expression; the script behind
each flow sets `hit_<name>`, so the variables of the finished instance say which conditions were true.
"""

from __future__ import annotations

from xml.sax.saxutils import escape

import pytest

from tests.client import DIAGRAMS

ALL = {"gt", "not_bang", "and_amp", "or_pipe", "eq_string", "ne_bang", "words_cmp", "words_more", "not_word",
       "empty_list", "not_empty", "is_null", "booleans", "python", "amp_in_string"}


def hits(inst: dict) -> set[str]:
    return {k.removeprefix("hit_") for k, v in inst["variables"].items() if k.startswith("hit_") and v is True}


def test_every_operator_when_true(api):
    api.deploy("core_expressions.bpmn")
    inst = api.start("core_expressions", {
        "amount": 600, "approved": False, "a": True, "b": False, "x": "y", "count": 2, "level": 2,
        "rejected": False, "items": [], "note": None, "flag": True, "done": False, "text": "a && b"})
    assert inst["status"] == "completed", inst["incidents"]
    assert hits(inst) == ALL - {"and_amp", "not_empty"}


def test_every_operator_when_false(api):
    api.deploy("core_expressions.bpmn")
    inst = api.start("core_expressions", {
        "amount": 50, "approved": True, "a": True, "b": True, "x": "z", "count": 3, "level": 2,
        "rejected": False, "items": [1], "note": "hi", "flag": False, "done": False, "text": "a and b"})
    assert inst["status"] == "completed", inst["incidents"]
    assert hits(inst) == {"and_amp", "or_pipe", "not_empty"}


def _with_condition(condition: str) -> bytes:
    """core_approval.bpmn (a user task behind `${amount > 500}`, else the default flow) with another condition."""
    xml = (DIAGRAMS / "core_approval.bpmn").read_text()
    old = "${amount &gt; 500}"
    assert old in xml
    return xml.replace(old, escape(condition)).encode()


@pytest.mark.parametrize("condition, variables, expected", [
    ("${amount > 500}", {"amount": 501}, True),
    ("${amount > 500}", {"amount": 500}, False),
    ("${amount >= 500 && amount <= 600}", {"amount": 500}, True),
    ("${amount < 10 || amount == 500}", {"amount": 500}, True),
    ("${!(amount > 10)}", {"amount": 500}, False),
    ("${amount ge 500 and not (amount gt 500)}", {"amount": 500}, True),
    ("${amount mod 2 eq 0}", {"amount": 500}, True),
    ("${empty customer['name']}", {"amount": 1, "customer": {"name": ""}}, True),
    ("${empty customer['tags'] and amount lt 5}", {"amount": 1, "customer": {"tags": []}}, True),
    ("${empty order}", {"amount": 1, "order": None}, True),
    ("${order > 1}", {"amount": 1, "order": 2}, True),  # `or` inside a name is not an operator
    ("${android == 'yes'}", {"amount": 1, "android": "yes"}, True),
    ("${note == 'not empty and true'}", {"amount": 1, "note": "not empty and true"}, True),
    ("${note == 'two  spaces'}", {"amount": 1, "note": "two  spaces"}, True),
    ("${note == \"it's\"}", {"amount": 1, "note": "it's"}, True),
    ("#{amount > 1}", {"amount": 2}, True),
    ("amount > 500 and customer['vip']", {"amount": 900, "customer": {"vip": True}}, True),
    ("len(items) == 2 and 'b' in items", {"amount": 1, "items": ["a", "b"]}, True),
    ("  ${amount > 5}  ", {"amount": 6}, True),
])
def test_one_condition(api, condition, variables, expected):
    api.deploy(_with_condition(condition))
    inst = api.start("core_approval", variables)
    assert inst["status"] == "running" if expected else "completed", inst["incidents"]
    assert [t["activity"] for t in inst["tasks"]] == (["Activity_approve"] if expected else [])


def test_a_condition_that_reaches_outside_the_sandbox_is_refused_at_deploy(api):
    r = api.client.post("/api/deployments", data=_with_condition("${amount.__class__ == 1}"),
                        content_type="application/xml", headers={"Authorization": f"Bearer {api.token}"})
    assert r.status_code == 422
    assert [e["element"] for e in r.get_json()["errors"]] == ["Flow_big"]
