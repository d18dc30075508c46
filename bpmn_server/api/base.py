"""The route helper: authorize, load the declared schemas, call the view, dump the response schema.

Each route declares its schemas once; the OpenAPI spec is generated from the same declarations.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson
from flask import Blueprint, Response, request
from marshmallow import Schema

from ..auth import current_user, requires
from ..exceptions import BadRequest, UnsupportedMediaType
from ..jsonutil import dumps
from . import idempotency

ROUTES: list["RouteDoc"] = []


@dataclass
class RouteDoc:
    blueprint: Blueprint
    rule: str
    methods: list[str]
    endpoint: str
    summary: str
    permission: str | None
    body: Schema | None
    query: Schema | None
    response: Schema | None
    status: int
    public: bool
    extra: dict[str, Any]


_LONG_NUMBER = re.compile(rb"\d{20,}")


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def json_body() -> Any:
    if not request.content_length and not request.get_data(cache=True):
        return {}
    if not request.mimetype or request.mimetype != "application/json" and not request.mimetype.endswith("+json"):
        raise UnsupportedMediaType(f"send the body as application/json, not {request.mimetype or 'nothing'}")
    data = request.get_data(cache=True)
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise BadRequest(f"the body is not valid JSON: {exc}") from None
    if _LONG_NUMBER.search(data):
        # orjson reads integers beyond 64 bits as floats, silently; read such a body exactly instead, so that
        # the checks downstream see (and refuse) the integer rather than store a rounded float.
        value = json.loads(data, parse_constant=_no_constant)
    return value


def respond(data: Any, schema: Schema | None, status: int = 200) -> Response:
    body = schema.dump(data) if schema is not None else data
    return Response(dumps(body), status=status, mimetype="application/json")


def route(bp: Blueprint, rule: str, methods: list[str], *, summary: str, permission: str | None = None,
          body: type[Schema] | None = None, query: type[Schema] | None = None,
          response: type[Schema] | None = None, status: int = 200, public: bool = False,
          **extra: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a view. The view receives `body=` and `query=` (loaded) and returns data to dump,
    or `(data, status)`, or a Response."""
    body_schema = body() if body else None
    query_schema = query() if query else None
    response_schema = response() if response else None

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def wrapper(**kwargs: Any) -> Any:
            if not public:
                user = current_user()
                if request.method == "POST":  # an Idempotency-Key gives a retried request the first answer
                    return idempotency.guarded(user.name, lambda: _finish(inner(**kwargs)))
            return _finish(inner(**kwargs))

        def inner(**kwargs: Any) -> Any:
            if body_schema is not None:
                payload = json_body()
                if not isinstance(payload, dict):
                    raise BadRequest("the body must be a JSON object")
                kwargs["body"] = body_schema.load(payload)
            if query_schema is not None:
                kwargs["query"] = query_schema.load(request.args.to_dict())
            return view(**kwargs)

        def _finish(result: Any) -> Response:
            if isinstance(result, Response):
                return result
            code = status
            if isinstance(result, tuple):
                result, code = result
            return respond(result, response_schema, code)

        guarded = requires(permission)(wrapper) if permission else wrapper
        bp.add_url_rule(rule, view.__name__, guarded, methods=methods)
        ROUTES.append(RouteDoc(bp, rule, methods, f"{bp.name}.{view.__name__}", summary, permission,
                               body_schema, query_schema, response_schema, status, public, extra))
        return guarded

    return decorator
