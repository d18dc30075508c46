"""Build the OpenAPI 3 document from the routes' declared schemas (apispec + marshmallow)."""

from __future__ import annotations

import re
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Flask

from .. import __version__
from .base import ROUTES
from .schemas import Reason

PROBLEM = {"description": "Problem details (RFC 9457)",
           "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}
# /engine-rest answers errors as Camunda 7 does (api/camunda/errors.py): `{"type", "message"}` as
# application/json, and engine exceptions (a missing or claimed task, a conflict) as 500.
CAMUNDA_ERROR = {"description": "Camunda 7's error body",
                 "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CamundaError"}}}}
CAMUNDA_PREFIX = "/engine-rest"
URI_TOO_LONG = {"description": "URI too long (answered by the HTTP server, gunicorn)",
                "content": {"text/html": {"schema": {"type": "string"}}}}
# Every authenticated route may answer these; 429 (bad-token throttle) and 503 (database unreachable,
# with Retry-After) can reach any route, public ones included.
_ERRORS = ["400", "401", "403", "404", "409", "413", "415", "422", "429", "503"]
_PUBLIC_ERRORS = ["429", "503"]
_CAMUNDA_ERRORS = ["400", "401", "403", "404", "413", "415", "429", "500", "503"]
_cache: dict[str, Any] = {}


def _path(rule: str) -> str:
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule)


def build_spec(app: Flask) -> dict[str, Any]:
    if "spec" in _cache:
        return _cache["spec"]
    spec = APISpec(title="bpmn-server", version=__version__, openapi_version="3.0.3",
                   plugins=[MarshmallowPlugin()],
                   info={"description": "BPMN 2.0 execution server. See CONTRACT.md."})
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    spec.components.schema("Problem", {"type": "object", "properties": {
        "type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
        "detail": {"type": "string"}, "errors": {"type": "array", "items": {"type": "object"}}}})
    spec.components.schema("CamundaError", {"type": "object", "properties": {
        "type": {"type": "string"}, "message": {"type": "string"}}})
    prefixes = {bp.name: (bp.url_prefix or "") for bp in app.blueprints.values()}
    paths: dict[str, dict[str, Any]] = {}
    for doc in ROUTES:
        path = _path(prefixes.get(doc.blueprint.name, "") + doc.rule)
        for method in doc.methods:
            op: dict[str, Any] = {"summary": doc.summary, "operationId": doc.endpoint.replace(".", "_"),
                                  "tags": [doc.blueprint.name], "responses": {}}
            params = re.findall(r"{([a-z_]+)}", path)
            op["parameters"] = [{"in": "path", "name": p, "required": True, "schema": {"type": "string"}}
                                for p in params]
            if doc.query is not None:
                op["parameters"].append({"in": "query", "schema": doc.query})
            if doc.body is not None:
                # An empty body reads as {} (api/base.json_body): it is required only when a field is.
                op["requestBody"] = {"required": _requires_fields(doc.body),
                                     "content": {"application/json": {"schema": doc.body}}}
            if doc.extra.get("upload") is True:
                op["requestBody"] = {"required": True, "content": {
                    "multipart/form-data": {"schema": {"type": "object", "properties": {
                        "file": {"type": "array", "minItems": 1, "items": {"type": "string", "format": "binary"}},
                        "note": {"type": "string"}}, "required": ["file"]}},
                    "application/xml": {"schema": {"type": "string", "format": "binary"}}}}
            elif doc.extra.get("upload"):  # Camunda 8's deployments: the files are `resources` parts
                part = doc.extra["upload"]
                op["requestBody"] = {"required": True, "content": {
                    "multipart/form-data": {"schema": {"type": "object", "properties": {
                        part: {"type": "array", "minItems": 1, "items": {"type": "string", "format": "binary"}},
                        "tenantId": {"type": "string", "enum": ["<default>"]}}, "required": [part]}}}}
            if doc.extra.get("consumes"):
                op["requestBody"] = {"required": True, "content": {
                    doc.extra["consumes"]: {"schema": {"type": "string", "format": "binary"}}}}
            if method == "POST" and not doc.public:
                op["parameters"].append({"in": "header", "name": "Idempotency-Key", "required": False,
                                         "schema": {"type": "string", "minLength": 1, "maxLength": 255,
                                                    "pattern": "^[ -~]+$"},  # printable ASCII
                                         "description": "the same user, key and body within 24 h get the first "
                                                        "answer again; another body with the key: 422"})
            ok: dict[str, Any] = {"description": "Success"}
            if doc.response is not None:
                ok["content"] = {"application/json": {"schema": doc.response}}
            elif doc.extra.get("produces"):
                produces = doc.extra["produces"]
                # A document served as it was deployed (a form's JSON): any JSON value; other kinds are text.
                ok["content"] = {kind: {"schema": {} if kind == "application/json" else {"type": "string"}}
                                 for kind in ([produces] if isinstance(produces, str) else produces)}
            op["responses"][str(doc.status)] = ok
            # The HTTP server (gunicorn) answers a request line beyond 4 KB itself, before the application.
            op["responses"]["414"] = URI_TOO_LONG
            for code in doc.extra.get("also", []):  # another success, e.g. Camunda's 204 when no result is asked
                op["responses"][str(code)] = {"description": "Success, no content"}
            camunda = path.startswith(CAMUNDA_PREFIX)
            codes = _CAMUNDA_ERRORS if camunda else _PUBLIC_ERRORS if doc.public else _ERRORS
            for code in codes:
                op["responses"].setdefault(code, CAMUNDA_ERROR if camunda else PROBLEM)
            if not doc.public:
                op["security"] = [{"bearer": []}]
            paths.setdefault(path, {})[method.lower()] = op
    for path, ops in paths.items():
        spec.path(path=path, operations=ops)
    document = spec.to_dict()
    _mark_reasons_required(document, prefixes)
    _add_schema_extras(document)
    _no_nul_in_text(document)
    _cache["spec"] = document
    return _cache["spec"]


def _requires_fields(schema: Any) -> bool:
    return any(field.required or isinstance(field, Reason) for field in schema.fields.values())


def _mark_reasons_required(document: dict[str, Any], prefixes: dict[str, str]) -> None:
    """A `Reason` field loads as optional (the service answers a missing one with a 422 naming it), but
    a client must send it: list it as required in the body's schema."""
    for doc in ROUTES:
        names = [name for name, field in (doc.body.fields.items() if doc.body is not None else [])
                 if isinstance(field, Reason)]
        if not names:
            continue
        for method in doc.methods:
            op = document["paths"][_path(prefixes.get(doc.blueprint.name, "") + doc.rule)][method.lower()]
            schema = op["requestBody"]["content"]["application/json"]["schema"]
            if "$ref" in schema:
                schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
            schema["required"] = sorted(set(schema.get("required", [])) | set(names))
            for name in names:  # null and blank are refused by the service: not valid values
                prop = schema["properties"][name]
                prop.pop("nullable", None)
                prop.update(minLength=1, pattern="^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$")


NO_NUL = "^[^\\u0000]*$"


def _no_nul_in_text(node: Any) -> None:
    """Text parameters and fields never hold NUL (api/base.py refuses it: PostgreSQL cannot store it); say so on
    every string that has no pattern of its own (the ones that do exclude it already)."""
    if isinstance(node, dict):
        if node.get("type") == "string" and "pattern" not in node and "enum" not in node \
                and node.get("format") not in ("binary", "date-time"):
            node["pattern"] = NO_NUL
        for value in node.values():
            _no_nul_in_text(value)
    elif isinstance(node, list):
        for value in node:
            _no_nul_in_text(value)


def _add_schema_extras(document: dict[str, Any]) -> None:
    """Constraints across fields that marshmallow cannot describe (a schema's `openapi_extra`)."""
    for doc in ROUTES:
        extra = getattr(doc.body, "openapi_extra", None)
        if not extra:
            continue
        name = type(doc.body).__name__.removesuffix("Schema")
        document["components"]["schemas"].get(name, {}).update(extra)
