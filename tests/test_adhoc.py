"""Ad-hoc subprocesses (engine/adhoc.py) driven through the API by their performers."""

from __future__ import annotations

RESEARCH = b'''<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="d" targetNamespace="x">
  <bpmn:process id="research" isExecutable="true">
    <bpmn:startEvent id="s"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="gather"/>
    <bpmn:adHocSubProcess id="gather" name="Gather evidence" ordering="%(ordering)s">
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:userTask id="read" name="Read the articles"/>
      <bpmn:userTask id="interview" name="Interview an expert"/>
      <bpmn:scriptTask id="count" name="Count sources" scriptFormat="python">
        <bpmn:outgoing>f3</bpmn:outgoing>
        <bpmn:script>sources = sources + 1</bpmn:script>
      </bpmn:scriptTask>
      <bpmn:sequenceFlow id="f3" sourceRef="count" targetRef="note"/>
      <bpmn:scriptTask id="note" name="Note the count" scriptFormat="python">
        <bpmn:incoming>f3</bpmn:incoming>
        <bpmn:script>noted = sources</bpmn:script>
      </bpmn:scriptTask>
      %(condition)s
    </bpmn:adHocSubProcess>
    <bpmn:sequenceFlow id="f2" sourceRef="gather" targetRef="write"/>
    <bpmn:userTask id="write" name="Write the report">
      <bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f4</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="f4" sourceRef="write" targetRef="e"/>
    <bpmn:endEvent id="e"><bpmn:incoming>f4</bpmn:incoming></bpmn:endEvent>
  </bpmn:process>
</bpmn:definitions>'''
CONDITION = ('<bpmn:completionCondition xsi:type="bpmn:tFormalExpression">${articles &amp;&amp; experts}'
             '</bpmn:completionCondition>')


def _deploy(api, ordering="Parallel", condition=CONDITION):
    api.deploy(RESEARCH % {b"ordering": ordering.encode(), b"condition": condition.encode()})
    return api.start("research", {"articles": False, "experts": False, "sources": 0})


def _open(api, instance_id):
    r = api.get(f"/api/process-instances/{instance_id}/adhoc")
    assert r.status_code == 200, r.get_json()
    return r.get_json()["items"]


def _start(api, instance_id, activity, expect=200, **body):
    r = api.post(f"/api/process-instances/{instance_id}/adhoc/{activity}", body)
    assert r.status_code == expect, r.get_json()
    return r.get_json()


def _task(api, instance_id, activity):
    [task] = [t for t in api.tasks(instance=instance_id, status="open") if t["activity"] == activity]
    return task


def test_performers_start_activities_and_the_completion_condition_ends_the_subprocess(api):
    inst = _deploy(api)
    assert inst["status"] == "running" and inst["tasks"] == []  # nothing runs until a performer starts it
    [gather] = _open(api, inst["id"])
    assert gather["activity"] == "gather" and gather["name"] == "Gather evidence"
    assert gather["completion_condition"] is True and gather["completable"] is False
    assert [a["activity"] for a in gather["enabled"]] == ["read", "interview", "count"]
    assert gather["enabled"][0]["name"] == "Read the articles"

    # Two performers start two activities; a third (count) runs its flow on the subprocess's variables.
    after = _start(api, inst["id"], "read")
    assert [t["activity"] for t in after["tasks"]] == ["read"]
    _start(api, inst["id"], "interview")
    after = _start(api, inst["id"], "count")
    assert after["variables"]["sources"] == 1 and after["variables"]["noted"] == 1
    assert sorted(_open(api, inst["id"])[0]["active"]) == ["interview", "read"]

    api.complete(_task(api, inst["id"], "read")["id"], {"articles": True})
    assert _open(api, inst["id"])[0]["active"] == ["interview"]  # the condition does not hold yet
    done = api.complete(_task(api, inst["id"], "interview")["id"], {"experts": True})
    # The condition holds: the subprocess completes and the process goes on with its variables.
    assert [t["activity"] for t in done["tasks"]] == ["write"]
    assert done["variables"]["articles"] is True and done["variables"]["experts"] is True
    assert done["variables"]["sources"] == 1
    assert _open(api, inst["id"]) == []
    events = api.history(inst["id"])
    started = [(e["activity"], e["data"]["adhoc"]) for e in events if e["type"] == "activity.started"]
    assert started == [("read", "gather"), ("interview", "gather"), ("count", "gather")]
    assert "gather" in [e["activity"] for e in events if e["type"] == "activity.completed"]


def test_the_condition_cancels_activities_still_running(api):
    inst = _deploy(api)
    _start(api, inst["id"], "read")
    _start(api, inst["id"], "read")  # an activity may run more than once
    _start(api, inst["id"], "interview")
    first, _second = [t for t in api.tasks(instance=inst["id"], status="open") if t["activity"] == "read"]
    api.complete(first["id"], {"articles": True})
    done = api.complete(_task(api, inst["id"], "interview")["id"], {"experts": True})
    assert [t["activity"] for t in done["tasks"]] == ["write"]  # cancelRemainingInstances (default true)
    cancelled = [e for e in api.history(inst["id"]) if e["type"] == "task.cancelled"]
    assert [e["activity"] for e in cancelled] == ["read"]


def test_sequential_ordering_runs_one_activity_at_a_time(api):
    inst = _deploy(api, ordering="Sequential")
    _start(api, inst["id"], "read")
    [gather] = _open(api, inst["id"])
    assert gather["ordering"] == "Sequential" and gather["enabled"] == [] and gather["active"] == ["read"]
    refused = _start(api, inst["id"], "interview", expect=409)
    assert "read" in refused["detail"] and "Sequential" in refused["detail"]
    api.complete(_task(api, inst["id"], "read")["id"], {"articles": True})
    assert [a["activity"] for a in _open(api, inst["id"])[0]["enabled"]] == ["read", "interview", "count"]
    _start(api, inst["id"], "interview")


def test_without_a_condition_a_performer_completes_it(api):
    inst = _deploy(api, condition="")
    [gather] = _open(api, inst["id"])
    assert gather["completable"] is True and gather["completion_condition"] is False
    _start(api, inst["id"], "count", variables={"sources": 10})
    r = api.post(f"/api/process-instances/{inst['id']}/adhoc/gather/complete", {})
    assert r.status_code == 200, r.get_json()
    done = r.get_json()
    assert [t["activity"] for t in done["tasks"]] == ["write"] and done["variables"]["noted"] == 11
    assert [e["type"] for e in api.history(inst["id"])].count("adhoc.completed") == 1


def test_what_cannot_be_started_or_completed_is_refused(api):
    inst = _deploy(api)
    assert _start(api, inst["id"], "note", expect=404)["status"] == 404  # has an incoming flow: not enabled
    assert _start(api, inst["id"], "nothing", expect=404)["status"] == 404
    r = api.post(f"/api/process-instances/{inst['id']}/adhoc/gather/complete", {})
    assert r.status_code == 409 and "completionCondition" in r.get_json()["detail"]
    r = api.post(f"/api/process-instances/{inst['id']}/adhoc/read", {"variables": []})
    assert r.status_code in (400, 422)
    api.post(f"/api/process-instances/{inst['id']}/cancel", {"reason": "test over"})
    assert _open(api, inst["id"]) == []
    assert _start(api, inst["id"], "read", expect=409)["status"] == 409


def test_an_operator_works_an_ad_hoc_subprocess_and_an_auditor_only_reads_it(api):
    _deploy(api)
    operator = api.as_user("olga", "operator")
    auditor = api.as_user("aldo", "auditor")
    inst = operator.start("research", {"articles": False, "experts": False, "sources": 0})
    assert [g["activity"] for g in _open(auditor, inst["id"])] == ["gather"]
    assert _start(auditor, inst["id"], "read", expect=403)["status"] == 403
    _start(operator, inst["id"], "read")


def test_what_an_ad_hoc_subprocess_cannot_run_is_refused_at_deploy_naming_the_element(api):
    gateway = ('<bpmn:parallelGateway id="loose"><bpmn:outgoing>g1</bpmn:outgoing></bpmn:parallelGateway>'
               '<bpmn:sequenceFlow id="g1" sourceRef="loose" targetRef="after"/>'
               '<bpmn:task id="after"><bpmn:incoming>g1</bpmn:incoming></bpmn:task>')
    r = api.post("/api/deployments", data=RESEARCH % {b"ordering": b"Parallel", b"condition": gateway.encode()},
                 content_type="application/xml")
    assert r.status_code == 422
    messages = [e["message"] for e in r.get_json()["errors"] if e["element"] == "loose"]
    assert any("[unsupported-adhoc-content]" in m and "'gather'" in m for m in messages), messages


def test_the_instance_page_offers_the_enabled_activities(app, api):
    from tests.test_web import Pages

    inst = _deploy(api, condition="")
    pages = Pages(app, api.token)
    page = pages.text(f"/ui/instances/{inst['id']}")
    assert "Ad-hoc work" in page and "Start Read the articles" in page and "Complete" in page
    [gather] = _open(api, inst["id"])
    r = pages.post(f"/ui/instances/{inst['id']}/adhoc/read", {"scope": gather["scope"]})
    assert r.status_code == 303
    assert [t["activity"] for t in api.tasks(instance=inst["id"], status="open")] == ["read"]
    r = pages.post(f"/ui/instances/{inst['id']}/adhoc/gather/complete", {"scope": gather["scope"]})
    assert r.status_code == 303
    assert [t["activity"] for t in api.tasks(instance=inst["id"], status="open")] == ["write"]
    assert "Ad-hoc work" not in pages.text(f"/ui/instances/{inst['id']}")


def test_without_cancel_remaining_instances_the_running_activities_finish_first(api):
    xml = (RESEARCH % {b"ordering": b"Parallel", b"condition": CONDITION.encode()}).replace(
        b'ordering="Parallel"', b'ordering="Parallel" cancelRemainingInstances="false"')
    api.deploy(xml)
    inst = api.start("research", {"articles": False, "experts": False, "sources": 0})
    for activity in ("read", "read", "interview"):
        _start(api, inst["id"], activity)
    first, second = [t for t in api.tasks(instance=inst["id"], status="open") if t["activity"] == "read"]
    api.complete(first["id"], {"articles": True})
    after = api.complete(_task(api, inst["id"], "interview")["id"], {"experts": True})
    # The condition holds, nothing more can be started, but the second reading is not cancelled: it finishes.
    assert [t["activity"] for t in after["tasks"]] == ["read"] and _open(api, inst["id"]) == []
    done = api.complete(second["id"], {"notes": "long read"})
    assert [t["activity"] for t in done["tasks"]] == ["write"] and done["variables"]["notes"] == "long read"


def test_an_ad_hoc_subprocess_inside_a_subprocess_with_a_boundary_timer_on_an_activity(api):
    inner = (RESEARCH % {b"ordering": b"Parallel", b"condition": b""}).decode()
    body = inner[inner.index("<bpmn:adHocSubProcess"):inner.index("</bpmn:adHocSubProcess>") + 23]
    body = body.replace('<bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>', "")
    xml = f'''<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="d" targetNamespace="x">
  <bpmn:process id="nested" isExecutable="true">
    <bpmn:startEvent id="s"><bpmn:outgoing>n1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="n1" sourceRef="s" targetRef="outer"/>
    <bpmn:subProcess id="outer"><bpmn:incoming>n1</bpmn:incoming><bpmn:outgoing>n2</bpmn:outgoing>
      <bpmn:startEvent id="os"><bpmn:outgoing>o1</bpmn:outgoing></bpmn:startEvent>
      <bpmn:sequenceFlow id="o1" sourceRef="os" targetRef="gather"/>
      {body.replace('<bpmn:adHocSubProcess id="gather" name="Gather evidence" ordering="Parallel">',
                    '<bpmn:adHocSubProcess id="gather" name="Gather evidence" ordering="Parallel">'
                    '<bpmn:incoming>o1</bpmn:incoming><bpmn:outgoing>o2</bpmn:outgoing>')
                .replace('<bpmn:userTask id="interview" name="Interview an expert"/>',
                         '<bpmn:userTask id="interview" name="Interview an expert"/>'
                         '<bpmn:boundaryEvent id="late" attachedToRef="interview"><bpmn:timerEventDefinition>'
                         '<bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>')}
      <bpmn:sequenceFlow id="o2" sourceRef="gather" targetRef="oe"/>
      <bpmn:endEvent id="oe"><bpmn:incoming>o2</bpmn:incoming></bpmn:endEvent>
    </bpmn:subProcess>
    <bpmn:sequenceFlow id="n2" sourceRef="outer" targetRef="e"/>
    <bpmn:endEvent id="e"><bpmn:incoming>n2</bpmn:incoming></bpmn:endEvent>
  </bpmn:process>
</bpmn:definitions>'''
    api.deploy(xml)
    inst = api.start("nested", {"sources": 0})
    [gather] = _open(api, inst["id"])
    assert [a["activity"] for a in gather["enabled"]] == ["read", "interview", "count"]
    after = _start(api, inst["id"], "interview")
    assert [w["activity"] for w in after["waiting"]] == ["late"]  # its boundary timer waits with it
    [timer] = api.get("/api/timers", query_string={"process": "nested"}).get_json()["items"]
    assert api.post(f"/api/timers/{timer['id']}/fire").status_code == 200
    after = api.instance(inst["id"])
    assert after["tasks"] == [] and after["waiting"] == []  # the timer ended the interview
    r = api.post(f"/api/process-instances/{inst['id']}/adhoc/gather/complete", {})
    assert r.status_code == 200 and r.get_json()["status"] == "completed"


def test_an_open_ad_hoc_subprocess_resumes_after_a_restart(app_config, api):
    from bpmn_server import create_app
    from models import db
    from tests.client import Api
    from tests.conftest import ADMIN_TOKEN

    inst = _deploy(api)
    _start(api, inst["id"], "read")
    api.complete(_task(api, inst["id"], "read")["id"], {"articles": True})
    with api.app.app_context():  # the first server goes away; its state is in the database
        db.session.remove()
        db.engine.dispose()
    again = Api(create_app(app_config), ADMIN_TOKEN)
    [gather] = _open(again, inst["id"])
    assert gather["active"] == [] and [a["activity"] for a in gather["enabled"]][:2] == ["read", "interview"]
    _start(again, inst["id"], "interview")
    done = again.complete(_task(again, inst["id"], "interview")["id"], {"experts": True})
    assert [t["activity"] for t in done["tasks"]] == ["write"]  # what was merged before the restart still counts
    with again.app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_migrating_an_instance_whose_ad_hoc_subprocess_ran_is_refused_naming_it(api):
    inst = _deploy(api)
    _start(api, inst["id"], "read")
    api.deploy((RESEARCH % {b"ordering": b"Parallel", b"condition": CONDITION.encode()}).replace(
        b'name="Write the report"', b'name="Write the final report"'))
    r = api.post(f"/api/process-instances/{inst['id']}/migrate", {"version": 2, "reason": "new wording"})
    assert r.status_code == 422
    assert [e["element"] for e in r.get_json()["errors"]] == ["gather"]
    assert api.instance(inst["id"])["version"] == 1 and _open(api, inst["id"])[0]["active"] == ["read"]


def test_a_completion_condition_that_fails_is_an_incident_of_the_subprocess_and_a_retry_goes_on(api):
    inst = _deploy(api, condition=CONDITION.replace("${articles &amp;&amp; experts}", "${enough &gt; 1}"))
    failed = _start(api, inst["id"], "count")
    assert failed["status"] == "failed"
    [incident] = failed["incidents"]
    assert incident["activity"] == "gather" and "completionCondition" in incident["message"]
    r = api.patch(f"/api/process-instances/{inst['id']}/variables", {"set": {"enough": 2}, "reason": "fixed"})
    assert r.status_code == 200, r.get_json()
    done = api.post(f"/api/process-instances/{inst['id']}/retry", {"reason": "fixed"}).get_json()
    assert done["status"] == "running" and [t["activity"] for t in done["tasks"]] == ["write"]
    assert done["variables"]["sources"] == 1 and done["variables"]["noted"] == 1
