"""Alembic migrations of the database schema. `bpmn-server db upgrade` (and every start) runs them."""
