"""Camunda 8 (Zeebe) extensions that run, read into what the Camunda 7 pipeline already runs.

`to_camunda(tree)` rewrites the parsed copy of a file (never the stored bytes) before anything else reads it:
a job (`zeebe:taskDefinition`) becomes an external task whose topic is the job type, and a message throw event
with a job becomes such a task (an end event is followed by a plain end event); user task assignment, schedule
and priority become the camunda: attributes; a call activity passes variables as `zeebe:calledElement` says;
multi-instance reads `zeebe:loopCharacteristics`; a FEEL script task evaluates its expression.
`settings(tree, errors)` reads `zeebe:ioMapping` (and the result of a FEEL script) into the settings
engine/camunda_runtime.py applies: inputs local to the activity, outputs written back, and, as in Zeebe, when
an activity has output mappings only they leave it (`isolate`). `meta(proc)` is what services show (job
retries and headers, correlation keys, embedded forms).
"""

from __future__ import annotations

import json
from typing import Any

from lxml import etree

from . import feel_conditions, zeebe_forms
from .zeebe_check import BPMN, FORM_KEY_PREFIX, ZEEBE, embedded_forms, simple_name

CAMUNDA = "http://camunda.org/schema/1.0/bpmn"
Errors = list[dict[str, Any]]
_THROWS = ("intermediateThrowEvent", "endEvent")


def _z(el: etree._Element, path: str) -> etree._Element | None:
    return el.find(f"{{{BPMN}}}extensionElements/{{{ZEEBE}}}{path}")


def _c(name: str) -> str:
    return f"{{{CAMUNDA}}}{name}"


def _set(el: etree._Element, name: str, value: str | None) -> None:
    if value is not None and value.strip() and el.get(_c(name)) is None:
        el.set(_c(name), value.strip())


def _throw_to_task(el: etree._Element) -> None:
    """A message throw event done by a job: a service task with the same id (and flows)."""
    for definition in el.findall(f"{{{BPMN}}}messageEventDefinition"):
        el.remove(definition)
    is_end = etree.QName(el.tag).localname == "endEvent"
    el.tag = f"{{{BPMN}}}serviceTask"
    if not is_end:
        return
    end_id, flow_id = f"{el.get('id')}__zeebe_end", f"{el.get('id')}__zeebe_flow"
    parent = el.getparent()
    end = etree.SubElement(parent, f"{{{BPMN}}}endEvent", id=end_id)
    etree.SubElement(end, f"{{{BPMN}}}incoming").text = flow_id
    etree.SubElement(parent, f"{{{BPMN}}}sequenceFlow", id=flow_id, sourceRef=el.get("id"), targetRef=end_id)
    out = etree.SubElement(el, f"{{{BPMN}}}outgoing")
    out.text = flow_id


def to_camunda(tree: etree._Element) -> None:
    """Rewrite the Zeebe extensions that run into their camunda: counterparts (see the module's doc)."""
    for el in list(tree.iter()):
        if not isinstance(el.tag, str) or etree.QName(el.tag).namespace != BPMN:
            continue
        name = etree.QName(el.tag).localname
        job = _z(el, "taskDefinition")
        if job is not None and (job.get("type") or "").strip() and name != "businessRuleTask":
            if name in _THROWS and el.find(f"{{{BPMN}}}messageEventDefinition") is not None:
                _throw_to_task(el)
            if etree.QName(el.tag).localname in ("serviceTask", "sendTask"):
                _set(el, "type", "external")
                _set(el, "topic", job.get("type"))
        if name == "userTask":
            _user_task(el)
        if name in ("userTask", "startEvent"):
            # An external form: the task (or start event) names the form the task application opens, as
            # camunda:formKey does in Camunda 7 (the task's `form_key`, /v2's externalFormReference).
            form = _z(el, "formDefinition")
            if form is not None:
                _set(el, "formKey", form.get("externalReference"))
        elif name == "callActivity":
            _call(el)
        elif name == "multiInstanceLoopCharacteristics":
            loop = el.find(f"{{{BPMN}}}extensionElements/{{{ZEEBE}}}loopCharacteristics")
            if loop is not None:
                _set(el, "collection", simple_name(loop.get("inputCollection")))
                _set(el, "elementVariable", loop.get("inputElement"))
        elif name == "scriptTask" and _z(el, "script") is not None and el.find(f"{{{BPMN}}}script") is None:
            el.set("scriptFormat", "python")
            etree.SubElement(el, f"{{{BPMN}}}script").text = "pass"  # the FEEL result is an output (settings)
        elif name == "process":
            tag = _z(el, "versionTag")
            if tag is not None:
                _set(el, "versionTag", tag.get("value"))


def _user_task(el: etree._Element) -> None:
    assignment = _z(el, "assignmentDefinition")
    if assignment is not None:
        for attr in ("assignee", "candidateGroups", "candidateUsers"):
            _set(el, attr, assignment.get(attr))
    schedule = _z(el, "taskSchedule")
    if schedule is not None:
        _set(el, "dueDate", schedule.get("dueDate"))
        _set(el, "followUpDate", schedule.get("followUpDate"))
    priority = _z(el, "priorityDefinition")
    if priority is not None:
        _set(el, "priority", priority.get("priority"))


def _call(el: etree._Element) -> None:
    called = _z(el, "calledElement")
    if called is None:
        return
    if not el.get("calledElement") and called.get("processId"):
        el.set("calledElement", called.get("processId").strip())
    ext = el.find(f"{{{BPMN}}}extensionElements")
    binding = etree.SubElement(ext, _c("in"), variables="all")
    if called.get("propagateAllParentVariables") == "false":
        binding.set("local", "true")  # only the input mappings (the call activity's local variables)
    etree.SubElement(ext, _c("out"), variables="all")  # outputs see the child's variables; see `isolate`


def _value(source: str | None, what: str, el: etree._Element, errors: Errors) -> dict[str, Any] | None:
    """A mapping source: FEEL after `=`, else a static string (as Camunda 8 reads it)."""
    text = source or ""
    if not feel_conditions.is_feel(text):
        return {"t": "expr", "src": repr(text)}
    stored, problem = feel_conditions.translate(text, value=True)
    if problem:
        errors.append({"line": el.sourceline, "element": el.get("id"), "message": f"{what}: {problem}"})
        return None
    return {"t": "expr", "src": stored}


def _nest(params: list[tuple[str, dict[str, Any] | None]]) -> list[list[Any]]:
    """Mappings as [[name, definition]]; dotted targets (`to.email`) become contexts built in order."""
    top: dict[str, Any] = {}
    for target, definition in params:
        head, *rest = target.split(".")
        if not rest:
            top[head] = definition
            continue
        node = top.get(head)
        if not isinstance(node, dict) or node.get("t") != "map":
            node = top[head] = {"t": "map", "entries": []}
        for part in rest[:-1]:
            child = next((d for k, d in node["entries"] if k == part and d and d.get("t") == "map"), None)
            if child is None:
                child = {"t": "map", "entries": []}
                node["entries"].append([part, child])
            node = child
        node["entries"].append([rest[-1], definition])
    return [[name, definition] for name, definition in top.items()]


def element_settings(el: etree._Element, errors: Errors) -> dict[str, Any]:
    out: dict[str, Any] = {}
    mapping = _z(el, "ioMapping")
    if mapping is not None:
        for kind in ("input", "output"):
            params = [((p.get("target") or "").strip(),
                       _value(p.get("source"), f"zeebe:{kind} {p.get('target')!r}", el, errors))
                      for p in mapping.findall(f"{{{ZEEBE}}}{kind}")]
            if params:
                out[f"{kind}s"] = _nest(params)
        if out.get("outputs"):
            out["isolate"] = True
    called = _z(el, "calledElement")
    if called is not None and called.get("propagateAllChildVariables") == "false":
        out["isolate"] = True
    script = _z(el, "script")
    if script is not None and script.get("resultVariable"):
        found = _value(script.get("expression"), "zeebe:script expression", el, errors)
        out["outputs"] = [*out.get("outputs", []), [script.get("resultVariable"), found]]
    return out


def merge_settings(found: dict[str, dict[str, Any]], tree: etree._Element, errors: Errors) -> None:
    """Add the Zeebe settings of each flow node to the Camunda 7 settings of the file (`found`, by id)."""
    for proc in tree.iter(f"{{{BPMN}}}process"):
        for el in proc.iter():
            if not isinstance(el.tag, str) or not el.get("id") or etree.QName(el.tag).namespace != BPMN:
                continue
            extra = element_settings(el, errors)
            if extra:
                mine = found.setdefault(el.get("id"), {})
                for key, value in extra.items():
                    mine[key] = [*mine.get(key, []), *value] if isinstance(value, list) else value


def add_meta(meta: dict[str, Any], proc: etree._Element) -> None:
    """Job retries and headers by activity (`jobs`), correlation keys by message name, and the embedded
    Camunda Form of each user task as its `form` (engine/zeebe_forms.py)."""
    found = _process_meta(proc)
    start = none_start_id(proc)
    for task_id, schema in found.pop("zeebe_forms", {}).items():
        if task_id in meta.get("user_tasks", {}):
            meta["user_tasks"][task_id]["form"] = zeebe_forms.task_form(schema)
        elif task_id == start:  # the start form: what an instance is started with (services/start_form.py)
            meta["start_form"] = zeebe_forms.task_form(schema)
    for task_id, form_id in found.pop("zeebe_form_ids", {}).items():
        if task_id in meta.get("user_tasks", {}):  # bound when the task is created (services/form_definitions.py)
            meta["user_tasks"][task_id]["form_id"] = form_id
        elif task_id == start:  # bound at deploy (services/form_definitions.py: link_forms)
            meta["start_form_id"], meta["start_event"] = form_id, start
    meta.update(found)


def none_start_id(proc: etree._Element) -> str | None:
    """The id of the process's none start event (the one a start form belongs to), if it has one."""
    for start in proc.findall(f"{{{BPMN}}}startEvent"):
        if not any(isinstance(c.tag, str) and etree.QName(c.tag).localname.endswith("EventDefinition")
                   for c in start):
            return start.get("id")
    return None


def _process_meta(proc: etree._Element) -> dict[str, Any]:
    jobs: dict[str, dict[str, Any]] = {}
    forms: dict[str, Any] = {}
    form_ids: dict[str, str] = {}
    embedded = embedded_forms(proc.getroottree().getroot())
    for el in proc.iter():
        if not isinstance(el.tag, str) or not el.get("id"):
            continue
        job = _z(el, "taskDefinition")
        if job is not None:
            headers = {h.get("key"): h.get("value") or "" for h in el.iterfind(
                f"{{{BPMN}}}extensionElements/{{{ZEEBE}}}taskHeaders/{{{ZEEBE}}}header") if h.get("key")}
            jobs[el.get("id")] = {"retries": int((job.get("retries") or "3").strip() or 3), "headers": headers}
        form = _z(el, "formDefinition")
        key = form.get("formKey") if form is not None else None
        if form is not None and (form.get("formId") or "").strip():
            form_ids[el.get("id")] = form.get("formId").strip()
        if key and key.startswith(FORM_KEY_PREFIX) and key[len(FORM_KEY_PREFIX):] in embedded:
            try:
                forms[el.get("id")] = json.loads(embedded[key[len(FORM_KEY_PREFIX):]].text or "")
            except ValueError:
                pass  # zeebe_check reports it
    root = proc.getroottree().getroot()
    keys = {}
    for message in root.iter(f"{{{BPMN}}}message"):
        sub = message.find(f"{{{BPMN}}}extensionElements/{{{ZEEBE}}}subscription")
        if sub is not None and sub.get("correlationKey"):
            keys[message.get("name") or message.get("id")] = sub.get("correlationKey").strip()
    found: dict[str, Any] = {}
    if jobs:
        found["jobs"] = jobs
    if forms:
        found["zeebe_forms"] = forms
    if form_ids:
        found["zeebe_form_ids"] = form_ids
    if keys:
        found["correlation_keys"] = keys
    return found
