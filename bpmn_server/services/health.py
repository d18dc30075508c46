"""Is the server well: can it reach its database, and is its clock ticking?"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask
from sqlalchemy import text

from models import db

log = logging.getLogger(__name__)


def check(app: Flask) -> dict[str, Any]:
    report = {"status": "ok", "database": "ok", "scheduler": "ok"}
    try:
        db.session.execute(text("SELECT 1"))
        db.session.rollback()
    except Exception:  # noqa: BLE001 - any database failure means "not ok"
        log.warning("health: database unreachable", exc_info=True)
        report["database"] = "unavailable"
    clock = app.extensions.get("bpmn_clock")
    if app.config.get("SCHEDULER_ENABLED") and (clock is None or not clock.healthy()):
        report["scheduler"] = "stopped"
    elif not app.config.get("SCHEDULER_ENABLED"):
        report["scheduler"] = "disabled"
    if report["database"] != "ok" or report["scheduler"] == "stopped":
        report["status"] = "unavailable"
    return report
