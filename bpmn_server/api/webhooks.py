"""Webhooks (admin) and the outbox of deliveries: the dead-letter list and redelivery."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response

from ..auth import current_user
from ..services import delivery, webhooks
from .base import route
from .notify_schemas import DeliveryQuery, DeliverySchema, WebhookCreateSchema, WebhookSchema
from .schemas import ListQuery, page_of

bp = Blueprint("webhooks", __name__, url_prefix="/api")


@route(bp, "/webhooks", ["POST"], summary="Subscribe a URL to history event types: each event is POSTed as JSON, "
       "signed with X-Bpmn-Signature (422 for a non-http(s) URL or a private address)",
       permission="webhooks.manage", body=WebhookCreateSchema, response=WebhookSchema, status=201)
def create(body: dict[str, Any]) -> Any:
    return webhooks.create(body["url"], body["events"], body["secret"], current_user().name)


@route(bp, "/webhooks", ["GET"], summary="List webhooks", permission="webhooks.manage",
       response=page_of(WebhookSchema))
def list_hooks() -> Any:
    return {"items": webhooks.list_hooks(), "next": None}


@route(bp, "/webhooks/<hook_id>", ["GET"], summary="Get a webhook", permission="webhooks.manage",
       response=WebhookSchema)
def get(hook_id: str) -> Any:
    return webhooks.get(hook_id)


@route(bp, "/webhooks/<hook_id>", ["DELETE"], summary="Delete a webhook", permission="webhooks.manage",
       status=204)
def delete(hook_id: str) -> Any:
    webhooks.delete(hook_id, current_user().name)
    return Response(status=204)


@route(bp, "/webhooks/<hook_id>/deliveries", ["GET"], summary="The deliveries of a webhook, newest first",
       permission="webhooks.manage", query=ListQuery, response=page_of(DeliverySchema))
def hook_deliveries(hook_id: str, query: dict[str, Any]) -> Any:
    return webhooks.deliveries(hook_id, query["limit"], query["after"])


@route(bp, "/deliveries", ["GET"], summary="Mails and webhook deliveries, newest first; status=dead is the "
       "dead-letter list", permission="deliveries.read", query=DeliveryQuery, response=page_of(DeliverySchema))
def list_deliveries(query: dict[str, Any]) -> Any:
    return delivery.list_deliveries(query["limit"], query["after"], query["status"], query["channel"])


@route(bp, "/deliveries/<delivery_id>/redeliver", ["POST"], summary="Send a dead delivery again",
       permission="webhooks.manage", response=DeliverySchema)
def redeliver(delivery_id: str) -> Any:
    return delivery.redeliver(delivery_id, current_user().name)
