"""Process owners, review cadence, reviews and feedback from the point of work."""

from __future__ import annotations

import datetime as dt

from tests.client import DIAGRAMS

OWNED = (DIAGRAMS / "gov_review.bpmn").read_text().replace(
    '<bpmn:process id="gov_review" name="Governed review" isExecutable="true">',
    '<bpmn:process id="gov_review" name="Governed review" isExecutable="true"><bpmn:extensionElements>'
    '<camunda:properties><camunda:property name="owner" value="olga"/>'
    '<camunda:property name="review_every" value="P90D"/></camunda:properties></bpmn:extensionElements>')


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def test_owner_from_the_diagram_a_review_and_an_overdue_review(app, api):
    api.deploy(OWNED)
    api.deploy("core_parallel_tasks.bpmn")
    olga = api.as_user("olga", "analyst")
    process = api.get("/api/processes/gov_review").get_json()
    assert process["owner"] == "olga" and process["review_every"] == "P90D" and process["review_due"] is False

    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=91)
    due = api.get("/api/processes", query_string={"review_due": "true", "due_by": _iso(later)}).get_json()
    assert [p["key"] for p in due["items"]] == ["gov_review"]  # the other one has no interval
    assert api.get("/api/processes", query_string={"review_due": "true"}).get_json()["items"] == []

    # Only the owner (or an admin) records a review; it moves the next one 90 days on.
    assert api.as_user("otto", "operator").post("/api/processes/gov_review/reviews", {"note": "x"}).status_code == 403
    r = olga.post("/api/processes/gov_review/reviews", {"note": "still matches how we work"})
    assert r.status_code == 201 and r.get_json()["last_reviewed_by"] == "olga"
    due_at = dt.datetime.fromisoformat(r.get_json()["review_due_at"].replace("Z", "+00:00"))
    assert dt.timedelta(days=89) < due_at - dt.datetime.now(dt.UTC) <= dt.timedelta(days=90)
    [event] = api.get("/api/history/events", query_string={"type": "process.reviewed"}).get_json()["items"]
    assert event["actor"] == "olga" and event["process"] == "gov_review"
    assert event["data"]["note"] == "still matches how we work"

    from bpmn_server.services.owners import owner_of

    with app.app_context():
        assert owner_of("gov_review") == "olga" and owner_of("core_parallel_tasks") is None
        assert owner_of("nope") is None


def test_an_admin_sets_owner_and_interval(api):
    api.deploy("core_parallel_tasks.bpmn")
    r = api.patch("/api/processes/core_parallel_tasks", {"owner": "finance", "review_every": "P6M"})
    assert r.status_code == 200 and r.get_json()["owner"] == "finance" and r.get_json()["review_every"] == "P6M"
    # A group owner: any member records the review.
    fiona = api.as_user("fiona", "operator", ["finance"])
    assert fiona.post("/api/processes/core_parallel_tasks/reviews", {}).status_code == 201
    bad = api.patch("/api/processes/core_parallel_tasks", {"review_every": "90 days"})
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["field"] == "review_every"
    assert api.patch("/api/processes/nope", {"owner": "x"}).status_code == 404
    analyst = api.as_user("anna", "analyst")
    assert analyst.patch("/api/processes/core_parallel_tasks", {"owner": "anna"}).status_code == 403
    assert api.patch("/api/processes/core_parallel_tasks", {"owner": None}).get_json()["owner"] is None


def test_feedback_on_a_step_reaches_the_owner(api):
    api.deploy(OWNED)
    olga = api.as_user("olga", "operator")
    clerk = api.as_user("carl", "operator", ["clerks"])
    task = clerk.start("gov_review", {"amount": 3})["tasks"][0]
    r = clerk.post("/api/processes/gov_review/feedback", {"activity": task["activity"],
                                                          "text": "the review needs the customer's file"})
    assert r.status_code == 201, r.get_json()
    given = r.get_json()
    assert given["author"] == "carl" and given["activity"] == "review"

    inbox = olga.get("/api/processes/gov_review/feedback").get_json()["items"]
    assert [(f["activity"], f["text"], f["author"]) for f in inbox] == [
        ("review", "the review needs the customer's file", "carl")]
    assert clerk.get("/api/processes/gov_review/feedback").status_code == 403  # not the owner
    [event] = api.get("/api/history/events", query_string={"type": "process.feedback"}).get_json()["items"]
    assert event["activity"] == "review" and event["data"]["owner"] == "olga" and event["actor"] == "carl"

    r = clerk.post("/api/processes/gov_review/feedback", {"activity": "ghost", "text": "x"})
    assert r.status_code == 422 and r.get_json()["errors"][0]["element"] == "ghost"
    r = clerk.post("/api/processes/gov_review/feedback", {"activity": "review", "text": " "})
    assert r.status_code == 422 and r.get_json()["errors"][0]["field"] == "text"
    assert clerk.post("/api/processes/nope/feedback", {"text": "x"}).status_code == 404
