"""In Chromium: the process page's heat map shows the counts on the diagram and a click on an activity
lists its instances; the dashboard's charts are drawn with data, each beside its table. Screenshots of
both are kept in docs/screenshots/ (linked from the README)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import create_engine, update

from tests.test_web_browser import browser, server, session, shot  # noqa: F401 - the fixtures and the login

CLAIMS = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="defs_claims" targetNamespace="http://t">
  <bpmn:process id="web_claims" name="Insurance claim" isExecutable="true">
    <bpmn:startEvent id="start" name="Claim filed"/>
    <bpmn:userTask id="assess" name="Assess the claim" camunda:dueDate="P1D"/>
    <bpmn:userTask id="pay" name="Pay out" camunda:dueDate="P2D"/>
    <bpmn:endEvent id="end" name="Settled"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="assess"/>
    <bpmn:sequenceFlow id="f2" sourceRef="assess" targetRef="pay"/>
    <bpmn:sequenceFlow id="f3" sourceRef="pay" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>"""


def _history(running: Any, definition: dict[str, Any], visits: list[tuple[str, int]]) -> None:
    """Earlier visits (activity, seconds spent) in the history, after every event so far, one after another."""
    from models import Event, new_id

    engine = create_engine(running.database_url)
    at = dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(minutes=5)
    with engine.begin() as conn:
        for activity, spent in visits:
            common = {"instance_id": new_id(), "process": definition["key"], "version": definition["version"],
                      "activity": activity, "task_id": new_id(), "actor": "test", "data": {}}
            conn.execute(Event.__table__.insert().values(id=new_id(), type="task.created", at=at, **common))
            at += dt.timedelta(seconds=spent)
            conn.execute(Event.__table__.insert().values(id=new_id(), type="activity.completed", at=at, **common))
    engine.dispose()


def _spread(running: Any, instance_ids: list[str]) -> None:
    """Instances started and completed over the last days (the dashboard's lines), with known cycle times."""
    from models import Instance

    engine = create_engine(running.database_url)
    today = dt.datetime.now(dt.UTC).replace(tzinfo=None, hour=6, minute=0, second=0, microsecond=0)
    with engine.begin() as conn:
        for n, instance_id in enumerate(instance_ids):
            started = today - dt.timedelta(days=n % 7, hours=n % 3)
            conn.execute(update(Instance.__table__).where(Instance.__table__.c.id == instance_id)
                         .values(started_at=started, ended_at=started + dt.timedelta(hours=1 + n % 5)))
    engine.dispose()


def test_heat_map_shows_counts_and_a_click_lists_the_instances(browser, server):  # noqa: F811
    [definition] = server.deploy("claims.bpmn", xml=CLAIMS, note="first version")["definitions"]
    started = [server.post("/api/process-instances", {"process": "web_claims", "business_key": f"CLM-{n}"})
               for n in range(5)]
    for instance in started[3:]:
        server.post(f"/api/tasks/{instance['tasks'][0]['id']}/complete", {"variables": {}})
    _history(server, definition, [("assess", 1800), ("assess", 5400), ("pay", 600), ("assess", 3600)])
    page = session(browser, server, server.user("anna", "analyst"))
    page.goto(f"{server.url}/ui/processes/web_claims")
    page.wait_for_selector('.diagram[data-state="ready"]')
    assess = page.locator('g.djs-element[data-element-id="assess"]')
    assert "m-heat-4" in assess.get_attribute("class") and "m-clickable" in assess.get_attribute("class")
    on = ".djs-overlays[data-container-id='{}'] .badge-{}"
    assert page.locator(on.format("assess", "active")).inner_text() == "3"  # three wait there now
    assert page.locator(on.format("pay", "active")).inner_text() == "2"
    assert page.locator(on.format("assess", "heat")).inner_text() == "⌀ 36 min · p90 1 h 18 min"  # with the 2 just done
    assert page.locator("#heat-legend").is_visible()
    assert page.locator('#heat-v1 tr[data-activity="assess"] td').first.inner_text() == "3"
    shot(page, "heat-map")
    assess.click()
    page.wait_for_url("**/ui/instances?*activity=assess*")
    rows = page.locator("table.list tbody tr")
    assert rows.count() == 3
    assert sorted(rows.nth(i).locator("td[data-label='Business key']").inner_text() for i in range(3)) == [
        "CLM-0", "CLM-1", "CLM-2"]
    page.context.close()


def test_dashboard_charts_are_drawn_with_their_tables(browser, server):  # noqa: F811
    server.deploy("claims.bpmn", xml=CLAIMS)
    server.deploy("ex_script_fail.bpmn")
    done = []
    for n in range(12):
        instance = server.post("/api/process-instances", {"process": "web_claims", "business_key": f"D-{n}"})
        if n < 9:
            task = server.post(f"/api/tasks/{instance['tasks'][0]['id']}/complete", {"variables": {}})
            if n % 4 == 0:  # late: past its due date when it was completed
                late = task["tasks"][0]["id"]
                server.call("PATCH", f"/api/tasks/{late}", json={"due_at": "2020-01-01T00:00:00Z"})
            server.post(f"/api/tasks/{task['tasks'][0]['id']}/complete", {"variables": {}})
            done.append(instance["id"])
    for n in range(3):
        server.post("/api/process-instances", {"process": "ex_script_fail", "variables": {"amount": 1, "count": n}})
    _spread(server, done)
    page = session(browser, server, server.user("anna", "analyst"))
    page.goto(f"{server.url}/ui/dashboard?days=7")
    for name in ("ageing", "throughput", "cycle", "adherence", "exceptions"):
        pair = page.locator(f'[data-chart="{name}"]')
        assert pair.locator(f"svg#chart-{name}[role=img]").is_visible(), name
        assert pair.locator("table.chart-table").count() == 1, name
    assert page.locator("#chart-ageing rect.bar").count() == 4
    assert page.locator("#chart-throughput polyline.line").count() == 2
    assert page.locator("#chart-cycle circle.point").count() >= 3
    assert page.locator("#chart-adherence rect.share").count() == 1
    assert page.locator("#chart-exceptions rect.share").count() == 2
    box = page.locator("#chart-throughput").bounding_box()
    assert box and box["width"] > 200 and box["height"] > 80
    shot(page, "dashboard-charts")
    page.context.close()
