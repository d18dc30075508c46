"""The web pages through Flask's test client: login, CSRF, role checks, the task form, repairs,
uploads, exports and the dashboard. (tests/test_web_browser.py walks the same pages in Chromium.)"""

from __future__ import annotations

import datetime as dt
import html
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.client import DIAGRAMS, Api

CSRF = re.compile(r'name="csrf-token" content="([^"]+)"')


class Pages:
    """A browser stand-in: a session cookie, and the CSRF token of the last page it read."""

    def __init__(self, app: Any, token: str | None = None):
        self.client = app.test_client()
        self.csrf = ""
        if token:
            r = self.post("/ui/login", {"token": token})
            assert r.status_code == 303, r.get_data(as_text=True)
            self.get(r.headers["Location"])  # the page after login carries the session's new token

    def get(self, url: str, **kw: Any) -> Any:
        r = self.client.get(url, **kw)
        found = CSRF.search(r.get_data(as_text=True)) if r.mimetype == "text/html" else None
        if found:
            self.csrf = found.group(1)
        return r

    def post(self, url: str, data: dict[str, Any] | None = None, csrf: bool = True, **kw: Any) -> Any:
        if not self.csrf:
            self.get("/ui/login")
        form = dict(data or {})
        if csrf:
            form["csrf_token"] = self.csrf
        return self.client.post(url, data=form, **kw)

    def text(self, url: str, status: int = 200) -> str:
        r = self.get(url)
        assert r.status_code == status, r.get_data(as_text=True)[:2000]
        return html.unescape(r.get_data(as_text=True))


def change_forms(page: str) -> list[str]:
    """The forms on a page that would change something (everything but logging out)."""
    return [f for f in re.findall(r"<form[^>]*>", page) if 'method="post"' in f and "logout" not in f]


def test_login_uses_a_strict_http_only_cookie_without_the_token(app, api):
    pages = Pages(app)
    r = pages.get("/ui/tasks")
    assert r.status_code == 303 and r.headers["Location"].startswith("/ui/login")
    assert pages.post("/ui/login", {"token": "wrong"}).status_code == 401
    assert pages.post("/ui/login", {"token": api.token}, csrf=False).status_code == 403
    r = pages.post("/ui/login", {"token": api.token})
    assert r.status_code == 303
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and api.token not in cookie
    page = pages.text("/ui/dashboard")
    assert "admin" in page and "Content-Security-Policy" in pages.get("/ui/dashboard").headers
    assert pages.post("/ui/logout").status_code == 303
    assert pages.get("/ui/dashboard").status_code == 303
    # A link from another site comes without the Strict cookie: the page reloads itself once, same-site,
    # instead of sending the user to a login that would replace their session.
    r = app.test_client().get("/ui/tasks", headers={"Sec-Fetch-Site": "cross-site"})
    assert r.status_code == 200 and 'http-equiv="refresh"' in r.get_data(as_text=True)
    assert "Set-Cookie" not in r.headers


def test_every_post_needs_the_session_csrf_token(app, api):
    api.deploy("review_timeout.bpmn")
    task = api.start("review_timeout", {"amount": 300, "skip": False})["tasks"][0]
    olga = api.as_user("olga", "operator", ["managers"])
    pages = Pages(app, olga.token)
    assert pages.post(f"/ui/tasks/{task['id']}/claim", csrf=False).status_code == 403
    assert pages.client.post(f"/ui/tasks/{task['id']}/claim", data={"csrf_token": "forged"}).status_code == 403
    assert api.get(f"/api/tasks/{task['id']}").get_json()["assignee"] is None
    assert pages.post(f"/ui/tasks/{task['id']}/claim").status_code == 303
    assert api.get(f"/api/tasks/{task['id']}").get_json()["assignee"] == "olga"


def test_operator_works_a_task_form_with_the_api_messages(app, api):
    api.deploy("task_form.bpmn")
    instance = api.start("task_form", business_key="ORD-7")
    task = instance["tasks"][0]
    olga = api.as_user("olga", "operator")
    pages = Pages(app, olga.token)
    assert "Fill in the form" in pages.text("/ui/tasks?view=group")
    assert pages.post(f"/ui/tasks/{task['id']}/claim").status_code == 303
    assert "Fill in the form" in pages.text("/ui/tasks?view=mine")
    bad = {"title": "ab", "quantity": "many", "channel": "fax", "needed_by": "tomorrow"}
    r = pages.post(f"/ui/tasks/{task['id']}/complete", bad)
    assert r.status_code == 422
    page = html.unescape(r.get_data(as_text=True))
    # The messages the API gives for the same submission (typed as JSON), next to their fields.
    api_errors = olga.post(f"/api/tasks/{task['id']}/complete", {"variables": {
        "title": "ab", "quantity": "many", "channel": "fax", "needed_by": "tomorrow"}}).get_json()["errors"]
    assert {e["field"] for e in api_errors} == {"title", "quantity", "channel", "needed_by"}
    for error in api_errors:
        shown = re.search(rf'id="error-{error["field"]}">([^<]*)<', page)
        assert shown and error["message"] in shown.group(1), (error, page)
    assert 'value="many"' in page  # what was typed stays in the form
    good = {"title": "Paper", "quantity": "12", "channel": "phone", "needed_by": "2026-12-01", "urgent": "true"}
    r = pages.post(f"/ui/tasks/{task['id']}/complete", good)
    assert r.status_code == 303 and r.headers["Location"] == f"/ui/instances/{instance['id']}"
    variables = api.instance(instance["id"])["variables"]
    assert variables["quantity"] == 12 and variables["urgent"] is True and variables["code"] == "X-1"
    assert "completed" in pages.text(f"/ui/instances/{instance['id']}")


def test_a_boundary_timer_shows_as_the_task_deadline(app, api):
    api.deploy("review_timeout.bpmn")
    instance = api.start("review_timeout", {"amount": 300, "skip": False})
    due = instance["waiting"][0]["due_at"]
    pages = Pages(app, api.token)
    expected = dt.datetime.fromisoformat(due.replace("Z", "+00:00")).strftime("%Y-%m-%d %H:%M UTC")
    page = pages.text(f"/ui/tasks/{instance['tasks'][0]['id']}")
    assert "Deadline" in page and expected in page and "tmo" in page
    assert expected in pages.text("/ui/tasks?view=group")


def test_auditor_sees_no_change_buttons_and_forged_posts_get_403(app, api):
    api.deploy("review_timeout.bpmn")
    instance = api.start("review_timeout", {"amount": 300, "skip": False})
    task_id = instance["tasks"][0]["id"]
    auditor = api.as_user("aude", "auditor")
    pages = Pages(app, auditor.token)
    for url in (f"/ui/instances/{instance['id']}", f"/ui/tasks/{task_id}", "/ui/tasks", "/ui/processes",
                "/ui/processes/review_timeout", "/ui/history", "/ui/instances", "/ui/dashboard"):
        page = pages.text(url)
        assert change_forms(page) == [], (url, change_forms(page))
        assert "Upload a diagram" not in page and "Fire now" not in page
    for url, form in ((f"/ui/instances/{instance['id']}/cancel", {"reason": "x"}),
                      (f"/ui/instances/{instance['id']}/suspend", {}), (f"/ui/tasks/{task_id}/claim", {}),
                      (f"/ui/tasks/{task_id}/complete", {}), ("/ui/processes/review_timeout/start", {}),
                      ("/ui/deploy", {"note": "x"})):
        r = pages.post(url, form)
        assert r.status_code == 403, url
        assert "403" in r.get_data(as_text=True)
    assert api.instance(instance["id"])["status"] == "running"
    assert api.get(f"/api/tasks/{task_id}").get_json()["assignee"] is None


def test_analyst_repairs_a_failed_instance_from_its_page(app, api):
    api.deploy("ex_script_fail.bpmn")
    instance = api.start("ex_script_fail", {"amount": 10, "count": 0})
    assert instance["status"] == "failed"
    anna = api.as_user("anna", "analyst")
    pages = Pages(app, anna.token)
    page = pages.text(f"/ui/instances/{instance['id']}")
    block = json.loads(re.search(r'id="instance-diagram-data">(.*?)</script>', page, re.S).group(1))
    assert "incident" in block["markers"]["calc"] and "done" in block["markers"]["prepare"]
    assert "division by zero" in page and "Retry" in page
    r = pages.post(f"/ui/instances/{instance['id']}/variables", {"set": "{not json", "reason": "fix"})
    assert r.status_code == 303 and "not valid JSON" in pages.text(r.headers["Location"])
    pages.post(f"/ui/instances/{instance['id']}/variables", {"set": '{"count": 2}', "reason": "count was 0"})
    pages.post(f"/ui/instances/{instance['id']}/retry", {"reason": "count repaired"})
    after = api.instance(instance["id"])
    assert after["status"] == "running" and after["variables"]["ratio"] == 5
    pages.post(f"/ui/instances/{instance['id']}/suspend")
    assert api.instance(instance["id"])["status"] == "suspended"
    pages.post(f"/ui/instances/{instance['id']}/resume")
    pages.post(f"/ui/instances/{instance['id']}/cancel", {"reason": "test over"})
    assert api.instance(instance["id"])["status"] == "cancelled"
    types = [e["type"] for e in api.history(instance["id"])]
    assert {"variables.updated", "incident.resolved", "instance.suspended", "instance.resumed",
            "instance.cancelled"} <= set(types)
    assert "variables.updated" in pages.text(f"/ui/instances/{instance['id']}")  # the timeline


def test_analyst_fires_a_timer_and_migrates(app, api):
    api.deploy("review_timeout.bpmn")
    instance = api.start("review_timeout", {"amount": 300, "skip": False})
    api.deploy("ex_migrate_v1.bpmn")
    api.deploy("ex_migrate_v2.bpmn")
    moving = api.start("ex_migrate", version=1)
    anna = api.as_user("anna", "analyst")
    pages = Pages(app, anna.token)
    page = pages.text(f"/ui/instances/{instance['id']}")
    timer_id = re.search(r'/ui/timers/([^/]+)/fire', page).group(1)
    pages.post(f"/ui/timers/{timer_id}/fire", {"instance_id": instance["id"]})
    assert api.instance(instance["id"])["status"] == "completed"
    pages.get(f"/ui/instances/{moving['id']}")
    r = pages.post(f"/ui/instances/{moving['id']}/migrate", {"version": "2", "reason": "v2 renames the review"})
    assert "runs the other version" in pages.text(r.headers["Location"])
    assert api.instance(moving["id"])["version"] == 2


def test_upload_shows_the_problems_at_their_elements(app, api):
    anna = api.as_user("anna", "analyst")
    pages = Pages(app, anna.token)
    pages.get("/ui/deploy")
    bad = (DIAGRAMS / "core_bad_script.bpmn").read_bytes()
    r = pages.post("/ui/deploy", {"file": (io.BytesIO(bad), "bad.bpmn"), "note": "try"},
                   content_type="multipart/form-data")
    assert r.status_code == 422
    page = html.unescape(r.get_data(as_text=True))
    assert "line 7" in page and "Activity_broken_1" in page and "Activity_broken_2" in page
    block = json.loads(re.search(r'id="upload-diagram-data">(.*?)</script>', page, re.S).group(1))
    assert block["markers"] == {"Activity_broken_1": ["error"], "Activity_broken_2": ["error"]}
    r = pages.post("/ui/deploy", {"file": (io.BytesIO(b"<bpmn:definitions"), "cut.bpmn")},
                   content_type="multipart/form-data")
    assert r.status_code == 400 and "not well-formed" in r.get_data(as_text=True)
    good = (DIAGRAMS / "review_timeout.bpmn").read_bytes()
    r = pages.post("/ui/deploy", {"file": (io.BytesIO(good), "review.bpmn"), "note": "first cut"},
                   content_type="multipart/form-data")
    assert r.status_code == 303 and r.headers["Location"] == "/ui/processes/review_timeout"
    assert "first cut" in pages.text(r.headers["Location"])


def test_diagrams_are_served_as_deployed(app, api):
    """Files without a layout are laid out in the browser (bpmn-auto-layout; tests/test_web_browser.py)."""
    definition = api.deploy("timer_boundary.bpmn")["definitions"][0]
    pages = Pages(app, api.token)
    r = pages.get(f"/ui/definitions/{definition['id']}/xml")
    assert r.status_code == 200 and r.mimetype == "application/xml"
    assert r.data == api.get(f"/api/process-definitions/{definition['id']}/xml").data
    assert pages.get("/ui/static/vendor/bpmn-auto-layout/bpmn-auto-layout.min.js").status_code == 200


def test_auditor_searches_the_history_and_exports_it(app, api):
    api.deploy("review_timeout.bpmn")
    api.start("review_timeout", {"amount": 1, "skip": False})
    auditor = api.as_user("aude", "auditor")
    pages = Pages(app, auditor.token)
    page = pages.text("/ui/history?type=instance.completed&from=2000-01-01T00:00")
    assert page.count("<tr class=\"ev-instance\"") == 1
    assert "/ui/history/export?format=csv&amp;from=" in pages.get("/ui/history?from=2000-01-01T00:00").get_data(
        as_text=True)
    r = pages.get("/ui/history/export?format=csv&process=review_timeout")
    assert r.status_code == 200 and "attachment" in r.headers["Content-Disposition"]
    lines = r.get_data(as_text=True).splitlines()
    assert lines[0].startswith("id,seq,at,type") and any("instance.completed" in line for line in lines)
    assert pages.get("/ui/history/export?format=pdf").status_code == 400
    operator = Pages(app, api.as_user("olga", "operator").token)
    assert operator.get("/ui/history/export?format=csv").status_code == 403


def test_dashboard_counts_ageing_and_percentiles(app, api):
    from bpmn_server.services import dashboard

    api.deploy("review_timeout.bpmn")
    for amount in (300, 400, 1):
        api.start("review_timeout", {"amount": amount, "skip": False})
    api.deploy("ex_script_fail.bpmn")
    api.start("ex_script_fail", {"amount": 1, "count": 0})
    api.complete(api.tasks(process="review_timeout")[0]["id"], {})
    with app.app_context():
        now = dashboard.work_in_progress()
        later = dashboard.work_in_progress(now=dt.datetime.now(dt.UTC) + dt.timedelta(days=2))
    assert now["ageing"]["tasks"] == {"< 1 h": 1, "< 1 day": 0, "< 1 week": 0, "older": 0}
    assert later["ageing"]["tasks"] == {"< 1 h": 0, "< 1 day": 0, "< 1 week": 1, "older": 0}
    waiting = {(a["process"], a["activity"]): a for a in now["activities"]}
    assert waiting[("review_timeout", "review")]["tasks"] == 1
    assert waiting[("review_timeout", "tmo")]["timers"] == 1
    assert [c["count"] for c in now["cycle"]] == [2]
    assert now["cycle"][0]["p50"] <= now["cycle"][0]["p95"] < 60
    [latency] = now["latency"]
    assert latency["group"] == ("review_timeout", "review") and latency["count"] == 1
    assert 0 <= latency["p50"] == latency["p95"] < 60 and latency["name"] == "Review"
    rates = {r["process"]: r for r in now["incidents"]}
    assert rates["ex_script_fail"]["rate"] == 1.0 and rates["review_timeout"]["rate"] == 0.0
    page = Pages(app, api.token).text("/ui/dashboard")
    assert "Where work waits" in page and "100.0 %" in page


def test_percentiles_interpolate_like_postgresql():
    from bpmn_server.services.dashboard import percentile

    assert percentile([], 0.5) is None
    assert percentile([10.0], 0.9) == 10.0
    assert percentile([1, 2, 3, 4], 0.5) == 2.5
    assert percentile([0, 10], 0.95) == pytest.approx(9.5)


def test_the_session_key_is_shared_through_a_private_file(tmp_path: Path):
    from bpmn_server.web import secret

    path = tmp_path / "var" / "secret_key"
    first = secret.load_or_create(path)
    assert secret.load_or_create(path) == first and len(first) >= 48
    assert path.stat().st_mode & 0o777 == 0o600
    assert secret.key_file("sqlite:////data/x/bpmn.db") == Path("/data/x/secret_key")


def test_unknown_pages_are_html_404(app, api):
    pages = Pages(app, api.token)
    r = pages.get("/ui/nowhere")
    assert r.status_code == 404 and r.mimetype == "text/html"
    assert pages.get("/ui/instances/nope").status_code == 404
    assert pages.get("/").headers["Location"] == "/ui/"


def test_api_stays_bearer_only(app, api):
    pages = Pages(app, api.token)
    assert pages.client.get("/api/tasks").status_code == 401  # the session cookie is not an API credential
    assert Api(app, api.token).get("/api/tasks").status_code == 200
