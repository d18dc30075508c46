"""Users and their tokens."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from ..auth import current_user
from ..services import users
from .base import route
from .notify_schemas import EmailSchema
from .schemas import TokenRotateSchema, UserChangeSchema, UserCreateSchema, UserSchema, UserTokenSchema, page_of

bp = Blueprint("users", __name__, url_prefix="/api/users")


@route(bp, "", ["POST"], summary="Create a user; the token is shown once", permission="users.manage",
       body=UserCreateSchema, response=UserTokenSchema, status=201)
def create_user(body: dict[str, Any]) -> Any:
    user, token = users.create_user(body["name"], body["role"], body["groups"], actor=current_user().name,
                                    expires_in_days=body["expires_in_days"], email=body["email"])
    return {"name": user.name, "role": user.role, "groups": user.groups, "email": user.email,
            "created_at": user.created_at,
            "token_expires_at": user.token_expires_at, "token": token}


@route(bp, "", ["GET"], summary="List users", permission="users.read", response=page_of(UserSchema))
def list_users() -> Any:
    return {"items": users.list_users(), "next": None}


@route(bp, "/<name>/tokens", ["POST"], summary="Rotate the user's token: a new one, shown once; the old one "
       "stops working at once (admins for anyone, users for themselves)", body=TokenRotateSchema,
       response=UserTokenSchema, status=201)
def rotate_token(name: str, body: dict[str, Any]) -> Any:
    user, token = users.rotate_token(name, current_user(), expires_in_days=body.get("expires_in_days"))
    return {"name": user.name, "role": user.role, "groups": user.groups, "created_at": user.created_at,
            "token_created_at": user.token_created_at, "last_used_at": user.last_used_at,
            "token_expires_at": user.token_expires_at, "token": token}


@route(bp, "/<name>", ["PATCH"], summary="Change a user's role or groups (recorded in history)",
       permission="users.manage", body=UserChangeSchema, response=UserSchema)
def change_user(name: str, body: dict[str, Any]) -> Any:
    return users.change_user(name, current_user(), role=body.get("role"), groups=body.get("groups"))


@route(bp, "/<name>/tokens", ["DELETE"], summary="Revoke the user's token: nothing authenticates as the user "
       "until a token is issued again (admins for anyone, users for themselves)", response=UserSchema)
def revoke_token(name: str) -> Any:
    return users.revoke_token(name, current_user())


@route(bp, "/<name>/email", ["PUT"], summary="Set or clear the user's email for notifications (admins for anyone, "
       "users for themselves); recorded in history", body=EmailSchema, response=UserSchema)
def set_email(name: str, body: dict[str, Any]) -> Any:
    return users.set_email(name, current_user(), body["email"])
