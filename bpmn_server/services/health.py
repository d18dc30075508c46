"""Is the server well: can it reach its database, and is its clock ticking?"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import text

from models import db

from . import uow as units

log = logging.getLogger(__name__)


def _database_ok(app: Flask) -> bool:
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("sqlite:///") and ":memory:" not in url and not Path(url[len("sqlite:///"):]).exists():
        # An open SQLite connection keeps answering from a deleted file: what it writes is lost.
        log.warning("health: the SQLite database file is gone")
        return False
    try:
        db.session.execute(text("SELECT 1"))
        return True
    except Exception:  # noqa: BLE001 - any database failure means "not ok"
        log.warning("health: database unreachable", exc_info=True)
        return False
    finally:
        try:
            units.end_read()
        except Exception:  # noqa: BLE001 - the connection may be gone already
            log.debug("health: rollback failed", exc_info=True)


def check(app: Flask) -> dict[str, Any]:
    report = {"status": "ok", "database": "ok" if _database_ok(app) else "unavailable", "scheduler": "ok"}
    clock = app.extensions.get("bpmn_clock")
    if app.config.get("SCHEDULER_ENABLED") and (clock is None or not clock.healthy()):
        report["scheduler"] = "stopped"
    elif not app.config.get("SCHEDULER_ENABLED"):
        report["scheduler"] = "disabled"
    if report["database"] != "ok" or report["scheduler"] == "stopped":
        report["status"] = "unavailable"
    return report
