"""The key that signs the web session cookie.

`BPMN_SERVER_SECRET_KEY` wins when set; set it (the same value everywhere) when server processes run
on more than one host. Otherwise a random key is created once and kept in a file, readable by its
owner only, so that every process of one host (gunicorn workers, restarts) signs and checks cookies
with the same key: beside the SQLite database file, or in `<cwd>/var` for PostgreSQL. The file is
written under a temporary name and linked into place, so of several processes starting at once
exactly one key wins and nobody reads a half-written file. Deleting the file logs everybody out.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import secrets
from pathlib import Path

from flask import Flask

log = logging.getLogger(__name__)
FILENAME = "secret_key"


def key_file(database_url: str) -> Path:
    if database_url.startswith("sqlite:///") and ":memory:" not in database_url:
        return Path(database_url[len("sqlite:///"):]).parent / FILENAME
    return Path.cwd() / "var" / FILENAME


def load_or_create(path: Path) -> str:
    """The key in `path`, created there (mode 0600) when absent."""
    try:
        return _read(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    scratch = path.with_name(f".{FILENAME}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(secrets.token_urlsafe(48))
    try:
        os.link(scratch, path)  # atomic, and fails if another process got there first
        log.info("created the web session key in %s", path)
    except FileExistsError:
        pass
    finally:
        scratch.unlink(missing_ok=True)
    return _read(path)


def _read(path: Path) -> str:
    key = path.read_text().strip()
    if len(key) < 32:
        raise RuntimeError(f"the web session key in {path} is too short; delete the file to make a new one")
    return key


def configure(app: Flask) -> None:
    """Set the secret key and the session cookie's flags (unless the configuration already did)."""
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = load_or_create(key_file(app.config["SQLALCHEMY_DATABASE_URI"]))
    app.config.setdefault("SESSION_COOKIE_SECURE", False)
    app.config["SESSION_COOKIE_NAME"] = app.config.get("WEB_SESSION_COOKIE", "bpmn_session")
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = "Strict"
    # A session lasts a working day; the user logs in again with their token after that.
    app.config["PERMANENT_SESSION_LIFETIME"] = dt.timedelta(hours=12)
