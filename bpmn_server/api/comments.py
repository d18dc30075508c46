"""Comments on tasks and instances (each a `comment.added` history event)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from ..auth import current_user
from ..services import comments
from .base import route
from .notify_schemas import CommentCreateSchema, CommentSchema
from .schemas import page_of

bp = Blueprint("comments", __name__, url_prefix="/api")


@route(bp, "/tasks/<task_id>/comments", ["POST"], summary="Add a comment to a task", permission="comments.write",
       body=CommentCreateSchema, response=CommentSchema, status=201)
def add_to_task(task_id: str, body: dict[str, Any]) -> Any:
    return comments.on_task(task_id, current_user(), body["text"])


@route(bp, "/tasks/<task_id>/comments", ["GET"], summary="The comments of a task, oldest first",
       permission="tasks.read", response=page_of(CommentSchema))
def of_task(task_id: str) -> Any:
    return {"items": comments.of_task(task_id, current_user()), "next": None}


@route(bp, "/process-instances/<instance_id>/comments", ["POST"], summary="Add a comment to a process instance",
       permission="comments.write", body=CommentCreateSchema, response=CommentSchema, status=201)
def add_to_instance(instance_id: str, body: dict[str, Any]) -> Any:
    return comments.on_instance(instance_id, current_user(), body["text"])


@route(bp, "/process-instances/<instance_id>/comments", ["GET"], summary="The comments of a process instance "
       "(its tasks' included), oldest first", permission="instances.read", response=page_of(CommentSchema))
def of_instance(instance_id: str) -> Any:
    return {"items": comments.of_instance(instance_id, current_user()), "next": None}
