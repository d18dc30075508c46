"""The files a deployment keeps: those that made definitions (read from them) and those stored because they made
none (no executable process, `StoredFile`), with the notes that say what of them does not run."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from models import Definition, Deployment, StoredFile, db

from .. import engine
from ..exceptions import NotFound


def live(filename: str, digest: str) -> StoredFile | None:
    """The same bytes under the same name, stored by a deployment that is live (not a proposal)."""
    return db.session.execute(
        select(StoredFile).join(Deployment, Deployment.id == StoredFile.deployment_id)
        .where(StoredFile.sha256 == digest, StoredFile.filename == filename, Deployment.status == "approved")
        .order_by(StoredFile.created_at.desc()).limit(1)).scalar_one_or_none()


def files_of(deployment_id: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The BPMN files a deployment keeps (name, the process keys it made) and their notes: why a process of them
    does not run. Those that made definitions are read from the definitions; the others were stored as they are."""
    by_name: dict[str, dict[str, Any]] = {}
    notes: list[dict[str, Any]] = []
    made = db.session.execute(select(Definition).where(Definition.deployment_id == deployment_id)
                              .order_by(Definition.filename, Definition.key)).scalars()
    for d in made:
        name = d.filename or f"{d.key}.bpmn"
        if name not in by_name:
            by_name[name] = {"name": name, "processes": []}
            notes.extend({"file": name, **n} for n in engine.idle_notes(d.xml))
        by_name[name]["processes"].append(d.key)
    for stored in db.session.execute(select(StoredFile).where(StoredFile.deployment_id == deployment_id)
                                     .order_by(StoredFile.filename)).scalars():
        by_name.setdefault(stored.filename, {"name": stored.filename, "processes": []})
        notes.extend({"file": stored.filename, **n} for n in stored.notes or [])
    return sorted(by_name.values(), key=lambda f: f["name"]), notes


def file_data(deployment_id: str, name: str) -> bytes:
    """The bytes of one BPMN file of a deployment, as uploaded."""
    stored = db.session.execute(select(StoredFile.data).where(StoredFile.deployment_id == deployment_id,
                                                              StoredFile.filename == name).limit(1)).scalar()
    if stored is None:
        stored = db.session.execute(select(Definition.xml).where(Definition.deployment_id == deployment_id,
                                                                 Definition.filename == name).limit(1)).scalar()
    if stored is None:
        raise NotFound(f"deployment '{deployment_id}' has no file '{name}'")
    return stored
