"""Bearer-token authentication and the role table of the contract."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import current_app, g, request

from models import User

from .exceptions import Forbidden, TooManyRequests, Unauthorized
from .jsonutil import iso
from .services import users
from .throttle import BadTokenThrottle

# What each role may do (CONTRACT.md, Roles). Admin may do everything.
PERMISSIONS: dict[str, set[str]] = {
    "definitions.read": {"analyst", "auditor", "operator", "approver"},
    "definitions.deploy": {"analyst"},
    "decisions.evaluate": {"analyst"},
    "instances.start": {"analyst", "operator"},
    "instances.read": {"analyst", "operator", "auditor"},
    "instances.manage": {"analyst"},
    "tasks.read": {"analyst", "operator", "auditor"},
    "tasks.work": {"operator"},
    "tasks.assign": {"analyst"},
    "timers.read": {"analyst", "auditor"},
    "timers.fire": {"analyst"},
    "history.read": {"analyst", "auditor"},
    "history.export": {"analyst", "auditor"},
    "incidents.read": {"analyst", "auditor"},
    "messages.send": {"analyst", "operator"},
    "signals.send": {"analyst", "operator"},
    "external_tasks.work": {"analyst", "operator"},
    "users.manage": set(),
    "users.read": {"auditor"},
    "deployments.approve": {"approver"},
    "processes.manage": set(),
    "processes.feedback": {"analyst", "operator", "approver"},
    "webhooks.manage": set(),
    "deliveries.read": {"auditor"},
    "comments.write": {"analyst", "operator"},
    "tasks.plan": {"analyst", "operator"},
    "batches.read": {"analyst", "auditor"},
}


def throttle() -> BadTokenThrottle:
    """This process's bad-token counter (one per app)."""
    found = current_app.extensions.get("bpmn_throttle")
    if found is None:
        found = current_app.extensions["bpmn_throttle"] = BadTokenThrottle(
            current_app.config.get("AUTH_FAILURES_PER_MINUTE", 20))
    return found


def check_token(token: str) -> User:
    """The user of a bearer token: 401 when unknown or expired, 429 when this address guessed too often."""
    address = request.remote_addr or "-"
    limiter = throttle()
    wait = limiter.blocked_for(address, token)
    if wait:
        raise TooManyRequests("too many requests with bad tokens from this address; wait and try again",
                              retry_after=wait)
    user = users.authenticate(token)
    if user is None:
        limiter.failed(address)
        raise Unauthorized("the token is not valid")
    if users.expired(user):
        limiter.failed(address)
        raise Unauthorized(f"the token expired at {iso(user.token_expires_at)}; ask an admin for a new one")
    limiter.succeeded(address, token)
    return user


def current_user() -> User:
    user = g.get("user")
    if user is None:
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("send 'Authorization: Bearer TOKEN'")
        g.user = user = check_token(token.strip())
    return user


def allowed(user: User, permission: str) -> bool:
    return user.role == "admin" or user.role in PERMISSIONS[permission]


def requires(permission: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Route decorator: 401 without a valid token, 403 when the role may not do this."""
    if permission not in PERMISSIONS:
        raise KeyError(permission)

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            user = current_user()
            if not allowed(user, permission):
                raise Forbidden(f"the {user.role} role may not do this ({permission})")
            return view(*args, **kwargs)

        wrapper.permission = permission  # type: ignore[attr-defined]
        return wrapper

    return decorator
