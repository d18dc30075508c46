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
                op["requestBody"] = {"required": True, "content": {"application/json": {"schema": doc.body}}}
            if doc.extra.get("upload"):
                op["requestBody"] = {"required": True, "content": {
                    "multipart/form-data": {"schema": {"type": "object", "properties": {
                        "file": {"type": "array", "items": {"type": "string", "format": "binary"}},
                        "note": {"type": "string"}}}},
                    "application/xml": {"schema": {"type": "string"}}}}
            if doc.extra.get("consumes"):
                op["requestBody"] = {"required": True, "content": {
                    doc.extra["consumes"]: {"schema": {"type": "string", "format": "binary"}}}}
            if method == "POST" and not doc.public:
                op["parameters"].append({"in": "header", "name": "Idempotency-Key", "required": False,
                                         "schema": {"type": "string", "maxLength": 255},
                                         "description": "the same user, key and body within 24 h get the first "
                                                        "answer again; another body with the key: 422"})
            ok: dict[str, Any] = {"description": "Success"}
            if doc.response is not None:
                ok["content"] = {"application/json": {"schema": doc.response}}
            elif doc.extra.get("produces"):
                ok["content"] = {doc.extra["produces"]: {"schema": {"type": "string"}}}
            op["responses"][str(doc.status)] = ok
            for code in (["400", "401", "403", "404", "409", "415", "422"] if not doc.public else ["503"]):
                op["responses"][code] = PROBLEM
            if not doc.public:
                op["security"] = [{"bearer": []}]
            paths.setdefault(path, {})[method.lower()] = op
    for path, ops in paths.items():
        spec.path(path=path, operations=ops)
    document = spec.to_dict()
    _mark_reasons_required(document, prefixes)
    _cache["spec"] = document
    return _cache["spec"]


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
