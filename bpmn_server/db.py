"""Database set-up: SQLite pragmas and write transactions, schema creation under a lock."""

from __future__ import annotations

import contextvars
import logging
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path

from alembic import command
from alembic.config import Config
from flask import Flask
from sqlalchemy import event, text
from sqlalchemy.engine import Connection, Engine

from models import db

from .sqlite_writers import writers

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
WRITE_WAIT_SECONDS = 30.0  # as SQLite's busy timeout below: then 503, "the database is busy"
SCHEMA_LOCK = 7312001  # PostgreSQL advisory lock id held while creating the schema
# True inside a service transaction (services/tx.py): SQLite then begins with BEGIN IMMEDIATE.
WRITING: contextvars.ContextVar[bool] = contextvars.ContextVar("writing", default=False)


def is_postgres() -> bool:
    return db.engine.dialect.name == "postgresql"


def _sqlite_setup(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn, _record):  # noqa: ANN001
        # Let SQLAlchemy, not the driver, issue BEGIN: see _begin below.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn):  # noqa: ANN001
        # A service transaction (see services/tx.py) takes the write lock up front with IMMEDIATE: a
        # read-then-write transaction then never fails with SQLITE_BUSY half-way, which is how several
        # processes share one SQLite file safely. Plain reads stay deferred and run beside writers (WAL).
        conn.exec_driver_sql("BEGIN IMMEDIATE" if WRITING.get() else "BEGIN")


def write_queue() -> AbstractContextManager[None]:
    """Held around a service transaction: on SQLite, wait for our turn to write (sqlite_writers.py)."""
    if db.engine.dialect.name != "sqlite":
        return nullcontext()
    return writers(db.engine.url.database if db.engine.url.database not in (None, "", ":memory:") else None
                   ).hold(WRITE_WAIT_SECONDS)


def init_app(app: Flask) -> None:
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("sqlite:///") and ":memory:" not in url:
        Path(url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
    db.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            _sqlite_setup(db.engine)


def _alembic(connection: Connection) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def upgrade() -> None:
    """Migrate the schema to the newest revision (Alembic), under a lock so that many processes may start at once.

    On PostgreSQL an advisory lock serializes the processes; on SQLite the write lock does.
    """
    token = WRITING.set(True)
    try:
        with db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": SCHEMA_LOCK})
            command.upgrade(_alembic(conn), "head")
    finally:
        WRITING.reset(token)


def new_revision(message: str, url: str) -> None:
    """Write a migration for the model changes since the last revision (developers only).

    `url` is a scratch database that this migrates to head first, then compares with the models.
    """
    from sqlalchemy import create_engine

    engine = create_engine(url)
    with engine.begin() as conn:
        command.upgrade(_alembic(conn), "head")
        command.revision(_alembic(conn), message=message, autogenerate=True)
    engine.dispose()
