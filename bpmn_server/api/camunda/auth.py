"""Authentication on /engine-rest: HTTP Basic (user name, with the user's token as the password) or a bearer token.

Camunda Modeler and the Camunda worker clients send Basic credentials; both map to our users, and
their role decides what they may do (the role table in bpmn_server/auth.py).
"""

from __future__ import annotations

import base64
import binascii
import hmac

from flask import Blueprint, g, request

from ...auth import check_token
from ...exceptions import Unauthorized


def _basic(credentials: str) -> None:
    try:
        decoded = base64.b64decode(credentials.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise Unauthorized("the Basic credentials are not valid base64 of 'user:token'") from None
    name, sep, token = decoded.partition(":")
    if not sep or not token:
        raise Unauthorized("send Basic credentials as your user name and your token as the password")
    try:
        user = check_token(token)  # expiry and the bad-token throttle, as for bearer tokens
    except Unauthorized:
        user = None
    # The name must match the token's owner: a token is not a password for someone else's name.
    if user is None or not hmac.compare_digest(user.name.encode(), name.encode()):
        raise Unauthorized("the user name and token do not match a user")
    g.user = user


def authenticate() -> None:
    """Before each /engine-rest request: resolve Basic credentials to the user (bearer tokens are resolved
    by the route helper as on every route). Without credentials, protected routes answer 401."""
    header = request.headers.get("Authorization", "")
    scheme, _, credentials = header.partition(" ")
    if scheme.lower() == "basic":
        _basic(credentials)


def install(bp: Blueprint) -> None:
    bp.before_request(authenticate)
