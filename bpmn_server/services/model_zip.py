"""A spiff-arena process model folder uploaded as one `.zip`: its `.bpmn`, `.dmn` and `.json` files deploy as if
each had been sent as a part of its own; so do script files (`.js`, `.py`, ...) that Camunda 7 diagrams name as
script resources (engine/script_resources.py).

The archive is read in memory, never written to disk, and within limits: at most MAX_ENTRIES files and
MAX_BYTES uncompressed in all (read bounded, whatever sizes the archive claims). An entry's path must stay in
the folder (no absolute paths, no `..`); files are known by their base name, as spiff-arena's diagrams name
their form files, except script files, known by their path in the archive, as Camunda 7's resources name them.
Anything else (another kind of file, two files of one name) is a 422 naming the entry.
"""

from __future__ import annotations

import io
import posixpath
import zipfile
from typing import Any

from ..exceptions import Invalid

MAX_ENTRIES = 500
MAX_BYTES = 50 * 1024 * 1024
SCRIPTS = (".js", ".py", ".groovy", ".ftl", ".xsl", ".xslt")  # script resources of Camunda 7 diagrams
KINDS = (".bpmn", ".bpmn20.xml", ".dmn", ".dmn11.xml", ".json", ".form", *SCRIPTS)  # .form: Camunda Forms
_SKIPPED = ("__MACOSX/",)  # the resource forks macOS's archiver adds: not files of the folder


def is_zip(filename: str, data: bytes) -> bool:
    return filename.lower().endswith(".zip") or data[:4] == b"PK\x03\x04"


def is_script(filename: str) -> bool:
    return filename.lower().endswith(SCRIPTS)


def _name(path: str) -> str:
    """How a file of the archive is known: a script by its path, any other file by its base name."""
    return posixpath.normpath(path) if is_script(path) else posixpath.basename(path)


def _refuse(archive: str, errors: list[dict[str, Any]]) -> Invalid:
    return Invalid(f"the archive '{archive}' cannot be deployed",
                   errors=[{"field": "file", "file": archive, **e} for e in errors])


def entries(archive: str, data: bytes) -> list[tuple[str, bytes]]:
    """(base name, bytes) of each file of the archive; a 422 naming every entry refused."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = [i for i in zf.infolist() if not i.is_dir() and not i.filename.startswith(_SKIPPED)]
    except (zipfile.BadZipFile, ValueError) as exc:
        raise _refuse(archive, [{"message": f"is not a zip archive: {exc}"}]) from None
    if len(infos) > MAX_ENTRIES:
        raise _refuse(archive, [{"message": f"has {len(infos)} files; at most {MAX_ENTRIES} deploy at once"}])
    errors: list[dict[str, Any]] = []
    seen: dict[str, str] = {}
    for info in infos:
        path = info.filename.replace("\\", "/")
        parts = path.split("/")
        if path.startswith("/") or ".." in parts or ":" in parts[0]:
            errors.append({"entry": info.filename, "message": "leaves the folder (an absolute path or '..')"})
            continue
        base = _name(path)
        if not base.lower().endswith(KINDS):
            errors.append({"entry": info.filename, "message": "is not a .bpmn, .dmn, .json, .form or script file "
                                                              "of a process model"})
        elif base in seen:
            errors.append({"entry": info.filename, "message": f"has the same name as '{seen[base]}'"})
        seen.setdefault(base, info.filename)
    if errors:
        raise _refuse(archive, errors)
    found: list[tuple[str, bytes]] = []
    left = MAX_BYTES
    for info in infos:
        try:
            with zf.open(info) as member:
                body = member.read(left + 1)  # bounded: the sizes an archive declares may lie
        except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError) as exc:
            raise _refuse(archive, [{"entry": info.filename, "message": f"cannot be read: {exc}"}]) from None
        left -= len(body)
        if left < 0:
            raise _refuse(archive, [{"message": f"unpacks to more than {MAX_BYTES} bytes"}])
        found.append((_name(info.filename.replace("\\", "/")), body))
    if not found:
        raise _refuse(archive, [{"message": "has no file"}])
    return found
