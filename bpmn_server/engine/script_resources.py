"""Camunda 7 scripts kept in files of the deployment (`<camunda:script resource="scripts/x.js"/>`,
`<scriptTask camunda:resource="deployment://x.py">`): at deploy their text is written into the diagram as an
inline script, so the stored definition carries it and an instance never needs the file.

A resource names a file of the same deployment: the `deployment://` and `classpath://` prefixes are dropped, and
the rest matches a file of that path (a zip entry's path, or a part's file name), else the one file whose path
ends with it, else the one file of that base name (two candidates: none is taken). A resource with no such file
stays in the diagram, where engine/camunda_check.py refuses it naming the element and the resource. A script
format that does not run here (Groovy, ...) is refused as an inline one is.
"""

from __future__ import annotations

import posixpath

from lxml import etree

from .camunda_config import BPMN, CAMUNDA
from .parser import parse_xml

PREFIXES = ("deployment://", "classpath://")


def resource_path(value: str) -> str:
    """The path a resource attribute names, without its prefix and leading `/` or `./`."""
    path = value.strip()
    for prefix in PREFIXES:
        if path.startswith(prefix):
            path = path[len(prefix):]
    return posixpath.normpath(path.lstrip("/")) if path.strip("/") else ""


def _find(value: str, files: dict[str, bytes]) -> bytes | None:
    path = resource_path(value)
    if not path:
        return None
    if path in files:
        return files[path]
    for matches in (lambda name: name.endswith("/" + path),  # the archive's folder around the diagram's paths
                    lambda name: posixpath.basename(name) == posixpath.basename(path)):
        found = [data for name, data in files.items() if matches(name)]
        if found:
            return found[0] if len(found) == 1 else None  # two candidates: refused rather than guessed
    return None


def _text(data: bytes) -> str | None:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None  # left as a resource: the deploy says it is not a script it can read


def inline(data: bytes, files: dict[str, bytes]) -> bytes:
    """`data` (a BPMN file) with every script resource found in `files` (path -> bytes) written inline; the
    bytes unchanged when it names none (or none is found). Bytes that are not XML are returned as they are: the
    parse reports them."""
    if b"resource" not in data or not files:
        return data
    try:
        root = parse_xml(data)
    except Exception:  # noqa: BLE001 - not XML: parse_definitions reports it with its own message
        return data
    changed = False
    attr = f"{{{CAMUNDA}}}resource"
    for task in root.iter(f"{{{BPMN}}}scriptTask"):
        found = _find(task.get(attr) or "", files) if task.get(attr) else None
        text = _text(found) if found is not None else None
        if text is None:
            continue
        script = task.find(f"{{{BPMN}}}script")
        if script is None:
            script = etree.SubElement(task, f"{{{BPMN}}}script")  # bpmn:script is a script task's last child
        script.text = text
        del task.attrib[attr]
        changed = True
    for script in root.iter(f"{{{CAMUNDA}}}script"):
        found = _find(script.get("resource") or "", files) if script.get("resource") else None
        text = _text(found) if found is not None else None
        if text is None:
            continue
        script.text = text
        del script.attrib["resource"]
        changed = True
    if not changed:
        return data
    return etree.tostring(root.getroottree(), xml_declaration=True, encoding="UTF-8")
