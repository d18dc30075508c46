"""The editors in headless Chromium against a real `bpmn-server serve`: an analyst opens a deployed version,
moves an element, keeps the draft across a reload, sees the server's problem on the element, fixes it in the
properties panel and deploys version 2 with a note; draws a new process and deploys it; a diagram the server
refuses deploys nothing; a decision table is edited, deployed and evaluated.
Skipped where Chromium or Playwright is missing."""

from __future__ import annotations

from typing import Any

import requests

from tests.conftest import ROOT
from tests.test_web_browser import NO_SIDEWAYS, ORDER, browser, server, session, shot  # noqa: F401 - fixtures

pytestmark = __import__("pytest").mark.e2e

MODELER = "document.getElementById('editor').bpmnModeler"
# A new shape with the id we name (the modeler would make one up).
SHAPE = ("const shape = (m, type, id) => m.get('elementFactory').createShape("
         "{type, businessObject: m.get('bpmnFactory').create(type, {id})});")


def ready(page: Any) -> None:
    """Wait for the editor to have drawn its file (a failure prints what the page said, and its errors)."""
    try:
        page.wait_for_selector('#editor[data-state="ready"]')
    except Exception:
        print("editor status:", page.inner_text("#editor-status"), "page errors:", PAGE_ERRORS)
        raise


PAGE_ERRORS: list[str] = []  # the script errors of the test's last page


def open_session(chromium: Any, running: Any, token: str) -> Any:
    page = session(chromium, running, token)
    PAGE_ERRORS.clear()
    page.on("pageerror", lambda e: PAGE_ERRORS.append(str(e)))
    return page


def centre(page: Any, element_id: str) -> tuple[float, float]:
    box = page.locator(f'g.djs-element[data-element-id="{element_id}"]').first.bounding_box()
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def position(page: Any, element_id: str) -> dict[str, float]:
    script = f"(id) => {{ const e = {MODELER}.get('elementRegistry').get(id); return {{x: e.x, y: e.y}}; }}"
    return page.evaluate(script, element_id)


def test_open_a_version_move_validate_fix_and_deploy_version_two(browser, server):  # noqa: F811
    server.deploy("order.bpmn", xml=ORDER, note="first version")
    anna = server.user("anna", "analyst")
    page = open_session(browser, server, anna)
    page.goto(f"{server.url}/ui/processes/web_order")
    page.click("text=Edit v1")
    ready(page)
    assert "Editing a copy of v1" in page.inner_text("#editor-status")

    # Drag the end event 60 px to the right with the mouse.
    before = position(page, "done")
    x, y = centre(page, "done")
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 30, y, steps=4)
    page.mouse.move(x + 60, y, steps=4)
    page.mouse.up()
    moved = position(page, "done")
    assert moved["x"] > before["x"] + 30 and moved["y"] == before["y"]

    # A script task after the review whose script does not compile: the server names it.
    page.evaluate(f"""() => {{
        const m = {MODELER};
        {SHAPE}
        const review = m.get('elementRegistry').get('review_order');
        const flow = m.get('elementRegistry').get('f2');
        m.get('modeling').removeConnection(flow);
        const script = m.get('modeling').appendShape(review, shape(m, 'bpmn:ScriptTask', 'record'),
                                                    {{x: review.x + 240, y: review.y - 90}});
        m.get('modeling').updateProperties(script, {{name: 'Record', scriptFormat: 'python', script: 'total = ('}});
        m.get('modeling').connect(script, m.get('elementRegistry').get('done'));
    }}""")
    for _ in range(50):  # the draft is kept 300 ms after the last change
        if 'id="record"' in page.evaluate("() => localStorage.getItem('bpmn-server.editor.draft.web_order') || ''"):
            break
        page.wait_for_timeout(100)
    page.reload()
    ready(page)
    assert "unsaved draft" in page.inner_text("#draft-notice")
    assert page.locator('g.djs-element[data-element-id="record"]').count() == 1
    assert position(page, "done")["x"] == moved["x"]  # the move survived the reload

    page.click("#validate")
    page.wait_for_selector('#editor[data-state="invalid"]')
    problems = page.inner_text("#problems")
    assert "record" in problems and "does not compile" in problems
    assert page.locator('g.djs-element.m-problem[data-element-id="record"]').count() == 1
    assert page.locator(".badge-problem").count() == 1
    shot(page, "editor-validation-problem")
    assert [d["version"] for d in server.get("/api/process-definitions", key="web_order")["items"]] == [1]

    # Fix the script in the properties panel, check again, deploy with a note.
    page.click("#problems li[data-element=record]")
    page.wait_for_selector(".bio-properties-panel-header-label >> text=Record")
    script = page.locator("#bio-properties-panel-scriptValue")
    if not script.is_visible():
        page.click(".bio-properties-panel-group-header >> text=Script")
    script.fill("total = 1")
    page.click("#validate")
    page.wait_for_selector('#editor[data-state="valid"]')
    assert "web_order v2 (new)" in page.inner_text("#editor-status")
    assert page.locator(".badge-problem").count() == 0
    page.fill("#note", "record the total after the review")
    page.click("#deploy")
    page.wait_for_url("**/ui/processes/web_order")
    assert "Deployed web_order v2." in page.content() and "record the total after the review" in page.content()
    versions = server.get("/api/process-definitions", key="web_order")["items"]
    assert sorted(d["version"] for d in versions) == [1, 2]
    newest = max(versions, key=lambda d: d["version"])
    xml = requests.get(f"{server.url}/api/process-definitions/{newest['id']}/xml", headers=server.headers,
                       timeout=30).text
    assert "total = 1" in xml and 'id="record"' in xml
    page.goto(f"{server.url}/ui/editor?definition={versions[0]['id']}")
    ready(page)
    assert page.locator("#draft-notice").is_hidden()  # the deploy dropped the draft
    page.context.close()


def test_new_diagram_drawn_in_the_editor_deploys_and_runs(browser, server):  # noqa: F811
    anna = server.user("anna", "analyst")
    page = open_session(browser, server, anna)
    page.click("text=Processes")
    page.click("text=New diagram")
    ready(page)
    page.evaluate(f"""() => {{
        const m = {MODELER};
        {SHAPE}
        const registry = m.get('elementRegistry');
        const process = registry.filter(e => e.type === 'bpmn:Process')[0];
        m.get('modeling').updateProperties(process, {{id: 'drawn', name: 'Drawn in the browser'}});
        const start = registry.get('StartEvent_1');
        const task = m.get('modeling').appendShape(start, shape(m, 'bpmn:UserTask', 'check'));
        m.get('modeling').updateProperties(task, {{name: 'Check it', 'camunda:candidateGroups': 'clerks'}});
        m.get('modeling').appendShape(task, shape(m, 'bpmn:EndEvent', 'end'));
    }}""")
    shot(page, "editor-new-diagram")
    page.fill("#note", "drawn from scratch")
    page.click("#deploy")
    page.wait_for_url("**/ui/processes/drawn")
    olga = server.user("olga", "operator", ["clerks"])
    instance = server.post("/api/process-instances", {"process": "drawn"})
    assert instance["status"] == "running"
    page.context.close()
    work = session(browser, server, olga)
    work.goto(f"{server.url}/ui/tasks?view=group")
    assert "Check it" in work.content()
    work.context.close()


def test_a_refused_diagram_shows_its_problems_on_the_elements_and_deploys_nothing(browser, server):  # noqa: F811
    anna = server.user("anna", "analyst")
    page = open_session(browser, server, anna)
    page.goto(f"{server.url}/ui/editor")
    ready(page)
    page.evaluate(f"""() => {{
        const m = {MODELER};
        {SHAPE}
        const start = m.get('elementRegistry').get('StartEvent_1');
        const gw = m.get('modeling').appendShape(start, shape(m, 'bpmn:ComplexGateway', 'complex'));
        m.get('modeling').appendShape(gw, shape(m, 'bpmn:EndEvent', 'end'));
    }}""")
    # bpmnlint marks the complex gateway as it is drawn, before the server is asked.
    page.wait_for_selector('.djs-overlays[data-container-id="complex"] .bjsl-overlay')
    assert "error" in page.inner_text(".bjsl-button").lower()
    page.fill("#note", "should not deploy")
    page.click("#deploy")
    page.wait_for_selector('#editor[data-state="invalid"]')
    assert "complex" in page.inner_text("#problems")
    assert page.locator('g.djs-element.m-problem[data-element-id="complex"]').count() == 1
    assert "/ui/editor" in page.url
    assert server.get("/api/process-definitions")["items"] == []
    # A post without the page's CSRF token is refused.
    forged = page.evaluate("""async () => (await fetch('/ui/editor/deploy', {method: 'POST',
        headers: {'Content-Type': 'application/json'}, body: JSON.stringify({xml: '<x/>'})})).status""")
    assert forged == 403
    # On a tablet held upright the properties go under the canvas and nothing scrolls sideways.
    page.set_viewport_size({"width": 820, "height": 1180})
    canvas = page.locator("#editor-canvas").bounding_box()
    panel = page.locator("#editor-properties").bounding_box()
    assert panel["y"] >= canvas["y"] + canvas["height"] - 1 and page.evaluate(NO_SIDEWAYS) <= 0
    page.context.close()


def test_decision_table_edited_deployed_and_evaluated(browser, server):  # noqa: F811
    server.deploy(ROOT / "processes" / "loan_policy.dmn", note="the lending policy")
    anna = server.user("anna", "analyst")
    page = open_session(browser, server, anna)
    page.click("text=Processes")
    page.click("text=Decision tables")
    ready(page)
    page.select_option("#open-decision", label="loan_policy v1")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**/ui/decisions/editor?definition=*")
    ready(page)
    # Large loans start at 40 000 from now on: typed into the rule's cell.
    cell = page.locator('td[data-row-id="Rule_large_amount"][data-col-id="Input_amount"]')
    cell.click()
    page.keyboard.press("Control+A")
    page.keyboard.type("> 40000")
    page.click("#evaluate-title")  # leave the cell
    page.click("#validate")
    page.wait_for_selector('#editor[data-state="valid"]')
    assert "loan_policy v2" in page.inner_text("#editor-status")
    page.fill("#note", "underwriters see loans from 40 000")
    page.click("#deploy")
    page.wait_for_url("**/ui/decisions/editor?definition=*")
    ready(page)
    assert "Deployed loan_policy v2." in page.content()
    page.fill("#variables", '{"credit_score": 700, "amount": 45000, "monthly_income": 5000}')
    page.click("#evaluate")
    page.wait_for_selector("#matched")
    assert page.inner_text("#matched") == "Matched: Rule_large_amount"
    assert '"refer"' in page.inner_text("#evaluated")
    assert page.locator('td.m-matched[data-row-id="Rule_large_amount"]').count() > 0
    shot(page, "editor-decision-table")
    page.fill("#variables", "[1, 2]")
    page.click("#evaluate")
    page.wait_for_selector('#editor[data-evaluated="failed"]')
    assert "variables" in page.inner_text("#evaluated")
    page.context.close()
