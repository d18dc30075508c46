"""Saved task filters (Camunda Tasklist's filters): per user, shared with a group; counts for the menu."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response

from ..auth import current_user
from ..services import task_filters
from ..services.pagination import Page
from .base import route
from .schemas import ListQuery, page_of
from .task_filter_schemas import FilteredTaskSchema, TaskFilterCreateSchema, TaskFilterSchema

bp = Blueprint("task_filters", __name__, url_prefix="/api/task-filters")


@route(bp, "", ["GET"], summary="The saved task filters the user sees (own and shared), each with its count",
       permission="tasks.read", response=page_of(TaskFilterSchema))
def list_filters() -> Any:
    return Page(task_filters.with_counts(current_user()), None)


@route(bp, "", ["POST"], summary="Save a task filter", permission="tasks.read", body=TaskFilterCreateSchema,
       response=TaskFilterSchema, status=201)
def create_filter(body: dict[str, Any]) -> Any:
    return task_filters.create_view(current_user(), body["name"], body["criteria"], body["columns"], body["sort"],
                                    body["shared_group"])


@route(bp, "/<filter_id>", ["GET"], summary="A saved task filter with its count", permission="tasks.read",
       response=TaskFilterSchema)
def get_filter(filter_id: str) -> Any:
    return task_filters.one(filter_id, current_user())


@route(bp, "/<filter_id>", ["DELETE"], summary="Delete a saved task filter (its owner, or an admin)",
       permission="tasks.read", status=204)
def delete_filter(filter_id: str) -> Any:
    task_filters.delete(filter_id, current_user())
    return Response(status=204)


@route(bp, "/<filter_id>/tasks", ["GET"], summary="The open tasks of a saved filter, in its sort, with its columns",
       permission="tasks.read", query=ListQuery, response=page_of(FilteredTaskSchema))
def filter_tasks(filter_id: str, query: dict[str, Any]) -> Any:
    return task_filters.run(filter_id, current_user(), query["limit"], query["after"])
