"""The Alembic migrations create exactly the schema the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext


def test_migrations_match_models(app):
    from models import db

    with app.app_context(), db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}), db.metadata)
    assert diff == [], f"models changed without a migration: run bpmn_server.db.new_revision(...): {diff}"


def test_upgrade_twice_is_harmless(app):
    from bpmn_server import db as dbmod

    with app.app_context():
        dbmod.upgrade()
        dbmod.upgrade()


def test_history_is_append_only_after_migrating(app):
    from sqlalchemy import text

    from models import db

    with app.app_context():
        db.session.execute(text("INSERT INTO events (id, at, type, actor, data) "
                                "VALUES ('e1', CURRENT_TIMESTAMP, 'test.event', 'tester', '{}')"))
        db.session.commit()
        try:
            db.session.execute(text("DELETE FROM events"))
            db.session.commit()
            deleted = True
        except Exception:  # noqa: BLE001 - the database refuses: that is the point
            db.session.rollback()
            deleted = False
    assert not deleted
