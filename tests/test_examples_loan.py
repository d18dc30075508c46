"""processes/loan_application.bpmn with processes/loan_policy.dmn, as the README's tour shows them."""

from __future__ import annotations

import io
from pathlib import Path

PROCESSES = Path(__file__).resolve().parent.parent / "processes"


def _deploy(api):
    files = [(io.BytesIO((PROCESSES / n).read_bytes()), n) for n in ("loan_policy.dmn", "loan_application.bpmn")]
    r = api.client.post("/api/deployments", data={"file": files}, headers=api._headers(),
                        content_type="multipart/form-data")
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def test_loan_policy_decides_and_the_history_says_why(api):
    body = _deploy(api)
    assert [d["key"] for d in body["decision_definitions"]] == ["loan_policy"]
    approved = api.start("loan_application", {"credit_score": 720, "amount": 20000, "monthly_income": 4000})
    assert approved["status"] == "completed"
    assert approved["variables"]["policy"] == {"decision": "approve", "reason": "within policy"}
    declined = api.start("loan_application", {"credit_score": 720, "amount": 60000, "monthly_income": 4000})
    assert declined["status"] == "completed" and declined["variables"]["policy"]["decision"] == "decline"
    [event] = [e for e in api.history(declined["id"]) if e["type"] == "decision.evaluated"]
    assert event["data"]["matched_rules"] == ["Rule_too_large"]
    assert event["data"]["outputs"] == [{"decision": "decline", "reason": "amount above one year's income"}]
    referred = api.start("loan_application", {"credit_score": 600, "amount": 10000, "monthly_income": 4000})
    assert [t["activity"] for t in referred["tasks"]] == ["Task_underwriter"]
