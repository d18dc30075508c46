"""spiff-arena's messages: `spiffworkflow:messagePayload` (a Python expression, the payload of the message sent)
and `spiffworkflow:messageVariable` (the variable the received payload is stored in), on the event definition or,
as older spiff-arena files have them, on the bpmn:message; between instances and through POST /api/messages."""

from __future__ import annotations

SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"


def _doc(key: str, body: str, messages: str) -> str:
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/'
            f'20100524/MODEL" xmlns:spiffworkflow="{SPIFF}" id="d_{key}" targetNamespace="t">{messages}'
            f'<bpmn:process id="{key}" isExecutable="true">{body}</bpmn:process></bpmn:definitions>')


def _ext(name: str, text: str) -> str:
    return f"<bpmn:extensionElements><spiffworkflow:{name}>{text}</spiffworkflow:{name}></bpmn:extensionElements>"


def _flows(*nodes: str) -> str:
    return "".join(f'<bpmn:sequenceFlow id="f{i}" sourceRef="{a}" targetRef="{b}"/>'
                   for i, (a, b) in enumerate(zip(nodes, nodes[1:], strict=False)))


ORDER = '<bpmn:message id="m_order" name="order_placed"/><bpmn:message id="m_paid" name="order_paid"/>'
SENDER = _doc("shop", '<bpmn:startEvent id="start"/><bpmn:intermediateThrowEvent id="send">'
              '<bpmn:messageEventDefinition messageRef="m_order">'
              + _ext("messagePayload", '{"order_id": order_id, "lines": [sku]}') + '</bpmn:messageEventDefinition>'
              '</bpmn:intermediateThrowEvent><bpmn:userTask id="wait"/><bpmn:endEvent id="end"/>'
              + _flows("start", "send", "wait", "end"), ORDER)
RECEIVER = _doc("fulfil", '<bpmn:startEvent id="got"><bpmn:messageEventDefinition messageRef="m_order">'
                + _ext("messageVariable", "order") + '</bpmn:messageEventDefinition></bpmn:startEvent>'
                '<bpmn:intermediateCatchEvent id="paid"><bpmn:messageEventDefinition messageRef="m_paid"/>'
                '</bpmn:intermediateCatchEvent><bpmn:userTask id="pack"/><bpmn:endEvent id="end"/>'
                + _flows("got", "paid", "pack", "end"),
                ORDER.replace('<bpmn:message id="m_paid" name="order_paid"/>',
                              '<bpmn:message id="m_paid" name="order_paid">' + _ext("messageVariable", "payment")
                              + '</bpmn:message>'))


def test_a_payload_sent_by_one_process_starts_another_in_its_message_variable(api):
    api.deploy(RECEIVER)
    api.deploy(SENDER)
    api.start("shop", {"order_id": 7, "sku": "A-1", "secret": "not sent"})
    [received] = api.get("/api/process-instances", query_string={"process": "fulfil"}).get_json()["items"]
    variables = api.instance(received["id"])["variables"]
    assert variables == {"order": {"order_id": 7, "lines": ["A-1"]}}  # the payload, nothing else of the sender


def test_a_message_through_the_api_is_stored_in_the_message_variable_of_the_older_place(api):
    api.deploy(RECEIVER)
    r = api.post("/api/messages", {"name": "order_placed", "business_key": "O-9", "variables": {"order_id": 9}})
    assert r.status_code in (200, 201), r.get_json()
    inst = api.instance(r.get_json()["instance_id"])
    assert inst["variables"] == {"order": {"order_id": 9}}
    r = api.post("/api/messages", {"name": "order_paid", "business_key": "O-9", "variables": {"amount": 12.5}})
    assert r.status_code == 200, r.get_json()
    after = api.instance(inst["id"])
    assert after["variables"] == {"order": {"order_id": 9}, "payment": {"amount": 12.5}}
    assert [t["activity"] for t in after["tasks"]] == ["pack"]


def test_a_payload_and_variable_in_the_wrong_place_or_not_compiling_are_refused(api):
    bad = SENDER.replace('{"order_id": order_id, "lines": [sku]}', '{"order_id": }')
    body = api.deploy(bad, expect=422)
    assert any(e["element"] == "send" and "[spiffworkflow:messagePayload]" in e["message"]
               and "does not compile" in e["message"] for e in body["errors"]), body
    body = api.deploy(RECEIVER.replace(">order<", ">2 orders<"), expect=422)
    assert any(e["element"] == "got" and "is not a variable name" in e["message"] for e in body["errors"]), body
    body = api.deploy(SENDER.replace("messagePayload", "messageVariable").replace(
        '{"order_id": order_id, "lines": [sku]}', "order"), expect=422)
    assert any(e["element"] == "send" and "belongs to a message catch event" in e["message"]
               for e in body["errors"]), body


CORRELATED = _doc(
    "billing", '<bpmn:startEvent id="start"/><bpmn:intermediateCatchEvent id="paid">'
    '<bpmn:messageEventDefinition messageRef="m_paid"><bpmn:extensionElements>'
    '<spiffworkflow:messageVariable>payment</spiffworkflow:messageVariable>'
    '<spiffworkflow:processVariableCorrelation><spiffworkflow:propertyId>order_id</spiffworkflow:propertyId>'
    '<spiffworkflow:expression>order_number</spiffworkflow:expression></spiffworkflow:processVariableCorrelation>'
    '</bpmn:extensionElements></bpmn:messageEventDefinition></bpmn:intermediateCatchEvent>'
    '<bpmn:userTask id="ship"/><bpmn:endEvent id="end"/>' + _flows("start", "paid", "ship", "end"),
    '<bpmn:message id="m_paid" name="order_paid"/><bpmn:correlationProperty id="order_id" name="Order">'
    '<bpmn:correlationPropertyRetrievalExpression messageRef="m_paid">'
    '<bpmn:messagePath>order["id"]</bpmn:messagePath>'
    '</bpmn:correlationPropertyRetrievalExpression></bpmn:correlationProperty>')
PAYER = _doc("payer", '<bpmn:startEvent id="start"/><bpmn:endEvent id="pay">'
             '<bpmn:messageEventDefinition messageRef="m_paid">'
             + _ext("messagePayload", '{"order": {"id": which}, "amount": 10}')
             + '</bpmn:messageEventDefinition></bpmn:endEvent>' + _flows("start", "pay"),
             '<bpmn:message id="m_paid" name="order_paid"/>')


def test_a_message_goes_to_the_instance_its_correlation_property_names(api):
    api.deploy(CORRELATED)
    first, second = (api.start("billing", {"order_number": n}) for n in (1, 2))
    r = api.post("/api/messages", {"name": "order_paid", "variables": {"order": {"id": 2}, "amount": 5}})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["instance_id"] == second["id"]
    assert api.instance(second["id"])["variables"]["payment"] == {"order": {"id": 2}, "amount": 5}
    assert [t["activity"] for t in api.instance(first["id"])["tasks"]] == []  # still waiting
    # Sent by another process: its payload's property picks the instance too.
    api.deploy(PAYER)
    api.start("payer", {"which": 1})
    assert api.instance(first["id"])["variables"]["payment"] == {"order": {"id": 1}, "amount": 10}
    # A payload without the property, or naming no waiting instance, reaches none.
    r = api.post("/api/messages", {"name": "order_paid", "variables": {"order": {"id": 3}}})
    assert r.status_code == 404, r.get_json()


def test_a_correlation_by_an_expression_or_without_retrieval_is_refused(api):
    body = api.deploy(CORRELATED.replace("<spiffworkflow:expression>order_number<",
                                         "<spiffworkflow:expression>order.number<"), expect=422)
    assert any(e["element"] == "paid" and "only a process variable name" in e["message"]
               for e in body["errors"]), body
    body = api.deploy(CORRELATED.replace('messageRef="m_paid">\'', "").replace(
        '<bpmn:correlationPropertyRetrievalExpression messageRef="m_paid">',
        '<bpmn:correlationPropertyRetrievalExpression messageRef="m_other">').replace(
        '<bpmn:message id="m_paid" name="order_paid"/>',
        '<bpmn:message id="m_paid" name="order_paid"/><bpmn:message id="m_other" name="other"/>'), expect=422)
    assert any(e["element"] == "paid" and "has no correlationPropertyRetrievalExpression" in e["message"]
               for e in body["errors"]), body
