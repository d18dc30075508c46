"""Camunda 7's extension schema, `resources/camunda.json` of the npm package `camunda-bpmn-moddle`, fetched
with npm into a cache folder (none of it is kept in the project)."""

from __future__ import annotations

import json
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path
from typing import Any

PACKAGE = "camunda-bpmn-moddle"


def fetch(folder: Path | None = None, package: str = PACKAGE, resource: str = "camunda.json") -> dict[str, Any] | str:
    """The descriptor as a dict, or the reason it cannot be had (no npm, registry unreachable). Also reads
    Camunda 8's (`zeebe-bpmn-moddle`, `zeebe.json`)."""
    npm = shutil.which("npm")
    if npm is None:
        return "npm is not installed"
    where = Path(folder or tempfile.mkdtemp(prefix="c7ext-npm-"))
    where.mkdir(parents=True, exist_ok=True)
    found = sorted(where.glob(f"{package}-*.tgz"))
    if not found:
        try:
            subprocess.run([npm, "pack", package, "--silent"], cwd=where, check=True, capture_output=True,
                           timeout=120)
        except (subprocess.SubprocessError, OSError) as exc:
            return f"npm pack {package} failed (registry unreachable?): {exc}"
        found = sorted(where.glob(f"{package}-*.tgz"))
    if not found:
        return f"npm pack {package} produced no archive"
    with tarfile.open(found[-1]) as archive:
        member = archive.extractfile(f"package/resources/{resource}")
        if member is None:
            return f"the package has no resources/{resource}"
        return json.loads(member.read())


def names(descriptor: dict[str, Any]) -> list[str]:
    """Every type ("InputOutput") and property ("InputOutput.inputParameters") of the descriptor."""
    found = []
    for kind in descriptor["types"]:
        found.append(kind["name"])
        found.extend(f"{kind['name']}.{prop['name']}" for prop in kind.get("properties", []))
    return found
