"""Multi-instance behaviour events (engine/mi_behavior.py): None, One and Complex, through the API."""

from __future__ import annotations

REVIEWS = b'''<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="d" targetNamespace="x">
  <bpmn:signal id="sig" name="review-done"/>
  <bpmn:escalation id="esc" name="enough" escalationCode="ENOUGH"/>
  <bpmn:signalEventDefinition id="reviewDone" signalRef="sig"/>
  <bpmn:process id="reviews" isExecutable="true">
    <bpmn:startEvent id="s"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="review"/>
    <bpmn:userTask id="review" name="Review">
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      %(mi)s
    </bpmn:userTask>
    <bpmn:boundaryEvent id="onReview" attachedToRef="review">
      <bpmn:outgoing>f3</bpmn:outgoing>%(catch)s
    </bpmn:boundaryEvent>
    <bpmn:sequenceFlow id="f3" sourceRef="onReview" targetRef="notify"/>
    <bpmn:scriptTask id="notify" name="Notify the author" scriptFormat="python">
      <bpmn:incoming>f3</bpmn:incoming><bpmn:outgoing>f4</bpmn:outgoing>
      <bpmn:script>notified = True</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:sequenceFlow id="f4" sourceRef="notify" targetRef="e1"/>
    <bpmn:endEvent id="e1"><bpmn:incoming>f4</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="decide"/>
    <bpmn:userTask id="decide" name="Decide"><bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f5</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="f5" sourceRef="decide" targetRef="e2"/>
    <bpmn:endEvent id="e2"><bpmn:incoming>f5</bpmn:incoming></bpmn:endEvent>
  </bpmn:process>
</bpmn:definitions>'''
SIGNAL = '<bpmn:signalEventDefinition signalRef="sig"/>'
CARDINALITY = '<bpmn:loopCardinality xsi:type="bpmn:tFormalExpression">3</bpmn:loopCardinality>'
WATCHER = b'''<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="w" targetNamespace="x">
  <bpmn:signal id="sig" name="review-done"/>
  <bpmn:process id="watcher" isExecutable="true">
    <bpmn:startEvent id="s"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="wait"/>
    <bpmn:intermediateCatchEvent id="wait"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:signalEventDefinition signalRef="sig"/></bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="e"/>
    <bpmn:endEvent id="e"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
  </bpmn:process>
</bpmn:definitions>'''


def _deploy(api, mi, catch=SIGNAL):
    api.deploy(REVIEWS % {b"mi": mi.encode(), b"catch": catch.encode()})
    return api.start("reviews", {"approved": False})


def _open(api, instance_id, activity="review"):
    return [t for t in api.tasks(instance=instance_id, status="open") if t["activity"] == activity]


def _count(api, instance_id, activity):
    return [e["activity"] for e in api.history(instance_id) if e["type"] == "activity.completed"].count(activity)


def test_behavior_none_throws_after_every_instance_and_the_activity_runs_on(api):
    api.deploy(WATCHER)
    watcher = api.start("watcher")
    inst = _deploy(api, f'<bpmn:multiInstanceLoopCharacteristics isSequential="false" behavior="None" '
                        f'noneBehaviorEventRef="reviewDone">{CARDINALITY}</bpmn:multiInstanceLoopCharacteristics>')
    reviews = _open(api, inst["id"])
    assert len(reviews) == 3
    api.complete(reviews[0]["id"])
    # The activity's own boundary event took it without interrupting: two reviews are still open.
    assert _count(api, inst["id"], "notify") == 1 and len(_open(api, inst["id"])) == 2
    assert api.instance(watcher["id"])["status"] == "completed"  # a signal reaches its other catchers too
    for task in _open(api, inst["id"]):
        api.complete(task["id"])
    assert _count(api, inst["id"], "notify") == 3
    [decide] = _open(api, inst["id"], "decide")
    assert api.complete(decide["id"])["status"] == "completed"


def test_behavior_one_throws_when_the_first_instance_completes(api):
    inst = _deploy(api, f'<bpmn:multiInstanceLoopCharacteristics isSequential="true" behavior="One" '
                        f'oneBehaviorEventRef="reviewDone">{CARDINALITY}</bpmn:multiInstanceLoopCharacteristics>')
    for _ in range(3):
        [task] = _open(api, inst["id"])
        api.complete(task["id"])
    assert _count(api, inst["id"], "notify") == 1 and _count(api, inst["id"], "review") >= 3
    assert len(_open(api, inst["id"], "decide")) == 1


def test_behavior_complex_cancels_the_remaining_instances_when_its_condition_holds(api):
    inst = _deploy(api, '<bpmn:multiInstanceLoopCharacteristics isSequential="false" behavior="Complex">'
                        f'{CARDINALITY}<bpmn:complexBehaviorDefinition>'
                        '<bpmn:condition xsi:type="bpmn:tFormalExpression">${approved}</bpmn:condition>'
                        '<bpmn:event><bpmn:escalationEventDefinition escalationRef="esc"/></bpmn:event>'
                        '</bpmn:complexBehaviorDefinition></bpmn:multiInstanceLoopCharacteristics>',
                   catch='<bpmn:escalationEventDefinition escalationRef="esc"/>')
    first, second, _third = _open(api, inst["id"])
    api.complete(first["id"], {"approved": False})
    assert len(_open(api, inst["id"])) == 2 and _count(api, inst["id"], "notify") == 0
    after = api.complete(second["id"], {"approved": True})
    assert [t["activity"] for t in after["tasks"]] == ["decide"]  # the third review is cancelled
    assert _count(api, inst["id"], "notify") == 1
    assert [e["activity"] for e in api.history(inst["id"]) if e["type"] == "task.cancelled"] == ["review"]


def test_a_behavior_event_that_cannot_be_thrown_is_refused_naming_the_activity(api):
    xml = REVIEWS.replace(b'<bpmn:signalEventDefinition id="reviewDone" signalRef="sig"/>',
                          b'<bpmn:timerEventDefinition id="reviewDone"/>')
    mi = (f'<bpmn:multiInstanceLoopCharacteristics behavior="None" noneBehaviorEventRef="reviewDone">'
          f'{CARDINALITY}</bpmn:multiInstanceLoopCharacteristics>')
    r = api.post("/api/deployments", data=xml % {b"mi": mi.encode(), b"catch": SIGNAL.encode()},
                 content_type="application/xml")
    assert r.status_code == 422
    messages = [e["message"] for e in r.get_json()["errors"] if e["element"] == "review"]
    assert any("[unsupported-mi-behavior-event]" in m and "timerEventDefinition" in m for m in messages), messages
