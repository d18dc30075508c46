"""What to tell the user after a start or a retry: what actually happened, not what was asked for.

A start whose first step fails still creates the instance (failed, with an incident); a retry may
fail again. Saying "Started" or "ran again" then would hide the failure (issue 14, item 10).
"""

from __future__ import annotations

from models import Instance

from ..services import incidents

OK, ERROR = "ok", "error"


def _why(instance: Instance) -> str:
    """The newest open incident's message, with where it happened."""
    found = incidents.open_incidents(instance.id)
    if not found:
        return "no incident was recorded"
    last = found[-1]
    where = f" at {last.activity}" if last.activity else ""
    return f"{last.type}{where}: {last.message}"


def after_start(key: str, instance: Instance) -> tuple[str, str]:
    name = f"#{instance.business_key or instance.id[:8]} ({key} v{instance.version})"
    if instance.status == "failed":
        return f"Started {name}, but it failed at once: {_why(instance)}", ERROR
    if instance.status == "completed":
        return f"Started {name}; it ran to its end at once.", OK
    return f"Started {name}.", OK


def after_retry(instance: Instance) -> tuple[str, str]:
    if instance.status == "failed":
        return f"Retried: it failed again: {_why(instance)}", ERROR
    if instance.status == "completed":
        return "Retried: the failed step ran and the instance completed.", OK
    return "Retried: the failed step ran and the instance goes on.", OK
