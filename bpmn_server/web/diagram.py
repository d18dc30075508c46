"""Diagrams for bpmn-js: whether a file can be drawn, and which task each boundary event sits on.

bpmn-js draws only what the file's diagram interchange (BPMNDI) places. Camunda Modeler always
writes it; hand-written files often do not. Those are laid out in the browser by bpmn-auto-layout
(bpmn.io's, vendored in static/vendor/bpmn-auto-layout, with the pool and lanes added: see
web/vendor-src/index.js), so the server serves every file as it was deployed. Parsing uses the
engine's safe XML parser.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .. import engine
from ..exceptions import BpmnServerError

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"


def drawable(xml: bytes) -> bool:
    """Can the page draw the file: it parses, and has a layout or a process to lay out."""
    try:
        root = engine.parse_xml(xml)
    except BpmnServerError:
        return False
    return root.find(f".//{{{BPMNDI}}}BPMNShape") is not None or root.find(f"{{{BPMN}}}process") is not None


def boundary_hosts(xml: bytes) -> dict[str, str]:
    """Boundary event id -> the id of the activity it is attached to."""
    try:
        root = engine.parse_xml(xml)
    except BpmnServerError:
        return {}
    return {el.get("id"): el.get("attachedToRef") for el in root.iter(f"{{{BPMN}}}boundaryEvent")
            if el.get("id") and el.get("attachedToRef")}


_HOSTS: dict[str, dict[str, str]] = {}
CACHE_SIZE = 128


def _remember(cache: dict[str, Any], key: str, value: Any) -> Any:
    if len(cache) >= CACHE_SIZE:
        cache.pop(next(iter(cache)), None)  # the oldest entry: dicts keep insertion order
    cache[key] = value
    return value


def definition_hosts(definition_id: str, load: Callable[[], bytes]) -> dict[str, str]:
    """`boundary_hosts` of a definition, cached by its id."""
    hit = _HOSTS.get(definition_id)
    return hit if hit is not None else _remember(_HOSTS, definition_id, boundary_hosts(load()))
