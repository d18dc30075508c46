"""Settings from the environment (BPMN_SERVER_*), with defaults that run anywhere."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any


def _default_database_url() -> str:
    folder = Path.cwd() / "var"
    return f"sqlite:///{folder / 'bpmn.db'}"


def _on(value: str | None) -> bool:
    return (value or "").lower() in ("1", "on", "true", "yes")


def from_env() -> dict[str, Any]:
    env = os.environ.get
    return {
        "SQLALCHEMY_DATABASE_URI": env("BPMN_SERVER_DATABASE_URL") or _default_database_url(),
        "ADMIN_TOKEN": env("BPMN_SERVER_ADMIN_TOKEN"),
        "MAX_CONTENT_LENGTH": int(env("BPMN_SERVER_MAX_UPLOAD_BYTES", str(10 * 1024 * 1024))),
        "SCRIPT_TIME_LIMIT": float(env("BPMN_SERVER_SCRIPT_TIME_LIMIT", "5")),
        # Largest variables of an instance, as JSON: a script leaving more is an incident, a request
        # sending more is refused with 413 (docs/SANDBOX.md).
        "MAX_VARIABLES_BYTES": int(env("BPMN_SERVER_MAX_VARIABLES_BYTES", str(1024 * 1024))),
        # Camunda 7 Java delegates (camunda:class, delegateExpression, expression): refused at deploy, or
        # `external`: run as external tasks whose topic is the class's simple name or the bean's name.
        "JAVA_DELEGATES": env("BPMN_SERVER_JAVA_DELEGATES", "refuse").lower(),
        "SCHEDULER_ENABLED": env("BPMN_SERVER_SCHEDULER", "on").lower() not in ("0", "off", "false", "no"),
        "TIMER_POLL_SECONDS": float(env("BPMN_SERVER_TIMER_POLL_SECONDS", "1")),
        "TIMER_LEASE_SECONDS": float(env("BPMN_SERVER_TIMER_LEASE_SECONDS", "60")),
        "TIMER_BATCH": int(env("BPMN_SERVER_TIMER_BATCH", "100")),
        # Batches (bulk actions on instances): instances per transaction, how often the clock looks, the most
        # instances one batch may hold.
        "BATCH_CHUNK": int(env("BPMN_SERVER_BATCH_CHUNK", "25")),
        "BATCH_POLL_SECONDS": float(env("BPMN_SERVER_BATCH_POLL_SECONDS", "1")),
        "BATCH_MAX_INSTANCES": int(env("BPMN_SERVER_BATCH_MAX_INSTANCES", "10000")),
        "LOG_LEVEL": env("BPMN_SERVER_LOG_LEVEL", "INFO"),
        # json (one object per line, with request id, user and instance id) or text; `serve` defaults to json.
        "LOG_FORMAT": env("BPMN_SERVER_LOG_FORMAT", "text").lower(),
        # Unset: history is kept forever. N: events and ended instances older than N days are pruned hourly.
        "HISTORY_RETENTION_DAYS": float(env("BPMN_SERVER_HISTORY_RETENTION_DAYS") or 0) or None,
        # Signs the web pages' session cookie. Unset: a random key kept in a file beside the SQLite
        # database (or in <cwd>/var), shared by the processes of one host (web/secret.py).
        "SECRET_KEY": env("BPMN_SERVER_SECRET_KEY") or None,
        # Mark the session cookie Secure (only sent over HTTPS): turn on behind TLS.
        # Longest a database statement may run before the request gives up with a 503 (PostgreSQL).
        "STATEMENT_TIMEOUT": float(env("BPMN_SERVER_STATEMENT_TIMEOUT", "30")),
        # Web pages: a session unused this long ends (the next page asks to log in again).
        "SESSION_IDLE_MINUTES": float(env("BPMN_SERVER_SESSION_IDLE_MINUTES", "480")),
        # Bad tokens from one address allowed per minute before it gets 429 (per server process).
        "AUTH_FAILURES_PER_MINUTE": int(env("BPMN_SERVER_AUTH_FAILURES_PER_MINUTE", "20")),
        # Reverse proxies in front of the server that set X-Forwarded-For (0: none; clients connect directly).
        "TRUSTED_PROXIES": int(env("BPMN_SERVER_TRUSTED_PROXIES", "0")),
        # History exports at once per process (the next one: 429), and how much they yield the CPU between
        # batches (1.0: sleep as long as the batch took, so an export uses at most about half a core).
        # Compiled definitions (parsed spec and deploy-time facts) kept per process, least recently used out.
        "DEFINITION_CACHE_SIZE": int(env("BPMN_SERVER_DEFINITION_CACHE_SIZE", "512")),
        "EXPORT_CONCURRENCY": int(env("BPMN_SERVER_EXPORT_CONCURRENCY", "2")),
        "EXPORT_PACE": float(env("BPMN_SERVER_EXPORT_PACE", "1.0")),
        # Four eyes: deployments by anyone but an admin are proposals until an admin or approver approves.
        "DEPLOY_APPROVAL": env("BPMN_SERVER_DEPLOY_APPROVAL", "off").lower() in ("1", "on", "true", "yes"),
        # Signs exported bundles (HMAC-SHA256); a server with a key imports only bundles signed with it.
        "BUNDLE_KEY": env("BPMN_SERVER_BUNDLE_KEY") or None,
        # Notifications (docs/NOTIFICATIONS.md): mails are on when an SMTP URL is set.
        "SMTP_URL": env("BPMN_SERVER_SMTP_URL") or None,
        "MAIL_FROM": env("BPMN_SERVER_MAIL_FROM", "bpmn-server@localhost"),
        "MAIL_TEMPLATES": env("BPMN_SERVER_MAIL_TEMPLATES") or None,
        "MAIL_OFFERED": _on(env("BPMN_SERVER_MAIL_OFFERED", "off")),
        "MAIL_GROUP_LIMIT": int(env("BPMN_SERVER_MAIL_GROUP_LIMIT", "20")),
        "PUBLIC_URL": env("BPMN_SERVER_PUBLIC_URL", "http://127.0.0.1:8080"),
        "WEBHOOK_ALLOW_PRIVATE": _on(env("BPMN_SERVER_WEBHOOK_ALLOW_PRIVATE", "off")),
        "NOTIFY_POLL_SECONDS": float(env("BPMN_SERVER_NOTIFY_POLL_SECONDS", "2")),
        "NOTIFY_RETRY_SECONDS": float(env("BPMN_SERVER_NOTIFY_RETRY_SECONDS", "10")),
        "NOTIFY_MAX_ATTEMPTS": int(env("BPMN_SERVER_NOTIFY_MAX_ATTEMPTS", "32")),
        "NOTIFY_LEASE_SECONDS": float(env("BPMN_SERVER_NOTIFY_LEASE_SECONDS", "120")),
        # SLA adherence, rework and exception rates (dashboard, /metrics) are computed over this many days.
        "SLA_WINDOW_DAYS": float(env("BPMN_SERVER_SLA_WINDOW_DAYS", "30")),
        "SESSION_COOKIE_SECURE": env("BPMN_SERVER_SECURE_COOKIE", "off").lower() in ("1", "on", "true", "yes"),
    }


def engine_options(url: str, statement_timeout: float = 30.0) -> dict[str, Any]:
    # hide_parameters: database errors end up in logs; their bound values (variables, token hashes) must not.
    if url.startswith("sqlite"):
        # One connection per thread; the lock wait is handled by busy_timeout (see db.py).
        return {"connect_args": {"timeout": 30, "check_same_thread": False}, "hide_parameters": True}
    # statement_timeout: a statement stuck behind a lock or a slow disk ends as a 503, not a hung worker.
    # pool_timeout: a request waits this long for a connection, then 503 (dberrors.py).
    # No pre-ping (a round trip per checkout): a unit of work that finds its connection dead before COMMIT
    # runs again (services/tx.py), a read answers 503 once, and the pool then drops every older connection.
    # pool_recycle: connections are renewed hourly, before a firewall or server-side idle limit cuts them.
    options = f"-c statement_timeout={int(statement_timeout * 1000)}"
    return {"pool_recycle": 3600, "pool_size": 10, "max_overflow": 20, "hide_parameters": True,
            "pool_timeout": 10, "connect_args": {"options": options, "connect_timeout": 5}}
