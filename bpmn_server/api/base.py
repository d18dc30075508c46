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
from flask import Blueprint, Response, current_app, request
from marshmallow import Schema, fields

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


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def _nul_field(schema: Schema, data: Any) -> str | None:
    """The first declared text field (or list of texts, or nested schema's) holding NUL. Free-form maps such as
    `variables` are stored as JSON, where NUL is escaped, and may hold it."""
    if not isinstance(data, dict):
        return None
    for name, field in schema.fields.items():
        value = data.get(field.data_key or name)
        inner = getattr(field, "inner", None)
        if isinstance(field, fields.String) or isinstance(inner, fields.String) \
                or (isinstance(field, fields.Dict) and "additionalProperties" in field.metadata):
            if _has_nul(list(value.values()) if isinstance(value, dict) else value):
                return field.data_key or name
        nested = field if isinstance(field, fields.Nested) else inner
        if isinstance(nested, fields.Nested) and isinstance(nested.schema, Schema):
            for item in value if isinstance(value, list) else [value]:
                found = _nul_field(nested.schema, item)
                if found:
                    return f"{field.data_key or name}.{found}"
    return None


def no_nul_in_text(schema: Schema, payload: Any) -> None:
    field = _nul_field(schema, payload)
    if field:
        raise BadRequest(f"'{field}' must not contain NUL characters (\\u0000): the database cannot store them",
                         errors=[{"field": field, "message": "contains NUL"}])


def no_nul_outside_json(args: dict[str, Any]) -> None:
    """PostgreSQL's text cannot hold NUL: refuse it in a path, query or form value (%00) on both databases."""
    if _has_nul(args) or _has_nul(request.args.to_dict(flat=False)):
        raise BadRequest("the URL must not contain NUL characters (%00)")
    if request.mimetype in ("multipart/form-data", "application/x-www-form-urlencoded") \
            and _has_nul(request.form.to_dict(flat=False)):
        raise BadRequest("form fields must not contain NUL characters")


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


def allow_of_the_route(response: Response) -> Response:
    """An OPTIONS answer lists the methods of the route it matched. Werkzeug's own list adds those of every
    route whose pattern also fits the path (`GET /api/tasks/{task_id}` for `/api/tasks/reassign`), which the
    OpenAPI document rightly does not list for that path."""
    matched = request.url_rule
    if request.method == "OPTIONS" and matched is not None and "Allow" in response.headers:
        methods = {m for rule in current_app.url_map.iter_rules() if rule.rule == matched.rule
                   for m in rule.methods or ()}
        response.headers["Allow"] = ", ".join(sorted(methods))
    return response


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
            user = current_user() if not public else None
            no_nul_outside_json(kwargs)
            if user is not None and request.method == "POST":  # an Idempotency-Key: a retry gets the first answer
                return idempotency.guarded(user.name, lambda: _finish(inner(**kwargs)))
            return _finish(inner(**kwargs))

        def inner(**kwargs: Any) -> Any:
            if body_schema is not None:
                payload = json_body()
                if not isinstance(payload, dict):
                    raise BadRequest("the body must be a JSON object")
                no_nul_in_text(body_schema, payload)
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
