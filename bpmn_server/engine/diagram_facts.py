"""Facts about a deployed diagram that governance reads: a process's `camunda:property` values (owner,
review interval) and the ids of its activities (feedback names one)."""

from __future__ import annotations

from typing import Any

from .parser import BPMN, CAMUNDA, parse_xml


def _process(xml: bytes, key: str) -> Any:
    root = parse_xml(xml)
    return next((p for p in root.iter(f"{{{BPMN}}}process") if p.get("id") == key), None)


def properties(xml: bytes, key: str) -> dict[str, str]:
    """The process's own `camunda:properties` (not those of its elements), name to value."""
    process = _process(xml, key)
    if process is None:
        return {}
    found = {}
    for ext in process.findall(f"{{{BPMN}}}extensionElements"):
        for props in ext.findall(f"{{{CAMUNDA}}}properties"):
            for prop in props.findall(f"{{{CAMUNDA}}}property"):
                if prop.get("name"):
                    found[prop.get("name")] = prop.get("value") or ""
    return found


def activity_ids(xml: bytes, key: str) -> set[str]:
    """Ids of the flow nodes of the process, in subprocesses too (sequence flows left out)."""
    process = _process(xml, key)
    if process is None:
        return set()
    return {el.get("id") for el in process.iter() if isinstance(el.tag, str) and el.get("id")
            and el.tag.startswith(f"{{{BPMN}}}") and not el.tag.endswith(("sequenceFlow", "process"))}
