"""What changed between two versions of a diagram, per process: elements added, removed, changed, and
where only the drawing moved.

Elements are matched by BPMN id. An element's meaning is its tag, its attributes (camunda:*, zeebe:* and
the others) and its content (conditions, timers, scripts, forms, I/O), without its `incoming`/`outgoing`
references (a changed connection shows as an added or removed sequence flow) and without nested flow
elements (each is compared on its own). The drawing (BPMNDI shapes and edges) is compared apart: an element
whose only change is its position, size or waypoints is in `layout_changed`, not in `changed`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from .parser import BPMN, parse_xml

DI = "http://www.omg.org/spec/BPMN/20100524/DI"
DC = "http://www.omg.org/spec/DD/20100524/DC"
DD_DI = "http://www.omg.org/spec/DD/20100524/DI"
_NOT_CONTENT = {"incoming", "outgoing"}
# What part of an element a change is in, by the local name of the attribute or child element.
_ASPECTS = {
    "conditionExpression": "conditions", "condition": "conditions",
    "timerEventDefinition": "timers", "timeDuration": "timers", "timeDate": "timers", "timeCycle": "timers",
    "assignee": "assignments", "candidateGroups": "assignments", "candidateUsers": "assignments",
    "assignmentDefinition": "assignments", "dueDate": "assignments", "followUpDate": "assignments",
    "formKey": "forms", "formData": "forms", "formRef": "forms", "formDefinition": "forms", "formField": "forms",
    "script": "scripts", "scriptFormat": "scripts", "resultVariable": "scripts",
    "name": "name",
}


@dataclass
class ProcessDiff:
    key: str
    added: list[dict[str, Any]] = field(default_factory=list)
    removed: list[dict[str, Any]] = field(default_factory=list)
    changed: list[dict[str, Any]] = field(default_factory=list)
    layout_changed: list[str] = field(default_factory=list)

    @property
    def layout_only(self) -> bool:
        return bool(self.layout_changed) and not (self.added or self.removed or self.changed)

    def as_dict(self) -> dict[str, Any]:
        return {"key": self.key, "added": self.added, "removed": self.removed, "changed": self.changed,
                "layout_changed": self.layout_changed, "layout_only": self.layout_only}


def _local(tag: Any) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _is_flow_element(el: Any) -> bool:
    return el.get("id") is not None and etree.QName(el).namespace == BPMN and _local(el.tag) not in _NOT_CONTENT


def _elements(process: Any) -> dict[str, Any]:
    """Every element with an id inside a process (subprocesses' content included), by id."""
    found = {}
    stack = list(process)
    while stack:
        el = stack.pop()
        if not isinstance(el.tag, str):
            continue
        if _is_flow_element(el):
            found[el.get("id")] = el
        stack.extend(el)
    return found


def _content(el: Any, top: bool = True) -> list[tuple[str, str]]:
    """(aspect, text) pairs that make an element's meaning, nested flow elements left out."""
    items: list[tuple[str, str]] = []
    for name, value in sorted(el.attrib.items()):
        if top and _local(name) == "id":
            continue
        items.append((_ASPECTS.get(_local(name), "attributes"), f"@{name}={value}"))
    text = (el.text or "").strip()
    if text:
        items.append((_ASPECTS.get(_local(el.tag), "content"), f"{_local(el.tag)}:{text}"))
    for child in el:
        if not isinstance(child.tag, str) or _local(child.tag) in _NOT_CONTENT or (top and _is_flow_element(child)):
            continue
        aspect = _ASPECTS.get(_local(child.tag))
        for inner_aspect, inner in _content(child, top=False):
            items.append((aspect or inner_aspect, f"{_local(child.tag)}/{inner}"))
    return items


def _summary(el: Any) -> dict[str, Any]:
    return {"id": el.get("id"), "type": _local(el.tag), "name": el.get("name")}


def _aspects(old: Any, new: Any) -> list[str]:
    if _local(old.tag) != _local(new.tag):
        return ["type"]
    a, b = _content(old), _content(new)
    differing = set(a).symmetric_difference(b)
    if not differing and a != b:
        differing = {("order", "")}
    return sorted({aspect for aspect, _ in differing})


def _layout(root: Any) -> dict[str, str]:
    """Shapes and edges of the drawing, by the id of the element they draw."""
    found = {}
    for item in root.iter(f"{{{DI}}}BPMNShape", f"{{{DI}}}BPMNEdge"):
        ref = item.get("bpmnElement")
        if ref:
            found[ref] = etree.tostring(item, method="c14n").decode()
    return found


def _processes(root: Any) -> dict[str, Any]:
    return {p.get("id"): p for p in root.iter(f"{{{BPMN}}}process") if p.get("id")}


def diff(old: bytes | None, new: bytes | None) -> list[ProcessDiff]:
    """Per process of either file: what changed from `old` to `new` (None: no such version)."""
    old_root = parse_xml(old) if old else None
    new_root = parse_xml(new) if new else None
    old_processes = _processes(old_root) if old_root is not None else {}
    new_processes = _processes(new_root) if new_root is not None else {}
    old_layout = _layout(old_root) if old_root is not None else {}
    new_layout = _layout(new_root) if new_root is not None else {}
    result = []
    for key in sorted(set(old_processes) | set(new_processes)):
        a = _elements(old_processes[key]) if key in old_processes else {}
        b = _elements(new_processes[key]) if key in new_processes else {}
        found = ProcessDiff(key)
        found.added = [_summary(b[i]) for i in sorted(set(b) - set(a))]
        found.removed = [_summary(a[i]) for i in sorted(set(a) - set(b))]
        for i in sorted(set(a) & set(b)):
            aspects = _aspects(a[i], b[i])
            if aspects:
                found.changed.append({**_summary(b[i]), "changes": aspects})
        found.layout_changed = sorted(i for i in set(a) & set(b) if old_layout.get(i) != new_layout.get(i))
        result.append(found)
    return result
