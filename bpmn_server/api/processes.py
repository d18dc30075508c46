"""Process keys as things someone owns: owner, review cadence, reviews, feedback."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from ..auth import current_user
from ..services import feedback, owners
from .base import route
from .governance_schemas import (
    FeedbackInSchema,
    FeedbackSchema,
    ProcessListSchema,
    ProcessPatchSchema,
    ProcessQuery,
    ProcessSchema,
    ReviewSchema,
)
from .schemas import ListQuery, page_of

bp = Blueprint("processes", __name__, url_prefix="/api/processes")


@route(bp, "", ["GET"], summary="Deployed processes with owner and review cadence; review_due=true: those "
       "overdue for review (due_by: by that moment)", permission="definitions.read", query=ProcessQuery,
       response=ProcessListSchema)
def list_processes(query: dict[str, Any]) -> Any:
    return {"items": owners.list_processes(query["review_due"], query["due_by"]), "next": None}


@route(bp, "/<key>", ["GET"], summary="A process's owner and review cadence", permission="definitions.read",
       response=ProcessSchema)
def get_process(key: str) -> Any:
    return owners.get(key)


@route(bp, "/<key>", ["PATCH"], summary="Set a process's owner (user or group) and review interval (admin)",
       permission="processes.manage", body=ProcessPatchSchema, response=ProcessSchema)
def update_process(key: str, body: dict[str, Any]) -> Any:
    return owners.update(key, current_user().name, body)


@route(bp, "/<key>/reviews", ["POST"], summary="Record a review of the process (its owner)",
       permission="definitions.read", body=ReviewSchema, response=ProcessSchema, status=201)
def review(key: str, body: dict[str, Any]) -> Any:
    return owners.review(key, current_user(), body["note"])


@route(bp, "/<key>/feedback", ["POST"], summary="Say that a step of the process is wrong (activity, text)",
       permission="processes.feedback", body=FeedbackInSchema, response=FeedbackSchema, status=201)
def give_feedback(key: str, body: dict[str, Any]) -> Any:
    return feedback.give(key, current_user(), body["activity"], body["text"])


@route(bp, "/<key>/feedback", ["GET"], summary="Feedback on the process, newest first (owner, analysts)",
       permission="definitions.read", query=ListQuery, response=page_of(FeedbackSchema))
def list_feedback(key: str, query: dict[str, Any]) -> Any:
    return feedback.list_feedback(key, current_user(), query["limit"], query["after"])
