"""Logging in to the pages with one's API token, and the role checks of every page.

The session cookie (signed, `HttpOnly`, `SameSite=Strict`) holds the user's name and the hash of
the token they logged in with, never the token itself. Every request reloads the user and compares
the hash, so a user whose token was replaced is logged out everywhere. Role checks use the same
permission table as the API (auth.PERMISSIONS via `allowed`).
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, g, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response

from models import User

from ..auth import PERMISSIONS, allowed, check_token
from ..exceptions import Forbidden, NotFound, TooManyRequests, Unauthorized
from ..services import users
from . import bp, csrf

HOME = {"operator": "web.task_list", "analyst": "web.dashboard", "auditor": "web.history", "admin": "web.dashboard",
        "approver": "web.process_list"}


def page_user() -> User | None:
    """The logged-in user of this request, or None."""
    if "page_user" in g:
        return g.page_user
    user = None
    name, digest = session.get("user"), session.get("token_hash")
    if name and digest:
        try:
            found = users.get_user(name)
        except NotFound:
            found = None
        if found is not None and found.token_hash == digest and not users.expired(found) and _active():
            user = found
            g.user = found  # what auth.current_user() returns for the rest of the request
    g.page_user = user
    return user


def now_seconds() -> int:
    """The clock of session idle times (tests replace it)."""
    return int(time.time())


def _active() -> bool:
    """Is the session within its idle time? Each page view renews it (at most once a minute)."""
    now = now_seconds()
    seen = session.get("seen", now)
    if now - seen > current_app.config.get("SESSION_IDLE_MINUTES", 480) * 60:
        session.clear()
        return False
    if (request.endpoint or "").startswith("web.live_"):
        return True  # a page polling for changes (static/live.js) is not the user being active
    if now - seen >= 60 or "seen" not in session:
        session["seen"] = now
    return True


def may(permission: str) -> bool:
    """For templates: may the logged-in user do this? (Buttons that would fail are not shown.)"""
    if permission not in PERMISSIONS:
        raise KeyError(permission)
    user = page_user()
    return user is not None and allowed(user, permission)


def page(permission: str | None = None) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """View decorator: log in first (redirect), then 403 when the role may not do this."""
    if permission is not None and permission not in PERMISSIONS:
        raise KeyError(permission)

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            user = page_user()
            if user is None and request.method == "GET" and request.headers.get("Sec-Fetch-Site") == "cross-site":
                return _bounce()
            if user is None:
                target = request.full_path if request.method == "GET" else _referrer()
                return redirect(url_for("web.login", next=_local(target)), 303)
            if permission is not None and not allowed(user, permission):
                raise Forbidden(f"the {user.role} role may not do this ({permission})")
            return view(user, *args, **kwargs)

        return wrapper

    return decorator


def _bounce() -> Response:
    """A link from another site (mail, chat) arrives without the SameSite=Strict cookie. Reload the
    page from here, once: that navigation is same-site, so the cookie comes along if there is one.
    (A redirect to the login page instead would replace the unsent session with a new one.)"""
    page_html = ('<!doctype html><meta charset="utf-8"><meta http-equiv="refresh" content="0">'
                 "<title>bpmn-server</title><p>Opening the page…</p>")
    return Response(page_html, mimetype="text/html", headers={"Cache-Control": "no-store"})


def _referrer() -> str | None:
    """The page a form was posted from, as a path on this server (None if it came from elsewhere)."""
    parts = urlsplit(request.referrer or "")
    if parts.netloc and parts.netloc != request.host:
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "") if parts.path else None


def guard_post() -> Response | None:
    """Before every page request. A form posted without a live login (the session expired, the
    cookie was cleared, the token replaced) goes to the login page and from there back to the form
    (static/app.js fills in what was typed): nothing ran, so nothing can be forged this way. A
    logged-in post must carry the session's CSRF token (403)."""
    if request.method not in ("GET", "HEAD", "OPTIONS") and request.endpoint not in ("web.login", "web.logout") \
            and page_user() is None:
        return redirect(url_for("web.login", next=_local(_referrer()), expired=1), 303)
    csrf.check()
    return None


def _local(target: str | None) -> str | None:
    """Only a path on this server may be a redirect target after login (no open redirect)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/ui"):
        return None
    return target.rstrip("?")


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    error = None
    if request.method == "POST":
        token = (request.form.get("token") or "").strip()
        try:
            user = check_token(token) if token else None
        except (Unauthorized, TooManyRequests) as exc:
            user, error = None, exc.detail
        if user is not None:
            session.clear()  # no state from before the login survives it (session fixation)
            session.permanent = True
            session["user"], session["token_hash"] = user.name, user.token_hash
            session["seen"] = now_seconds()
            csrf.renew()
            return redirect(_local(request.args.get("next")) or url_for(HOME[user.role]), 303)
        if error is None or error == "the token is not valid":
            error = "That token is not valid. Use the token printed when your user was created."
    status = 401 if error else 200
    return render_template("web/login.html", error=error, next=request.args.get("next"),
                           expired=bool(request.args.get("expired"))), status


@bp.route("/logout", methods=["POST"])
def logout() -> Response:
    session.clear()
    csrf.renew()
    return redirect(url_for("web.login"), 303)


@bp.route("/")
@page()
def home(user: User) -> Response:
    return redirect(url_for(HOME[user.role]))
