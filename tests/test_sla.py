"""Service levels: SLA adherence, overdue tasks, rework and exception categories, on /metrics and the dashboard."""

from __future__ import annotations

from tests.test_web import Pages

DUE = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="http://t">
  <bpmn:process id="sla" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:userTask id="work" name="Work" camunda:dueDate="P1D"/>
    <bpmn:exclusiveGateway id="again" default="done"/>
    <bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="work"/>
    <bpmn:sequenceFlow id="f2" sourceRef="work" targetRef="again"/>
    <bpmn:sequenceFlow id="redo" sourceRef="again" targetRef="work">
      <bpmn:conditionExpression>${redo == true}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="done" sourceRef="again" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>"""


def metric(text: str, name: str, **labels: str) -> float | None:
    for line in text.splitlines():
        if line.startswith(f"{name}{{") and all(f'{k}="{v}"' in line for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return None


def test_adherence_overdue_rework_and_exceptions(app, api):
    api.deploy(DUE, "ex_script_fail.bpmn")
    first = api.post("/api/process-instances", {"process": "sla"}).get_json()
    task = first["tasks"][0]["id"]
    second = api.post(f"/api/tasks/{task}/complete", {"variables": {"redo": True}}).get_json()  # on time
    late = second["tasks"][0]["id"]
    assert api.patch(f"/api/tasks/{late}", {"due_at": "2020-01-01T00:00:00Z"}).status_code == 200
    overdue = api.post("/api/process-instances", {"process": "sla"}).get_json()["tasks"][0]["id"]
    api.patch(f"/api/tasks/{overdue}", {"due_at": "2020-01-01T00:00:00Z"})
    api.post(f"/api/tasks/{late}/complete", {"variables": {"redo": False}})  # after its due date
    api.post("/api/process-instances", {"process": "ex_script_fail", "variables": {"amount": 1, "count": 0}})
    api.post("/api/process-instances", {"process": "ex_script_fail", "variables": {"amount": 1, "count": 1}})
    text = api.get("/metrics").get_data(as_text=True)
    assert metric(text, "bpmn_sla_adherence_ratio", process="sla", activity="work") == 0.5
    assert metric(text, "bpmn_sla_tasks", process="sla", activity="work", outcome="missed") == 1
    assert metric(text, "bpmn_tasks_overdue", process="sla", activity="work") == 1
    assert metric(text, "bpmn_rework_instances", process="sla", activity="work") == 1
    [rate_line] = [line for line in text.splitlines() if line.startswith("bpmn_exception_rate{")]
    assert 'process="ex_script_fail"' in rate_line and rate_line.endswith(" 0.5")
    page = Pages(app, api.token).text("/ui/dashboard")
    section = page[page.index('id="service-levels"'):]
    assert "SLA adherence" in section and "50.0 %" in section and "Overdue open tasks" in section
    assert "Exception categories" in section and "script" in section
