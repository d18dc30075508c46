"""What a database failure means to a client: an outage, a timeout or a busy database is a 503 with
`Retry-After` (the client may retry the same request), never a 500 that looks like a bug."""

from __future__ import annotations

from sqlalchemy import exc as sa

from .exceptions import Unavailable

# Words in driver messages (psycopg, sqlite3) that say the database could not be reached or answer in time.
_OUTAGE = ("connection", "connect", "server closed", "terminating", "shutting down", "starting up",
           "could not receive", "could not send", "no route", "timeout", "timed out", "canceling statement",
           "statement timeout", "recovery mode", "admin_shutdown", "disk i/o", "unable to open database")
_FULL = ("database or disk is full", "no space left", "could not extend file", "disk full")


def unavailable(exc: BaseException) -> Unavailable | None:
    """The 503 for a database failure a retry may cure; None for anything else (a bug, a conflict)."""
    if isinstance(exc, sa.TimeoutError):  # the pool had no connection to give within its wait
        return Unavailable("the server is at its database connection limit; try again shortly")
    if isinstance(exc, sa.DBAPIError) and exc.connection_invalidated:
        return Unavailable("the database connection was lost; try again shortly")
    if isinstance(exc, sa.DisconnectionError | sa.InterfaceError):
        return Unavailable("the database cannot be reached; try again shortly")
    if isinstance(exc, sa.OperationalError):
        text = str(exc.orig if exc.orig is not None else exc).lower()
        if any(word in text for word in _FULL):
            return Unavailable("the database's disk is full; the change was not saved", retry_after=60)
        if "locked" in text or "busy" in text:
            return Unavailable("the database is busy; try again")
        if any(word in text for word in _OUTAGE):
            return Unavailable("the database cannot be reached or did not answer in time; try again shortly")
    return None
