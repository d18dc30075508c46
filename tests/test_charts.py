"""The dashboard drawn (per-day series, SVG charts with their tables) and the diagram as a heat map
(per activity: waiting now, time spent per visit from the history, incidents; the instance list by
activity; Camunda 7's statistics). Known numbers come from injected timestamps."""

from __future__ import annotations

import datetime as dt
import re

from pytest import approx
from sqlalchemy import update

from tests.test_web import Pages

HEAT = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="http://t">
  <bpmn:process id="heat" name="Heat" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:userTask id="review" name="Review"/>
    <bpmn:userTask id="approve" name="Approve"/>
    <bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="review"/>
    <bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="approve"/>
    <bpmn:sequenceFlow id="f3" sourceRef="approve" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>"""

QUICK = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="q" targetNamespace="http://t">
  <bpmn:process id="quick" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>"""


def _visits(app, definition: dict, activity: str, seconds: list[int]) -> None:
    """History of visits to `activity` that took `seconds` each: task.created, then activity.completed.
    Times lie ahead of every event written so far (PostgreSQL keeps `at` rising along `seq`)."""
    from models import Event, db, new_id

    at = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    with app.app_context():
        for spent in seconds:  # one after the other: `at` never decreases along `seq`
            instance, task = new_id(), new_id()
            at += dt.timedelta(minutes=1)
            common = {"instance_id": instance, "process": definition["key"], "version": definition["version"],
                      "activity": activity, "task_id": task, "actor": "test"}
            db.session.add(Event(type="task.created", at=at, data={}, **common))
            db.session.flush()
            at += dt.timedelta(seconds=spent)
            db.session.add(Event(type="activity.completed", at=at, data={}, **common))
            db.session.flush()
        db.session.commit()


def test_heat_map_counts_waiting_time_spent_and_incidents(app, api):
    [definition] = api.deploy(HEAT)["definitions"]
    started = [api.start("heat", business_key=f"h{n}") for n in range(4)]
    api.complete(started[3]["tasks"][0]["id"], {})  # one moved on to approve
    _visits(app, definition, "approve", [600, 1200, 3000])
    r = api.get(f"/api/process-definitions/{definition['id']}/statistics")
    assert r.status_code == 200, r.get_json()
    rows = {row["activity"]: row for row in r.get_json()["items"]}
    assert rows["review"]["waiting"] == 3 and rows["review"]["instances"] == 3
    assert rows["review"]["waiting_by_kind"] == {"tasks": 3} and rows["review"]["name"] == "Review"
    assert rows["review"]["completed"] == 1 and rows["review"]["incidents"] == 0
    assert rows["approve"]["waiting"] == 1 and rows["approve"]["completed"] == 3
    assert rows["approve"]["avg_seconds"] == approx(1600.0, abs=0.01)  # SQLite's julianday: milliseconds
    assert rows["approve"]["p90_seconds"] == approx(2640.0, abs=0.01)  # 1200 + 0.8 * (3000 - 1200)
    assert rows["start"]["completed"] == 4 and rows["start"]["avg_seconds"] == approx(0.0, abs=0.01)
    later = (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).isoformat().replace("+00:00", "Z")
    since = {row["activity"]: row for row in api.get(f"/api/process-definitions/{definition['id']}/statistics",
                                                     query_string={"from": later}).get_json()["items"]}
    assert since["approve"]["completed"] == 0 and since["approve"]["waiting"] == 1
    assert api.get("/api/process-definitions/nope/statistics").status_code == 404

    # The list behind a click on the map: the instances waiting at an activity.
    at_review = api.get("/api/process-instances", query_string={"activity": "review"}).get_json()["items"]
    assert sorted(i["business_key"] for i in at_review) == ["h0", "h1", "h2"]
    at_approve = api.get("/api/process-instances", query_string={"activity": "approve", "process": "heat"})
    assert [i["business_key"] for i in at_approve.get_json()["items"]] == ["h3"]
    assert api.get("/api/process-instances", query_string={"activity": "end"}).get_json()["items"] == []

    # Camunda 7's shape of the same figures.
    camunda = api.get(f"/engine-rest/process-definition/{definition['id']}/statistics").get_json()
    assert sorted((a["id"], a["instances"]) for a in camunda) == [("approve", 1), ("review", 3)]
    assert all(a["failedJobs"] == 0 and a["incidents"] == [] for a in camunda)
    by_key = api.get("/engine-rest/process-definition/key/heat/statistics").get_json()
    assert sorted(a["id"] for a in by_key) == ["approve", "review"]
    for unknown in ("/engine-rest/process-definition/nope/statistics",
                    "/engine-rest/process-definition/key/nope/statistics"):
        r = api.get(unknown)
        assert r.status_code == 404 and r.get_json()["type"] == "InvalidRequestException", r.get_json()

    # The process page: the heat map's block on the diagram, and its table.
    pages = Pages(app, api.token)
    page = pages.get("/ui/processes/heat").get_data(as_text=True)
    assert 'id="heat-legend"' in page and 'id="heat-v1"' in page
    assert '"heat-4"' in page and "/ui/instances?process=heat\\u0026activity=review" in page
    table = page[page.index('id="heat-v1"'):]
    assert re.search(r'data-activity="approve".*?activity=approve">1</a></td>\s*<td>3</td><td>26 min</td>'
                     r'<td>44 min</td>', table, re.S)
    listed = pages.get("/ui/instances?process=heat&activity=review").get_data(as_text=True)
    assert listed.count("/ui/instances/") == 3 and 'name="activity" value="review"' in listed


def test_heat_map_incidents_and_camunda_failed_jobs(app, api):
    [definition] = api.deploy("ex_script_fail.bpmn")["definitions"]
    api.start("ex_script_fail", {"amount": 1, "count": 0})
    rows = api.get(f"/api/process-definitions/{definition['id']}/statistics").get_json()["items"]
    [failing] = [row for row in rows if row["incidents"]]
    assert failing["incidents"] == 1 and failing["instances"] == 1 and failing["incidents_by_type"]
    kind = next(iter(failing["incidents_by_type"]))
    url = f"/engine-rest/process-definition/{definition['id']}/statistics"
    plain = api.get(url).get_json()
    assert all(a["id"] != failing["activity"] for a in plain)  # nothing waits there, no incident asked for
    [shown] = api.get(url, query_string={"failedJobs": "true", "incidents": "true"}).get_json()
    assert shown == {"id": failing["activity"], "instances": 0, "failedJobs": 1,
                     "incidents": [{"incidentType": kind, "incidentCount": 1}]}
    assert api.get(url, query_string={"incidentsForType": "other"}).get_json() == []
    assert api.get(url, query_string={"incidents": "true", "incidentsForType": kind}).status_code == 400
    listed = api.get("/api/process-instances", query_string={"activity": failing["activity"]}).get_json()["items"]
    assert [i["status"] for i in listed] == ["failed"]


def test_daily_series_from_injected_times(app, api):
    from bpmn_server.services import series
    from models import Instance, db

    api.deploy(QUICK)
    ids = [api.start("quick")["id"] for _ in range(3)]
    now = dt.datetime.now(dt.UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    yesterday = now - dt.timedelta(days=1)
    times = [(yesterday.replace(hour=8), yesterday.replace(hour=9)),  # 1 h
             (yesterday.replace(hour=10), yesterday.replace(hour=13)),  # 3 h
             (now.replace(hour=0, minute=1), now.replace(hour=0, minute=31))]  # 30 min
    with app.app_context():
        for instance_id, (started, ended) in zip(ids, times, strict=True):
            db.session.execute(update(Instance).where(Instance.id == instance_id)
                               .values(started_at=started, ended_at=ended))
        db.session.commit()
        week = series.daily(now=now, days=7)
        only = series.daily(now=now, days=2, process="nothing")
    assert week["days"][-2:] == [yesterday.date().isoformat(), now.date().isoformat()] and len(week["days"]) == 7
    assert week["started"] == [0, 0, 0, 0, 0, 2, 1] and week["completed"] == [0, 0, 0, 0, 0, 2, 1]
    assert week["cycle_avg"][-2:] == approx([7200.0, 1800.0], abs=0.01)
    assert week["cycle_p50"][-2:] == approx([7200.0, 1800.0], abs=0.01)
    assert week["cycle_p90"][-2] == approx(10080.0, abs=0.01) and week["cycle_avg"][0] is None
    assert only == {"days": only["days"], "started": [0, 0], "completed": [0, 0], "cycle_avg": [None, None],
                    "cycle_p50": [None, None], "cycle_p90": [None, None]}


def test_dashboard_draws_charts_beside_tables(app, api):
    api.deploy("review_timeout.bpmn")
    api.start("review_timeout", {"amount": 300, "skip": False})
    api.deploy(QUICK)
    api.start("quick")
    api.deploy("ex_script_fail.bpmn")
    api.start("ex_script_fail", {"amount": 1, "count": 0})
    page = Pages(app, api.token).get("/ui/dashboard?days=7")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    for name in ("ageing", "throughput", "cycle", "adherence", "exceptions"):
        block = text[text.index(f'data-chart="{name}"'):]
        block = block[:block.index("</table>")]
        assert f'<svg class="chart" id="chart-{name}" role="img"' in block, name
        assert "<table" in block and "chart-table" in block, name
    ageing = text[text.index('id="chart-ageing"'):text.index("</svg>", text.index('id="chart-ageing"'))]
    assert ageing.count('<rect class="bar') == 4 and "< 1 h: 1" in ageing.replace("&lt;", "<")
    throughput = text[text.index('id="chart-throughput"'):]
    throughput = throughput[:throughput.index("</svg>")]
    assert throughput.count('<polyline class="line') == 2 and throughput.count("<circle") == 14
    exceptions = text[text.index('id="chart-exceptions"'):]
    exceptions = exceptions[:exceptions.index("</svg>")]
    assert 'class="share bad"' in exceptions and "ex_script_fail: 100.0 %" in exceptions
    assert "http://" not in text.replace('xmlns="http://www.w3.org/2000/svg"', "")  # nothing from outside
    assert "<script" not in text[text.index('id="charts"'):text.index("</section>", text.index('id="charts"'))]


def test_chart_text_is_escaped_and_empty_charts_draw():
    from bpmn_server.web import charts

    drawn = charts.shares("c", 'Rate "x"', [("<script>p</script>", 0.5), ("none", None)], bad=lambda v: v > 0.1)
    assert "<script>" not in drawn and "&lt;script&gt;" in drawn and "Rate &#34;x&#34;" in drawn
    assert 'class="share bad"' in drawn and drawn.count("<rect") == 1
    empty = charts.lines("e", "nothing", ["2026-01-01", "2026-01-02"], [("a", [None, None])])
    assert "<polyline" not in empty and "<circle" not in empty and empty.startswith("<svg")
    assert charts.bars("b", "zero", ["x"], [0]).count('height="0.0"') == 1
