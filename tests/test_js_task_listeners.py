"""JavaScript task listeners that call Camunda's DelegateTask methods (`task.setAssignee()`, `task.getAssignee()`,
...), as the invoice example of camunda-kpi-monitoring-demo does: what they change reaches the task's row, with
the assignment listeners and history of an assignment. Python task listeners have the same `task`."""

from __future__ import annotations

INVOICE = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn"
             id="d" targetNamespace="http://bpmn.io/schema/bpmn">
  <process id="invoice_js" isExecutable="true">
    <startEvent id="s"/>
    <sequenceFlow id="f1" sourceRef="s" targetRef="approveInvoice"/>
    <userTask id="approveInvoice" name="Approve Invoice" camunda:candidateGroups="accounting">
      <extensionElements>
        <camunda:taskListener event="create">
          <camunda:script scriptFormat="javascript"><![CDATA[if(!!task.getVariable('approver')) {
  task.setAssignee(approver);
}]]></camunda:script>
        </camunda:taskListener>
        <camunda:taskListener event="assignment">
          <camunda:script scriptFormat="javascript"><![CDATA[task.setVariable('approver', task.getAssignee());
task.setVariable('heard', (task.getVariable('heard') || 0) + 1);]]></camunda:script>
        </camunda:taskListener>
        <camunda:taskListener event="complete">
          <camunda:script scriptFormat="javascript"><![CDATA[
execution.setVariable('approvedBy', task.getAssignee() + ' in ' + task.getCandidates()[0].getGroupId());]]>
          </camunda:script>
        </camunda:taskListener>
      </extensionElements>
    </userTask>
    <sequenceFlow id="f2" sourceRef="approveInvoice" targetRef="e"/>
    <endEvent id="e"/>
  </process>
</definitions>"""

PLANNED = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn"
             id="d" targetNamespace="http://bpmn.io/schema/bpmn">
  <process id="planned_js" isExecutable="true">
    <startEvent id="s"/>
    <sequenceFlow id="f1" sourceRef="s" targetRef="review"/>
    <userTask id="review" name="Review" camunda:candidateGroups="accounting, ${team}" camunda:priority="60">
      <extensionElements>
        <camunda:taskListener event="create">
          <camunda:script scriptFormat="javascript"><![CDATA[
var seen = {key: task.getTaskDefinitionKey(), event: task.getEventName(), priority: task.getPriority(),
            groups: task.getCandidates().map(function (c) { return c.getGroupId(); }),
            same: task.getProcessInstanceId() === execution.getProcessInstanceId()
                  && task.getExecution().getCurrentActivityId() === 'review',
            hasId: !!task.getId(), assignee: task.getAssignee()};
execution.setVariable('seen', seen);
task.setPriority(task.getPriority() + 20);
task.setName('Review ' + task.getVariable('ref'));
task.setDueDate('2030-01-02T10:00:00Z');
task.addCandidateGroup('managers');
task.deleteCandidateGroup('accounting');
task.addCandidateUsers(['carol', 'dan']);]]></camunda:script>
        </camunda:taskListener>
        <camunda:taskListener event="assignment">
          <camunda:script scriptFormat="javascript"><![CDATA[
if (task.getAssignee() === 'bob') { task.setAssignee('boss'); task.setFollowUpDate('2030-01-01'); }]]>
          </camunda:script>
        </camunda:taskListener>
      </extensionElements>
    </userTask>
    <sequenceFlow id="f2" sourceRef="review" targetRef="e"/>
    <endEvent id="e"/>
  </process>
</definitions>"""


def _task(api, instance_id):
    [task] = api.instance(instance_id)["tasks"]
    return api.get(f"/api/tasks/{task['id']}").get_json()


def test_a_create_listener_assigns_the_task_and_the_assignment_listener_reads_the_assignee(api):
    api.deploy(INVOICE)
    inst = api.start("invoice_js", {"approver": "mary"})
    task = _task(api, inst["id"])
    assert task["assignee"] == "mary"
    # The assignment listener ran once, after the create listener, and read the assignee.
    assert api.instance(inst["id"])["variables"] == {"approver": "mary", "heard": 1}
    created = [e for e in api.history(inst["id"]) if e["type"] == "task.created"]
    assert created[0]["data"]["assignee"] == "mary"
    mary = api.as_user("mary", "operator")
    assert [t["id"] for t in mary.tasks(assignee="mary")] == [task["id"]]


def test_the_claim_fires_the_assignment_listener_with_the_claimer_and_completing_shows_the_holder(api):
    api.deploy(INVOICE)
    inst = api.start("invoice_js")
    task = _task(api, inst["id"])
    assert task["assignee"] is None and task["candidate_groups"] == ["accounting"]
    assert "approver" not in api.instance(inst["id"])["variables"]  # no assignee: no assignment listener
    bob = api.as_user("bob", "operator", ["accounting"])
    assert bob.post(f"/api/tasks/{task['id']}/claim").status_code == 200
    assert api.instance(inst["id"])["variables"] == {"approver": "bob", "heard": 1}
    # A complete listener sees the task's row as it is: its holder and candidates.
    assert bob.complete(task["id"])["variables"]["approvedBy"] == "bob in accounting"


def test_a_create_listener_changes_priority_name_dates_and_candidates(api):
    api.deploy(PLANNED)
    inst = api.start("planned_js", {"team": "auditors", "ref": "INV-7"})
    task = _task(api, inst["id"])
    assert api.instance(inst["id"])["variables"]["seen"] == {
        "key": "review", "event": "create", "priority": 60, "groups": ["accounting", "auditors"], "same": True,
        "hasId": True, "assignee": None}
    assert task["name"] == "Review INV-7"
    assert task["priority"] == 80
    assert task["due_at"].startswith("2030-01-02T10:00:00")
    assert task["candidate_groups"] == ["auditors", "managers"]
    assert task["candidate_users"] == ["carol", "dan"]
    carol = api.as_user("carol", "operator")
    assert [t["id"] for t in carol.tasks()] == [task["id"]]  # a candidate user now
    stranger = api.as_user("erin", "operator", ["accounting"])
    assert stranger.tasks() == []  # accounting is no candidate any more


def test_an_assignment_listener_that_reassigns_an_open_task_changes_its_row_with_history(api):
    api.deploy(PLANNED)
    inst = api.start("planned_js", {"team": "auditors", "ref": "INV-8"})
    task = _task(api, inst["id"])
    bob = api.as_user("bob", "operator", ["managers"])
    assert bob.post(f"/api/tasks/{task['id']}/claim").status_code == 200
    moved = _task(api, inst["id"])
    assert moved["assignee"] == "boss"
    assert moved["follow_up_at"].startswith("2030-01-01")
    events = [(e["type"], e["data"].get("from"), e["data"].get("to"), e["data"].get("by"))
              for e in api.history(inst["id"]) if e["type"] in ("task.claimed", "task.assigned")]
    assert events == [("task.claimed", None, None, None), ("task.assigned", "bob", "boss", "task listener")]


def test_a_task_method_not_offered_is_refused_at_deploy(api):
    xml = INVOICE.replace("task.setAssignee(approver);", "task.setOwner(approver);")
    errors = api.deploy(xml, expect=422)["errors"]
    assert any("it calls task.setOwner(), which is not offered here" in e["message"] and "setAssignee" in e["message"]
               for e in errors), errors


PYTHON = INVOICE.replace("invoice_js", "invoice_py").replace('scriptFormat="javascript"', 'scriptFormat="python"') \
    .replace("""if(!!task.getVariable('approver')) {
  task.setAssignee(approver);
}""", """if task.getVariable('approver'):
    task.setAssignee(approver)
    task.addCandidateGroups(['managers', 'auditors'])
    task.deleteCandidateGroup('auditors')
    task.setPriority(task.getPriority() + 1)""") \
    .replace("""task.setVariable('approver', task.getAssignee());
task.setVariable('heard', (task.getVariable('heard') || 0) + 1);""", """task.setVariable('approver', task.getAssignee())
heard = (task.getVariable('heard') or 0) + 1
where = [task.getTaskDefinitionKey(), task.getEventName(), task.getProcessInstanceId()]""") \
    .replace("""
execution.setVariable('approvedBy', task.getAssignee() + ' in ' + task.getCandidates()[0].getGroupId());""", """
approvedBy = task.getAssignee() + ' in ' + task.getCandidates()[0]['groupId']""")


def test_python_task_listeners_have_the_same_task(api):
    api.deploy(PYTHON)
    r = api.post("/api/process-instances", {"process": "invoice_py", "variables": {"approver": "mary", "task": 7}})
    assert r.status_code == 201, r.get_json()
    inst = r.get_json()
    assert [i["message"] for i in api.instance(inst["id"])["incidents"]] == []
    task = _task(api, inst["id"])
    assert (task["assignee"], task["candidate_groups"], task["priority"]) == ("mary", ["accounting", "managers"], 51)
    variables = api.instance(inst["id"])["variables"]
    assert variables["task"] == 7  # a variable named like the listener's `task` is left as it was
    assert (variables["approver"], variables["heard"]) == ("mary", 1)
    assert variables["where"] == ["approveInvoice", "assignment", inst["id"]]
    mary = api.as_user("mary", "operator")
    assert mary.complete(task["id"])["variables"]["approvedBy"] == "mary in accounting"
