"""The 301 betsy constraint models are refused at deploy, each with the rule it breaks; valid diagrams are not.

Deploy-time checks run through the engine function the deployment service calls (`parse_definitions`), so
the 440 files take well under a second; a handful go through the HTTP API to show what a user sees.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import pytest

from bpmn_server import engine
from bpmn_server.engine.validator_catalogue import NOT_ENFORCED, RULE_CATALOGUE, constraints_of
from tests.conformance.corpus import BETSY, constraint_tests, execution_diagrams, expects_error, needs_corpus

pytestmark = [pytest.mark.conformance, needs_corpus]

RULE = re.compile(r"(?:^|; )\[([a-z][a-z0-9-]*)\] ")  # a rule id opens a message or a merged part
# Models whose only defect is a constraint the server deliberately does not enforce (see NOT_ENFORCED).
EXEMPT = {
    "EXT012_7_failure_timerEvent_timeCycle": "EXT.012 (timers)",
    "EXT012_8_failure_timerEvent_timeDate": "EXT.012 (timers)",
    "EXT012_9_failure_timerEvent_timeDuration": "EXT.012 (timers)",
    "EXT103_1_Fail": "EXT.103",
    "EXT113_1_failure_noSeqFlow": "EXT.113",
    **{f"EXT128_{n}": "EXT.128" for n in ("1_failure_boundary", "2_failure_endEvent", "3_failure_intCatch",
                                           "4_failure_intThrow", "5_failure_startEvent")},
}


def _constraint(test: dict[str, Any]) -> str:
    """betsy's construct (EXT002, REF) in the catalogue's spelling (EXT.002, REF)."""
    construct = test["construct"]
    return f"EXT.{construct[3:]}" if construct.startswith("EXT") else construct


@cache
def _deploy(relative: str) -> tuple[str, list[dict[str, Any]]]:
    """('deployed' | 'invalid' | 'malformed', errors) for a corpus file, as the deployment service sees it."""
    try:
        engine.parse_definitions((BETSY / relative).read_bytes(), relative.rsplit("/", 1)[-1], lambda key: None)
    except engine.BpmnInvalid as exc:
        return "invalid", list(exc.errors or [])
    except engine.BpmnMalformed as exc:
        return "malformed", list(exc.errors or [])
    return "deployed", []


def _rules(errors: list[dict[str, Any]]) -> set[str]:
    return {rule for e in errors for rule in RULE.findall(e["message"])}


def _refused_with_rule(test: dict[str, Any]) -> bool:
    outcome, errors = _deploy(test["file"])
    return outcome == "invalid" and any(_constraint(test) in constraints_of(r) for r in _rules(errors))


@pytest.mark.parametrize("test", constraint_tests(), ids=lambda t: t["name"])
def test_constraint_model_is_refused_with_the_rule_it_breaks(test):
    if test["name"] in EXEMPT:
        pytest.xfail(f"not enforced: {NOT_ENFORCED[EXEMPT[test['name']]]}")
    outcome, errors = _deploy(test["file"])
    assert outcome == "invalid", f"{test['file']} was {outcome}, expected a 422"
    assert all({"line", "element", "message"} <= set(e) for e in errors)
    rules = _rules(errors)
    assert rules <= set(RULE_CATALOGUE), f"undocumented rule ids {rules - set(RULE_CATALOGUE)}"
    assert _refused_with_rule(test), f"{_constraint(test)} not named; got {sorted(rules)}: {errors}"


def test_at_least_95_percent_of_constraint_models_are_refused_with_the_right_rule():
    tests = constraint_tests()
    right = [t["name"] for t in tests if _refused_with_rule(t)]
    assert len(tests) == 301
    assert sorted(set(t["name"] for t in tests) - set(right)) == sorted(EXEMPT)
    assert len(right) / len(tests) >= 0.95, f"{len(right)} of {len(tests)}"


@pytest.mark.parametrize("relative", execution_diagrams())
def test_betsy_execution_diagram_conforms(relative):
    errors = engine.conformance_errors((BETSY / relative).read_bytes())
    if expects_error(relative):
        # The faulty models that expect a generic ERROR (zero quantities, negative loop bounds) are refused.
        assert errors and _rules(errors) <= {"activity-quantity", "loop-maximum", "multi-instance"}, errors
    else:
        assert errors == []


HTTP_CASES = [  # (file, element that must be named or None, rule)
    ("bpmn_constraints/EXT096/EXT096_1_Fail.bpmn", "_2", "start-event-incoming"),
    ("bpmn_constraints/EXT104/EXT104_1_fail.bpmn", None, "end-event-outgoing"),
    ("bpmn_constraints/REF/REF_13.bpmn", "_7", "reference-type"),  # a boundary event attached to a pool
    ("bpmn_constraints/EXT002/EXT002_1_Fail_duplicate_ID.bpmn", "DUPLICATE", "duplicate-id"),
    ("bpmn_constraints/EXT029/EXT029_1_failure.bpmn", None, "participant-multiplicity"),
    ("bpmn_constraints/EXT135/EXT135_1_fail.bpmn", None, "gateway-flows"),
]


def test_a_refused_model_is_a_422_naming_rule_and_element(api):
    """One client for all cases: the database setup dominates the cost of an HTTP test."""
    for relative, element, rule in HTTP_CASES:
        r = api.client.post("/api/deployments", data=(BETSY / relative).read_bytes(),
                            content_type="application/xml", headers={"Authorization": f"Bearer {api.token}"})
        assert r.status_code == 422, relative
        assert r.content_type == "application/problem+json"
        hits = [e for e in r.get_json()["errors"] if f"[{rule}]" in e["message"]]
        assert hits, (relative, r.get_json())
        assert all(isinstance(e["line"], int) for e in hits)
        if element:
            assert element in [e["element"] for e in hits], relative
    assert api.get("/api/process-definitions").get_json()["items"] == []
