"""CSRF protection for the pages' forms: a random token per session, checked on every POST.

The session cookie is also `SameSite=Strict`, so a cross-site form post arrives without a session;
the token is the second, independent line of defence (and covers same-site subdomains).
"""

from __future__ import annotations

import hmac
import secrets

from flask import request, session
from markupsafe import Markup

from ..exceptions import Forbidden

FIELD = "csrf_token"
HEADER = "X-CSRF-Token"


def token() -> str:
    """This session's token, made on first use."""
    value = session.get(FIELD)
    if not value:
        value = session[FIELD] = secrets.token_urlsafe(32)
    return value


def field() -> Markup:
    """The hidden input every form carries."""
    return Markup('<input type="hidden" name="{}" value="{}">').format(FIELD, token())  # format() escapes


def renew() -> None:
    """A new token (at login and logout), so that one seen before login is worthless after it."""
    session[FIELD] = secrets.token_urlsafe(32)


def check() -> None:
    """Refuse a state-changing request whose token does not match the session's (403)."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    expected = session.get(FIELD)
    sent = request.form.get(FIELD) or request.headers.get(HEADER) or ""
    if not expected or not hmac.compare_digest(str(expected), str(sent)):
        raise Forbidden("the form's security token is missing or out of date: reload the page and try again")
