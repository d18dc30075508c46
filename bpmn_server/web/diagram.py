"""Diagrams for bpmn-js: a layout for files without one, and which task each boundary event sits on.

bpmn-js draws only what the file's diagram interchange (BPMNDI) places. Camunda Modeler always
writes it; hand-written files often do not. For those, `with_layout` adds a simple left-to-right
layered layout of the first process (subprocesses collapsed, each on a drill-down plane of its own).
A file with any DI is returned unchanged. Parsing uses the engine's safe XML parser.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from lxml import etree

from .. import engine
from ..exceptions import BpmnServerError

log = logging.getLogger(__name__)
BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
DC = "http://www.omg.org/spec/DD/20100524/DC"
DI = "http://www.omg.org/spec/DD/20100524/DI"
EVENTS = {"startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent"}
GATEWAYS = {"exclusiveGateway", "parallelGateway", "inclusiveGateway", "eventBasedGateway", "complexGateway"}
ACTIVITIES = {"task", "userTask", "serviceTask", "scriptTask", "manualTask", "sendTask", "receiveTask",
              "businessRuleTask", "callActivity", "subProcess", "transaction", "adHocSubProcess"}
CONTAINERS = {"subProcess", "transaction", "adHocSubProcess"}
CELL_W, CELL_H, BOX_W, BOX_H, MARGIN = 150, 120, 100, 80, 50


def _local(el: Any) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def _size(kind: str) -> tuple[int, int]:
    if kind in EVENTS:
        return 36, 36
    if kind in GATEWAYS:
        return 50, 50
    return BOX_W, BOX_H


def _layers(nodes: list[str], edges: list[tuple[str, str]]) -> dict[str, int]:
    """Longest-path layers from the sources, after dropping the edges that close a cycle."""
    out: dict[str, list[str]] = defaultdict(list)
    for a, b in edges:
        out[a].append(b)
    state: dict[str, int] = {}
    forward: list[tuple[str, str]] = []
    incoming = {b for _, b in edges}
    roots = [n for n in nodes if n not in incoming] + nodes
    for root in roots:
        if root in state:
            continue
        stack = [(root, iter(out[root]))]
        state[root] = 1
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                state[node] = 2
                stack.pop()
            elif state.get(child) == 1:
                continue  # a loop back: not used for layering
            else:
                forward.append((node, child))
                if child not in state:
                    state[child] = 1
                    stack.append((child, iter(out[child])))
    layer = {n: 0 for n in nodes}
    changed = True
    for _ in range(len(nodes)):
        if not changed:
            break
        changed = False
        for a, b in forward:
            if layer[b] < layer[a] + 1:
                layer[b], changed = layer[a] + 1, True
    return layer


def _place(container: Any) -> dict[str, tuple[float, float, float, float]]:
    """Bounds (x, y, w, h) of the container's flow nodes and boundary events."""
    kinds = {el.get("id"): _local(el) for el in container if el.get("id")}
    nodes = [i for i, k in kinds.items() if (k in EVENTS or k in GATEWAYS or k in ACTIVITIES) and k != "boundaryEvent"]
    hosts = {el.get("id"): el.get("attachedToRef") for el in container
             if _local(el) == "boundaryEvent" and el.get("attachedToRef") in nodes}
    edges = []
    for el in container:
        if _local(el) == "sequenceFlow":
            a, b = el.get("sourceRef"), el.get("targetRef")
            a = hosts.get(a, a)
            if a in nodes and b in nodes:
                edges.append((a, b))
    layer = _layers(nodes, edges)
    preds: dict[str, list[str]] = defaultdict(list)
    for a, b in edges:
        preds[b].append(a)
    row: dict[str, int] = {}
    taken: set[tuple[int, int]] = set()
    for node in sorted(nodes, key=lambda n: (layer[n], nodes.index(n))):
        placed = [row[p] for p in preds[node] if p in row]
        want = min(placed) if placed else 0
        while (layer[node], want) in taken:
            want += 1
        row[node] = want
        taken.add((layer[node], want))
    bounds: dict[str, tuple[float, float, float, float]] = {}
    for node in nodes:
        w, h = _size(kinds[node])
        x0, y0 = MARGIN + layer[node] * CELL_W, MARGIN + row[node] * CELL_H
        bounds[node] = (x0 + (BOX_W - w) / 2, y0 + (BOX_H - h) / 2, w, h)
    count: dict[str, int] = defaultdict(int)
    for boundary, host in hosts.items():
        hx, hy, hw, hh = bounds[host]
        bounds[boundary] = (hx + hw - 30 - 40 * count[host], hy + hh - 18, 36, 36)
        count[host] += 1
    return bounds


def _waypoints(src: tuple, dst: tuple, boundary: bool, floor: float) -> list[tuple[float, float]]:
    sx, sy, sw, sh = src
    tx, ty, tw, th = dst
    if tx + tw / 2 <= sx + sw / 2:  # going back: under everything, into the target from below
        start = (sx + sw / 2, sy + sh)
        return [start, (start[0], floor), (tx + tw / 2, floor), (tx + tw / 2, ty + th)]
    end = (tx, ty + th / 2)
    if boundary:
        start = (sx + sw / 2, sy + sh)
        return [start, (start[0], end[1]), end] if abs(start[1] - end[1]) > 1 else [start, end]
    start = (sx + sw, sy + sh / 2)
    if abs(start[1] - end[1]) < 1:
        return [start, end]
    bend = tx - 20 if tx - 20 > start[0] else (start[0] + tx) / 2
    return [start, (bend, start[1]), (bend, end[1]), end]


def _plane(root: Any, container: Any, number: int) -> None:
    diagram = etree.SubElement(root, f"{{{BPMNDI}}}BPMNDiagram", {"id": f"layout_diagram_{number}"},
                               nsmap={"bpmndi": BPMNDI, "dc": DC, "di": DI})
    plane = etree.SubElement(diagram, f"{{{BPMNDI}}}BPMNPlane",
                             {"id": f"layout_plane_{number}", "bpmnElement": container.get("id")})
    bounds = _place(container)
    boundaries = {el.get("id") for el in container if _local(el) == "boundaryEvent"}
    for el in container:
        ident = el.get("id")
        if ident not in bounds:
            continue
        attrs = {"id": f"{ident}_di", "bpmnElement": ident}
        if _local(el) in CONTAINERS:
            attrs["isExpanded"] = "false"
        shape = etree.SubElement(plane, f"{{{BPMNDI}}}BPMNShape", attrs)
        x, y, w, h = bounds[ident]
        etree.SubElement(shape, f"{{{DC}}}Bounds", {"x": f"{x:g}", "y": f"{y:g}", "width": f"{w:g}",
                                                    "height": f"{h:g}"})
    floor = max((y + h for _, y, _, h in bounds.values()), default=0) + 30
    for el in container:
        if _local(el) != "sequenceFlow":
            continue
        a, b = el.get("sourceRef"), el.get("targetRef")
        if a not in bounds or b not in bounds:
            continue
        edge = etree.SubElement(plane, f"{{{BPMNDI}}}BPMNEdge", {"id": f"{el.get('id')}_di",
                                                                 "bpmnElement": el.get("id")})
        for x, y in _waypoints(bounds[a], bounds[b], a in boundaries, floor):
            etree.SubElement(edge, f"{{{DI}}}waypoint", {"x": f"{x:g}", "y": f"{y:g}"})


def with_layout(xml: bytes) -> bytes:
    """The file as is if it has diagram interchange; otherwise with a generated layout."""
    try:
        root = engine.parse_xml(xml)
    except BpmnServerError:
        return xml
    if root.find(f".//{{{BPMNDI}}}BPMNShape") is not None:
        return xml
    processes = root.findall(f"{{{BPMN}}}process")
    if not processes:
        return xml
    main = next((p for p in processes if p.get("isExecutable") == "true"), processes[0])
    for stale in root.findall(f"{{{BPMNDI}}}BPMNDiagram"):
        root.remove(stale)  # an empty diagram element would hide the generated one
    try:
        containers = [main] + [el for el in main.iter() if _local(el) in CONTAINERS and el.get("id")]
        for number, container in enumerate(containers, start=1):
            _plane(root, container, number)
    except (KeyError, ValueError, TypeError):
        log.warning("could not lay out a diagram without DI", exc_info=True)
        return xml
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def boundary_hosts(xml: bytes) -> dict[str, str]:
    """Boundary event id -> the id of the activity it is attached to."""
    try:
        root = engine.parse_xml(xml)
    except BpmnServerError:
        return {}
    return {el.get("id"): el.get("attachedToRef") for el in root.iter(f"{{{BPMN}}}boundaryEvent")
            if el.get("id") and el.get("attachedToRef")}


_LAYOUTS: dict[str, bytes] = {}
_HOSTS: dict[str, dict[str, str]] = {}
CACHE_SIZE = 128


def _remember(cache: dict[str, Any], key: str, value: Any) -> Any:
    if len(cache) >= CACHE_SIZE:
        cache.pop(next(iter(cache)), None)  # the oldest entry: dicts keep insertion order
    cache[key] = value
    return value


def definition_xml(definition_id: str, load: Callable[[], bytes]) -> bytes:
    """`with_layout` of a definition (`load` gives its file), cached by id: definitions never change."""
    hit = _LAYOUTS.get(definition_id)
    return hit if hit is not None else _remember(_LAYOUTS, definition_id, with_layout(load()))


def definition_hosts(definition_id: str, load: Callable[[], bytes]) -> dict[str, str]:
    """`boundary_hosts` of a definition, cached by its id."""
    hit = _HOSTS.get(definition_id)
    return hit if hit is not None else _remember(_HOSTS, definition_id, boundary_hosts(load()))
