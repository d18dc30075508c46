"""The form editor and the task page's form viewer in headless Chromium against a real `bpmn-server serve`
(issue 24): an analyst makes a Camunda Form in the form editor (a field dragged from the palette, problems shown
before anything is sent), deploys it with a note, draws a new process from an empty canvas (start, a user task
for a candidate group linked to that form, an exclusive gateway with a condition, two ends), clicks tokens
through it with the token simulation, deploys it from the editor and starts it; an operator of the group
completes the task through the form rendered by the form-js viewer. Skipped where Chromium or Playwright is
missing."""

from __future__ import annotations

from typing import Any

from tests.test_web_browser import NO_SIDEWAYS, browser, server, session, shot  # noqa: F401 - fixtures
from tests.test_web_editor import MODELER, PAGE_ERRORS, SHAPE, open_session, ready

pytestmark = __import__("pytest").mark.e2e

FORM_EDITOR = "document.getElementById('editor').formEditor"


def field(page: Any, key: str) -> str:
    """A script expression: the form field with this key."""
    return f"{FORM_EDITOR}.get('formFieldRegistry').getAll().find(f => f.key === '{key}')"


def drag(page: Any, source: str, target: str) -> None:
    """Drag with the mouse in small steps, as a hand does (the form editor's drag and drop follows moves)."""
    start = page.locator(source).bounding_box()
    end = page.locator(target).first.bounding_box()
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
    page.mouse.down()
    page.mouse.move(start["x"] + 40, start["y"] + 20, steps=5)
    page.mouse.move(end["x"] + end["width"] / 2, end["y"] + 60, steps=10)
    page.mouse.up()


def make_the_form(page: Any) -> None:
    """Processes -> Forms: a number field dragged from the palette, then a radio group and a text field."""
    page.click("text=Processes")
    page.click("a:has-text('Forms')")
    ready(page)
    page.fill("#form-id", "expense_form")
    page.press("#form-id", "Tab")
    drag(page, '.fjs-palette-field[data-field-type="number"]', ".fjs-editor-form-root")
    page.wait_for_function(f"() => {FORM_EDITOR}.get('formFieldRegistry').getAll().length === 2")
    page.evaluate(f"""() => {{
        const e = {FORM_EDITOR};
        const modeling = e.get('modeling');
        const registry = e.get('formFieldRegistry');
        const form = registry.getAll().find(f => f.type === 'default');
        const number = registry.getAll().find(f => f.type === 'number');
        modeling.editFormField(number, {{label: 'Amount', key: 'amount', validate: {{required: true, min: 1}}}});
        modeling.addFormField({{type: 'radio', key: 'decision', label: 'Decision', validate: {{required: true}},
            values: [{{label: 'Approve', value: 'approve'}}, {{label: 'Reject', value: 'reject'}}]}},
            form, form.components.length);
    }}""")
    # From the keyboard: Enter on a palette entry adds the field at the end and selects it (form-js does).
    page.focus('.fjs-palette-field[data-field-type="textfield"]')
    page.keyboard.press("Enter")
    page.wait_for_function(f"() => {FORM_EDITOR}.get('formFieldRegistry').getAll().length === 4")
    page.evaluate(f"""() => {{
        const e = {FORM_EDITOR};
        const added = e.get('formFieldRegistry').getAll().find(f => f.type === 'textfield');
        e.get('modeling').editFormField(added, {{label: 'Reference', key: 'reference', validate: {{pattern: '(['}}}});
    }}""")
    # A problem the editor finds before anything is sent: named, and its field selected on a click.
    page.fill("#note", "expense approval form")
    page.click("#deploy")
    page.wait_for_selector('#editor[data-state="invalid"]')
    assert "reference" in page.inner_text("#problems") and "regular expression" in page.inner_text("#problems")
    page.click("#problems li[data-field=reference]")
    page.wait_for_selector(".fjs-editor-selected, .fjs-element.fjs-editor-selected")
    page.evaluate(f"() => {FORM_EDITOR}.get('modeling').editFormField({field(page, 'reference')}, "
                  "'validate', {pattern: '^[A-Z]{2}-[0-9]+$'})")
    page.click("#validate")
    page.wait_for_selector('#editor[data-state="valid"]')
    shot(page, "form-editor")
    # On a tablet held upright the editor fits the width: nothing scrolls sideways.
    page.set_viewport_size({"width": 820, "height": 1180})
    assert page.evaluate(NO_SIDEWAYS) <= 0
    page.set_viewport_size({"width": 1280, "height": 860})
    page.click("#deploy")
    page.wait_for_url("**/ui/forms/editor?key=expense_form*")
    ready(page)
    assert "Deployed form expense_form v1." in page.content()
    assert page.input_value("#form-id") == "expense_form"


def draw_the_process(page: Any) -> None:
    """New diagram: start -> user task (clerks) -> exclusive gateway -> big / small ends, the form linked."""
    page.click("text=Processes")
    page.click("text=New diagram")
    ready(page)
    page.evaluate(f"""() => {{
        const m = {MODELER};
        {SHAPE}
        const registry = m.get('elementRegistry');
        const modeling = m.get('modeling');
        const process = registry.filter(e => e.type === 'bpmn:Process')[0];
        modeling.updateProperties(process, {{id: 'expenses', name: 'Expenses'}});
        const task = modeling.appendShape(registry.get('StartEvent_1'), shape(m, 'bpmn:UserTask', 'approve'));
        modeling.updateProperties(task, {{name: 'Approve the expense', 'camunda:candidateGroups': 'clerks'}});
        const gw = modeling.appendShape(task, shape(m, 'bpmn:ExclusiveGateway', 'how_much'));
        const big = modeling.appendShape(gw, shape(m, 'bpmn:EndEvent', 'big'), {{x: gw.x + 150, y: gw.y - 60}});
        const small = modeling.appendShape(gw, shape(m, 'bpmn:EndEvent', 'small'), {{x: gw.x + 150, y: gw.y + 120}});
        const toBig = gw.outgoing.find(c => c.target === big);
        const toSmall = gw.outgoing.find(c => c.target === small);
        modeling.updateProperties(toBig, {{id: 'to_big', name: 'over 100',
            conditionExpression: m.get('moddle').create('bpmn:FormalExpression', {{body: '${{amount > 100}}'}})}});
        modeling.updateProperties(toSmall, {{id: 'to_small'}});
        modeling.updateProperties(gw, {{default: registry.get('to_small').businessObject}});
    }}""")
    # The form of the user task: picked in the editor's bar when the task is selected.
    page.click('g.djs-element[data-element-id="approve"]')
    page.wait_for_selector("#task-form-bar:not([hidden])")
    page.fill("#task-form", "expense_form")
    page.click("#task-form-link")
    assert page.inner_text("#task-form-status") == "Linked to form expense_form."
    # Token simulation: switched on by the button, a token sent from the start event, switched off.
    page.click("#simulate")
    page.wait_for_selector('#editor[data-simulating="on"]')
    page.click('.djs-overlays[data-container-id="StartEvent_1"] .bts-context-pad')
    page.wait_for_selector(".bts-token-count, .bts-token", timeout=10_000)
    shot(page, "editor-token-simulation")
    page.click("#simulate")
    page.wait_for_selector('#editor[data-simulating="off"]')
    page.click("#validate")
    page.wait_for_selector('#editor[data-state="valid"]')
    assert "expenses v1 (new)" in page.inner_text("#editor-status")
    page.fill("#note", "expenses drawn in the browser")
    page.click("#deploy")
    page.wait_for_url("**/ui/processes/expenses")
    assert "Deployed expenses v1." in page.content()


def test_form_made_in_the_editor_linked_from_a_new_process_and_completed_through_the_viewer(browser, server):  # noqa: F811
    anna = server.user("anna", "analyst")
    page = open_session(browser, server, anna)
    refused: list[str] = []  # what the content security policy blocked (the pages load nothing from outside)
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    make_the_form(page)
    draw_the_process(page)
    page.fill("#business_key", "EXP-7")
    page.click("text=Start v1")
    page.wait_for_url("**/ui/instances/*")
    instance_id = page.url.rsplit("/", 1)[-1]
    page.context.close()
    assert not PAGE_ERRORS, PAGE_ERRORS
    assert not refused, refused

    olga = server.user("olga", "operator", ["clerks"])
    work = session(browser, server, olga)
    errors: list[str] = []
    work.on("pageerror", lambda e: errors.append(str(e)))
    work.on("console", lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None)
    work.click("text=Group tasks")
    row = work.locator("tr", has_text="Approve the expense")
    assert "EXP-7" in row.inner_text()
    row.locator("button", has_text="Claim").click()
    work.wait_for_selector('#form-js[data-state="ready"]')
    assert work.locator("#server-fields").is_hidden()  # the viewer is the form; the inputs are the no-JS fallback
    # The viewer checks the form as it says: nothing is posted while a required field is empty.
    work.fill(".fjs-form-field-number input", "250")
    work.click("form.task-form button[type=submit]")
    work.wait_for_selector('#form-js[data-state="invalid"]')
    assert "/ui/tasks/" in work.url and work.locator(".fjs-has-errors").count() >= 1
    work.locator("#form-js").get_by_label("Approve", exact=True).check()
    work.fill(".fjs-form-field-textfield input", "EX-42")
    work.fill("#f-comment", "within budget")
    shot(work, "task-form-js")
    work.click("form.task-form button[type=submit]")
    work.wait_for_url(f"**/ui/instances/{instance_id}")
    assert work.inner_text("#instance-status") == "completed"
    work.context.close()
    assert not errors, errors
    done = server.get(f"/api/process-instances/{instance_id}")
    assert done["variables"] == {"amount": 250, "decision": "approve", "reference": "EX-42"}
    events = server.get(f"/api/process-instances/{instance_id}/history")
    events = events["items"] if isinstance(events, dict) else events
    reached = {e.get("activity") for e in events}
    assert "big" in reached and "small" not in reached, reached  # 250 > 100: the condition's path
