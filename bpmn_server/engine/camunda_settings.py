"""Collect the Camunda 7 settings of a file (engine/camunda_config.py) and put them on the parsed specs;
and the Camunda metadata services show (form keys, follow-up dates, version tags, history time to live)."""

from __future__ import annotations

import re
from typing import Any

from lxml import etree

from . import feel_conditions
from .camunda_config import BPMN, CAMUNDA, KEY, element_settings, error_messages, retry_cycle, take_listeners
from .expressions import translate_assignment
from .forms import parse_form

Errors = list[dict[str, Any]]
_DAYS = re.compile(r"^\s*(\d+)\s*$")
_ISO_DAYS = re.compile(r"^\s*P(\d+)D\s*$", re.I)


def collect(tree: etree._Element, errors: Errors) -> dict[str, dict[str, Any]]:
    """{element id: settings} of every flow node of a (translated, not yet rewritten) file."""
    found: dict[str, dict[str, Any]] = {}
    messages = error_messages(tree)
    for proc in tree.iter(f"{{{BPMN}}}process"):
        for el in proc.iter():
            if not isinstance(el.tag, str) or not el.get("id") or etree.QName(el.tag).namespace != BPMN:
                continue
            one = element_settings(el, errors)
            if one.get("error_vars"):
                one["error_messages"] = messages
            if one:
                found[el.get("id")] = one
        for target, by_source in take_listeners(proc, errors).items():
            found.setdefault(target, {})["take"] = by_source
    return found


def attach(specs: list[Any], settings: dict[str, dict[str, dict[str, Any]]]) -> None:
    """Store each element's settings in its task spec's `extensions` (serialized with the spec).

    A multi-instance or loop activity's settings go to the inner activity, which runs once per instance."""
    for spec in specs:
        by_id = settings.get(getattr(spec, "file", None) or "", {})
        for task_spec in spec.task_specs.values():
            if isinstance(getattr(task_spec, "task_spec", None), str):
                continue  # the multi-instance or loop body around the inner activity
            found = by_id.get(getattr(task_spec, "bpmn_id", None) or "")
            if found:
                _put(task_spec, found)
        # Listeners of the process itself: start ones on its Start task, end ones on its End task.
        listeners = by_id.get(spec.name, {}).get("listeners", {})
        for event, internal in (("start", "Start"), ("end", "End")):
            if listeners.get(event) and internal in spec.task_specs:
                _put(spec.task_specs[internal], {"listeners": {event: listeners[event]}})


def _put(task_spec: Any, found: dict[str, Any]) -> None:
    extensions = getattr(task_spec, "extensions", None)
    task_spec.extensions = {**(extensions if isinstance(extensions, dict) else {}), KEY: found}


def _c(el: etree._Element, name: str) -> str | None:
    value = el.get(f"{{{CAMUNDA}}}{name}")
    return value.strip() if value and value.strip() else None


def history_days(value: str | None) -> int | None:
    """camunda:historyTimeToLive as days: "30" or "P30D"; None when unset."""
    if value is None:
        return None
    match = _DAYS.match(value) or _ISO_DAYS.match(value)
    if not match:
        raise ValueError(f"historyTimeToLive {value!r} is not a number of days (\"30\" or \"P30D\")")
    return int(match.group(1))


def process_meta(proc: etree._Element, errors: Errors) -> dict[str, Any]:
    """Definition-level metadata: version tag, history time to live, default external task priority."""
    meta: dict[str, Any] = {"version_tag": _c(proc, "versionTag")}
    try:
        meta["history_time_to_live"] = history_days(_c(proc, "historyTimeToLive"))
    except ValueError as exc:
        errors.append({"line": proc.sourceline, "element": proc.get("id"), "message": str(exc)})
    meta["task_priority"] = translate_assignment(_c(proc, "taskPriority"))
    external: dict[str, Any] = {}
    cycles: dict[str, Any] = {}
    for el in proc.iter(f"{{{BPMN}}}serviceTask", f"{{{BPMN}}}sendTask"):
        if _c(el, "taskPriority"):
            external[el.get("id")] = translate_assignment(_c(el, "taskPriority"))
        if retry_cycle(el):
            cycles[el.get("id")] = retry_cycle(el)
    meta["external_task_priorities"] = external
    meta.update(start_form(proc))
    meta["retry_cycles"] = cycles  # camunda:failedJobRetryTimeCycle of external tasks
    return meta


def start_form(proc: etree._Element) -> dict[str, Any]:
    """The form of the process's none start event: fields the start must satisfy (camunda:formData, checked
    when an instance is started through the API), the form key, and the field that is the business key."""
    for start in proc.findall(f"{{{BPMN}}}startEvent"):
        if any(etree.QName(c.tag).localname.endswith("EventDefinition") for c in start if isinstance(c.tag, str)):
            continue
        data = start.find(f"{{{BPMN}}}extensionElements/{{{CAMUNDA}}}formData")
        return {"start_form": parse_form(start, CAMUNDA), "start_form_key": user_task_meta(start)["form_key"],
                "start_form_business_key": data.get("businessKey") if data is not None else None}
    return {"start_form": None, "start_form_key": None, "start_form_business_key": None}


def user_task_meta(el: etree._Element) -> dict[str, Any]:
    """A user task's form key (camunda:formKey, or camunda:formRef as `camunda-forms:<ref>`) and follow-up."""
    key = _c(el, "formKey") or (f"camunda-forms:{_c(el, 'formRef')}" if _c(el, "formRef") else None)
    listens = any(t.get("event") == "assignment"
                  for t in el.iterfind(f"{{{BPMN}}}extensionElements/{{{CAMUNDA}}}taskListener"))
    follow_up = _c(el, "followUpDate")
    if feel_conditions.is_feel(follow_up):  # `= ...`: FEEL, as for the other attributes of a user task
        follow_up = feel_conditions.translate(follow_up, value=True)[0]
    else:
        follow_up = translate_assignment(follow_up)
    return {"form_key": key, "follow_up_date": follow_up,
            "assignment_listeners": listens}
