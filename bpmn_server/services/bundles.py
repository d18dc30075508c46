"""Promotion bundles: deployed files with their notes and versions, moved from one server to another.

A bundle is a zip: `manifest.json` lists the deployments in the order they were made (note, who made them,
when, and each file with its processes, versions and SHA-256), `files/...` holds the files as deployed.
`manifest.sig` seals the manifest: HMAC-SHA256 with `BPMN_SERVER_BUNDLE_KEY` when the exporting server has
one ("hmac-sha256:HEX"), otherwise its plain SHA-256 ("sha256:HEX", which catches damage, not intent).
An importing server with a key refuses bundles not signed with it. Any file whose digest is not the
manifest's, a manifest that does not match its seal, or a malformed zip is refused (422) before anything
is deployed.

Import deploys each deployment of the bundle in order with its note (as a proposal, with approval on, for
anyone but an admin), leaving out files whose bytes are already a version of their process on this server.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import zipfile
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from sqlalchemy import select

from models import DecisionDefinition, Definition, Deployment, User, db, utcnow

from ..exceptions import Invalid
from ..jsonutil import iso
from . import approval, spiff_forms
from .deployments import Upload
from .tx import transactional

FORMAT = "bpmn-server-bundle/1"
MAX_BUNDLE_BYTES = 50 * 1024 * 1024
MAX_FILES = 2000


@dataclass
class ImportResult:
    deployed: list[dict[str, Any]] = field(default_factory=list)  # {"deployment_id", "status", "definitions"}
    skipped: list[str] = field(default_factory=list)  # paths already deployed here


def _key() -> bytes | None:
    secret = current_app.config.get("BUNDLE_KEY")
    return secret.encode() if secret else None


def _seal(manifest: bytes) -> str:
    key = _key()
    if key is not None:
        return "hmac-sha256:" + hmac.new(key, manifest, hashlib.sha256).hexdigest()
    return "sha256:" + hashlib.sha256(manifest).hexdigest()


def export(keys: list[str] | None = None, all_versions: bool = False) -> bytes:
    """A bundle of the latest versions (or all) of the given process keys (or every process)."""
    q = select(Definition).order_by(Definition.created_at, Definition.key, Definition.version)
    if keys:
        q = q.where(Definition.key.in_(keys))
    rows = list(db.session.execute(q).scalars())
    if not all_versions:
        newest: dict[str, Definition] = {}
        for row in rows:
            newest[row.key] = row
        rows = [r for r in rows if newest[r.key] is r]
    missing = sorted(set(keys or []) - {r.key for r in rows})
    if missing:
        raise Invalid(f"no deployed process {', '.join(missing)}",
                      errors=[{"field": "process", "message": f"'{k}' is not deployed"} for k in missing])
    decisions = [] if keys else list(db.session.execute(select(DecisionDefinition)
                                                        .order_by(DecisionDefinition.created_at)).scalars())
    groups: OrderedDict[str, dict[str, Any]] = OrderedDict()
    blobs: dict[str, bytes] = {}
    for row in sorted([*rows, *decisions], key=lambda r: (r.created_at, r.key)):
        group = groups.get(row.deployment_id)
        if group is None:
            deployment = db.session.get(Deployment, row.deployment_id)
            group = groups[row.deployment_id] = {
                "id": deployment.id, "note": deployment.note, "created_by": deployment.created_by,
                "created_at": iso(deployment.created_at), "files": []}
        path = f"files/{row.deployment_id}/{row.filename or row.key + '.bpmn'}"
        entry = next((f for f in group["files"] if f["path"] == path), None)
        if entry is None:
            entry = {"path": path, "sha256": row.xml_sha256, "items": []}
            group["files"].append(entry)
            blobs[path] = row.xml
            for name, body in spiff_forms.files_of(row.meta if isinstance(row, Definition) else None).items():
                extra = f"files/{row.deployment_id}/{name}"  # spiff-arena's JSON form files, with their diagram
                if extra not in blobs:
                    blobs[extra] = body
                    group["files"].append({"path": extra, "sha256": hashlib.sha256(body).hexdigest(), "items": []})
        entry["items"].append({"kind": "decision" if isinstance(row, DecisionDefinition) else "process",
                               "key": row.key, "version": row.version})
    manifest = json.dumps({"format": FORMAT, "created_at": iso(utcnow()), "deployments": list(groups.values())},
                          indent=1, sort_keys=True).encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("manifest.json", manifest)
        zf.writestr("manifest.sig", _seal(manifest))
        for path, data in blobs.items():
            zf.writestr(path, data)
    return out.getvalue()


def _refuse(message: str, field_name: str = "bundle") -> Invalid:
    return Invalid(f"the bundle cannot be imported: {message}", errors=[{"field": field_name, "message": message}])


def read(data: bytes) -> tuple[dict[str, Any], dict[str, bytes]]:
    """The verified manifest and files of a bundle; 422 naming what is wrong with it."""
    if len(data) > MAX_BUNDLE_BYTES:
        raise _refuse(f"larger than {MAX_BUNDLE_BYTES} bytes")
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        names = zf.namelist()
        if len(names) > MAX_FILES:
            raise _refuse(f"more than {MAX_FILES} files")
        manifest = zf.read("manifest.json")
        seal = zf.read("manifest.sig").decode().strip()
        # Sizes as declared by the zip: a file that inflates beyond the limit is refused unread.
        if sum(i.file_size for i in zf.infolist()) > MAX_BUNDLE_BYTES * 4:
            raise _refuse("its files are too large")
        files = {n: zf.read(n) for n in names if n.startswith("files/")}
    except (zipfile.BadZipFile, KeyError, UnicodeDecodeError, OSError) as exc:
        raise _refuse(f"not a bundle zip with manifest.json and manifest.sig ({exc})") from None
    kind = seal.split(":", 1)[0]
    if _key() is not None and kind != "hmac-sha256":
        raise _refuse("this server takes only bundles signed with its BPMN_SERVER_BUNDLE_KEY", "manifest.sig")
    expected = _seal(manifest) if kind == ("hmac-sha256" if _key() else "sha256") else None
    if expected is None or not hmac.compare_digest(expected, seal):
        raise _refuse("manifest.json does not match its seal (changed after export, or another key)",
                      "manifest.sig")
    try:
        parsed = json.loads(manifest)
    except ValueError:
        raise _refuse("manifest.json is not JSON", "manifest.json") from None
    if not isinstance(parsed, dict) or parsed.get("format") != FORMAT:
        raise _refuse(f"manifest.json is not a {FORMAT} manifest", "manifest.json")
    bad = []
    for deployment in parsed.get("deployments", []):
        for entry in deployment.get("files", []):
            blob = files.get(entry.get("path"))
            if blob is None or hashlib.sha256(blob).hexdigest() != entry.get("sha256"):
                bad.append({"field": entry.get("path"), "message": "missing, or not the file the manifest names"})
    if bad:
        raise Invalid("the bundle cannot be imported: files were changed after export", errors=bad)
    return parsed, files


def _already_here(entry: dict[str, Any], forms: dict[str, bytes]) -> bool:
    """The file's bytes are a version of every process (and decision) it holds on this server already, with the
    same JSON form files (`forms`: those of its deployment in the bundle)."""
    for item in entry["items"]:
        model = DecisionDefinition if item["kind"] == "decision" else Definition
        rows = db.session.execute(select(model).where(model.key == item["key"],
                                                      model.xml_sha256 == entry["sha256"])).scalars()
        if not any(model is DecisionDefinition or all(forms.get(name) == body for name, body in
                                                      spiff_forms.files_of(row.meta).items()) for row in rows):
            return False
    return True


@transactional
def import_bundle(data: bytes, user: User) -> ImportResult:
    """Deploy a verified bundle's deployments in order, with their notes (one unit of work: all or none)."""
    manifest, files = read(data)
    result = ImportResult()
    for deployment in manifest["deployments"]:
        uploads = []
        forms = [Upload(e["path"].rsplit("/", 1)[-1], files[e["path"]]) for e in deployment["files"] if not e["items"]]
        for entry in deployment["files"]:
            if not entry["items"]:
                continue  # a form file: deployed with the diagrams that name it
            if _already_here(entry, {f.filename: f.data for f in forms}):
                result.skipped.append(entry["path"])
            else:
                uploads.append(Upload(entry["path"].rsplit("/", 1)[-1], files[entry["path"]]))
        if not uploads:
            continue
        note = deployment.get("note")
        made = approval.submit([*uploads, *forms], user, note)
        result.deployed.append({"deployment_id": made.deployment.id, "status": made.deployment.status,
                                "note": note, "definitions": [{"key": d.key, "version": d.version}
                                                              for d in [*made.definitions, *made.decisions]]})
    return result
