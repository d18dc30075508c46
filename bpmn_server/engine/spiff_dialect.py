"""spiff-arena's BPMN dialect (`spiffworkflow:` extensions), rewritten into the Camunda 7 extensions that run here.

Every `spiffworkflow:` element and attribute is looked up in CATALOGUE: it either runs, is harmless (no effect
on execution, the reason written down), or is refused at deploy naming the element. What runs is rewritten, on
the copy the engine parses (the uploaded bytes are stored as they came), into Camunda 7 constructs with the same
meaning, so one runtime (engine/camunda_runtime.py) serves both dialects:

- `preScript`  -> a Python `camunda:executionListener event="start"`, before any other start listener: it runs
  when the activity is entered, before its own work (spiff-arena's prescript);
- `postScript` -> a Python `camunda:executionListener event="end"`, after any other end listener: it runs when
  the activity's work is done (for a user task, after the form is submitted);
- `serviceTaskOperator` -> an external task whose topic is the operator id; each `spiffworkflow:parameter` is a
  local input variable of the task (its `value` is a Python expression, as in spiff-arena); the worker completes
  the task with a variable `result` (the operator's response), stored in `resultVariable` (spiff-arena's
  `spiff__<task id>_result` without one); `result` itself stays local to the task.

A file that uses both `camunda:` and `spiffworkflow:` extensions is refused: the two dialects give the same
constructs different meanings and no modeler writes both.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from . import instructions, spiff_messages
from .camunda_config import BPMN, CAMUNDA

SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"
RUNS, HARMLESS, REFUSED = "runs", "harmless", "refused"
WORKER_RESULT = "result"  # the variable the worker completes an operator task with

# Element (or `@attribute`) local name -> (status, what it does here / why not).
CATALOGUE: dict[str, tuple[str, str]] = {
    "preScript": (RUNS, "Python run when the activity is entered (a start execution listener)"),
    "postScript": (RUNS, "Python run when the activity's work is done (an end execution listener)"),
    "serviceTaskOperator": (RUNS, "an external task: the operator id is the topic, its parameters local input "
                                  "variables, the worker's `result` is stored in resultVariable"),
    "parameters": (RUNS, "the operator's parameters (see serviceTaskOperator)"),
    "parameter": (RUNS, "one operator parameter: `id` is the variable, `value` a Python expression"),
    "unitTests": (HARMLESS, "spiff-arena's test fixtures for a script task; its test runner reads them, running "
                            "a process never does"),
    "unitTest": (HARMLESS, "one script unit test (see unitTests)"),
    "inputJson": (HARMLESS, "a script unit test's input (see unitTests)"),
    "expectedOutputJson": (HARMLESS, "a script unit test's expected output (see unitTests)"),
    "instructionsForEndUser": (RUNS, "on a user or manual task: a Jinja template (markdown) rendered with the "
                                     "variables when the task is created, shown on the task page and in the API"),
    "properties": (RUNS, "a list of spiffworkflow:property; each is checked on its own"),
    "property": (HARMLESS, "a named value spiff-arena keeps as task metadata; no effect on execution (except the "
                           "form properties of FORM_PROPERTIES)"),
    "messagePayload": (RUNS, "on a message throw event or send task (or its bpmn:message): a Python expression "
                             "evaluated when the message is sent; its value is the message's payload, to a catcher "
                             "in the same instance or, when it is an object, to the instance or process it reaches"),
    "messageVariable": (RUNS, "on a message catch event or receive task (or its bpmn:message): the payload is "
                              "stored whole in this variable (without it, an object payload is merged into the "
                              "variables, as a POST /api/messages with variables is)"),
    "processVariableCorrelation": (RUNS, "on a message catch event or receive task: the waiting instance is the "
                                         "one whose process variable (`expression`, a variable name) equals the "
                                         "correlation property (`propertyId`) of the message, computed from its "
                                         "payload by the property's correlationPropertyRetrievalExpression"),
    "propertyId": (RUNS, "the correlation property (see processVariableCorrelation)"),
    "expression": (RUNS, "the process variable the property is compared with (see processVariableCorrelation)"),
    "calledDecisionId": (RUNS, "on a business rule task: the latest deployed version of that DMN decision "
                               "(deploy its .dmn file), its result merged into the variables as spiff-arena does "
                               "(engine/decision_task.py)"),
    "signalButtonLabel": (REFUSED, "buttons that send a signal from the task page are not shown by this server"),
    "variableName": (REFUSED, "spiff-arena's data-object variable name is not supported"),
    "@scriptsOnInstances": (REFUSED, "pre/post scripts per multi-instance instance are not supported"),
}
# Properties that give a user task its form: JSON files deployed beside the diagram (services/spiff_forms.py
# reads them at deploy and refuses a file that is missing or not a JSON Schema).
FORM_PROPERTIES = {"formJsonSchemaFilename": "schema_file", "formUiSchemaFilename": "ui_schema_file"}


def _local(el: Any) -> str:
    return etree.QName(el.tag).localname if isinstance(el.tag, str) else ""


def _ns(el: Any) -> str | None:
    return etree.QName(el.tag).namespace if isinstance(el.tag, str) else None


def _owner(el: etree._Element) -> etree._Element:
    """The nearest BPMN element with an id: the element an error names."""
    for up in (el, *el.iterancestors()):
        if _ns(up) == BPMN and up.get("id"):
            return up
    return el


def _err(el: etree._Element, message: str) -> dict[str, Any]:
    return {"line": el.sourceline, "element": _owner(el).get("id"), "message": message}


def uses(root: etree._Element) -> bool:
    """Whether the document uses any spiffworkflow: element or attribute."""
    return any(_ns(el) == SPIFF or any(a.startswith(f"{{{SPIFF}}}") for a in el.attrib)
               for el in root.iter() if isinstance(el.tag, str))


def _uses_camunda(root: etree._Element) -> bool:
    return any(_ns(el) == CAMUNDA or any(a.startswith(f"{{{CAMUNDA}}}") for a in el.attrib)
               for el in root.iter() if isinstance(el.tag, str))


def problems(root: etree._Element) -> list[dict[str, Any]]:
    """Every spiffworkflow: element or attribute refused here, and a file mixing dialects."""
    found: list[dict[str, Any]] = []
    if uses(root) and _uses_camunda(root):
        found.append({"line": root.sourceline, "element": None,
                      "message": "the file mixes spiff-arena's (spiffworkflow:) and Camunda's (camunda:) extensions; "
                                 "use one dialect per file"})
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        for attr in el.attrib:
            if attr.startswith(f"{{{SPIFF}}}"):
                name = etree.QName(attr).localname
                status = CATALOGUE.get(f"@{name}", (REFUSED, "not a spiffworkflow attribute this server knows"))
                if status[0] == REFUSED:
                    found.append(_err(el, f"[spiffworkflow:{name}] is not supported: {status[1]}"))
        if _ns(el) != SPIFF:
            continue
        name = _local(el)
        status = CATALOGUE.get(name)
        if status is None:
            found.append(_err(el, f"[spiffworkflow:{name}] is not a spiff-arena extension this server knows; "
                                  "refused rather than ignored"))
        elif status[0] == REFUSED:
            found.append(_err(el, f"[spiffworkflow:{name}] is not supported: {status[1]}"))
        elif name == "property" and el.get("name") in FORM_PROPERTIES:
            found.extend(_form_property_problems(el))
        elif name == "serviceTaskOperator":
            found.extend(_operator_problems(el))
        elif name == "instructionsForEndUser":
            found.extend(_instructions_problems(el))
        elif name in ("messagePayload", "messageVariable"):
            found.extend(spiff_messages.message_problems(el, name))
        elif name == "processVariableCorrelation":
            found.extend(spiff_messages.correlation_problems(el))
        elif name == "calledDecisionId" and _local(_owner(el)) != "businessRuleTask":
            found.append(_err(el, "[spiffworkflow:calledDecisionId] belongs to a business rule task"))
        elif name in ("preScript", "postScript") and _local(_owner(el)) in ("process", "sequenceFlow"):
            found.append(_err(el, f"[spiffworkflow:{name}] belongs to an activity or an event"))
    return found


def _instructions_problems(el: etree._Element) -> list[dict[str, Any]]:
    if _local(_owner(el)) not in ("userTask", "manualTask"):
        return [_err(el, "[spiffworkflow:instructionsForEndUser] is shown on user and manual tasks only; elsewhere "
                         "(an end event, say) there is no task page to show it on")]
    wrong = instructions.problem(el.text or "")
    return [_err(el, f"[spiffworkflow:instructionsForEndUser] {wrong}")] if wrong else []


def _form_property_problems(el: etree._Element) -> list[dict[str, Any]]:
    name, value = el.get("name"), (el.get("value") or "").strip()
    if _local(_owner(el)) != "userTask":
        return [_err(el, f"[spiffworkflow:property {name}] gives a user task its form; it belongs to a user task")]
    if not value:
        return [_err(el, f"[spiffworkflow:property {name}] needs a value: the name of a JSON file deployed "
                         "beside the diagram")]
    return []


def user_task_meta(el: etree._Element) -> dict[str, Any]:
    """What the task row needs of a user or manual task's spiff extensions: its instructions template, and the
    JSON files of its form (`spiff_form`, resolved against the deployment's files by services/spiff_forms.py)."""
    meta: dict[str, Any] = {}
    found = el.find(f"{{{BPMN}}}extensionElements/{{{SPIFF}}}instructionsForEndUser")
    if found is not None and (found.text or "").strip():
        meta["instructions"] = found.text
    files = {FORM_PROPERTIES[p.get("name")]: (p.get("value") or "").strip()
             for p in el.iterfind(f"{{{BPMN}}}extensionElements/{{{SPIFF}}}properties/{{{SPIFF}}}property")
             if p.get("name") in FORM_PROPERTIES}
    if files:
        meta["spiff_form"] = files
    return meta


def _operator_problems(el: etree._Element) -> list[dict[str, Any]]:
    host = _owner(el)
    found = []
    if _local(host) not in ("serviceTask", "sendTask"):
        found.append(_err(el, "[spiffworkflow:serviceTaskOperator] belongs to a service task"))
    if not (el.get("id") or "").strip():
        found.append(_err(el, "[spiffworkflow:serviceTaskOperator] needs an id (the operator, used as the topic)"))
    variable = el.get("resultVariable")
    if variable and not variable.isidentifier():
        found.append(_err(el, f"[spiffworkflow:serviceTaskOperator] resultVariable {variable!r} is not a "
                              "variable name"))
    for param in el.iter(f"{{{SPIFF}}}parameter"):
        if not (param.get("id") or "").isidentifier():
            found.append(_err(param, f"[spiffworkflow:parameter] id {param.get('id')!r} is not a variable name"))
    return found


def _extensions(host: etree._Element) -> etree._Element:
    ext = host.find(f"{{{BPMN}}}extensionElements")
    if ext is None:
        ext = etree.Element(f"{{{BPMN}}}extensionElements")
        host.insert(0, ext)
    return ext


def _script(parent: etree._Element, text: str) -> None:
    script = etree.SubElement(parent, f"{{{CAMUNDA}}}script", scriptFormat="python")
    script.text = text


def _listener(event: str, text: str) -> etree._Element:
    listener = etree.Element(f"{{{CAMUNDA}}}executionListener", event=event)
    _script(listener, text)
    return listener


def to_camunda(root: etree._Element) -> None:
    """Rewrite, in place, what runs of the dialect into Camunda 7 extensions (the caller passes a copy that
    problems() found nothing refused in)."""
    for el in list(root.iter(f"{{{SPIFF}}}preScript", f"{{{SPIFF}}}postScript")):
        host, ext = _owner(el), el.getparent()
        if (el.text or "").strip() and ext is not None and _local(ext) == "extensionElements":
            if _local(el) == "preScript":
                ext.insert(0, _listener("start", el.text))
            else:
                ext.append(_listener("end", el.text))
        el.getparent().remove(el)
        del host  # the listener sits in the host's extensionElements, where el was
    for op in list(root.iter(f"{{{SPIFF}}}serviceTaskOperator")):
        _operator(op)


def _operator(op: etree._Element) -> None:
    host = _owner(op)
    host.set(f"{{{CAMUNDA}}}type", "external")
    host.set(f"{{{CAMUNDA}}}topic", op.get("id"))
    io = etree.SubElement(_extensions(host), f"{{{CAMUNDA}}}inputOutput")
    for param in op.iter(f"{{{SPIFF}}}parameter"):
        item = etree.SubElement(io, f"{{{CAMUNDA}}}inputParameter", name=param.get("id"))
        _script(item, param.get("value") or "None")
    # `result` is local: what the worker completes it with goes to resultVariable only.
    etree.SubElement(io, f"{{{CAMUNDA}}}inputParameter", name=WORKER_RESULT)
    target = op.get("resultVariable") or f"spiff__{host.get('id')}_result"
    out = etree.SubElement(io, f"{{{CAMUNDA}}}outputParameter", name=target)
    out.text = f"${{{WORKER_RESULT}}}"
    op.getparent().remove(op)
