"""The `Idempotency-Key` header on POST routes: replay the first answer instead of acting twice.

`route` (api/base.py) calls `guarded` around every authenticated POST. The fingerprint covers the
method, the path and the body as the client meant it: a JSON body with its keys sorted, a multipart form
by its fields and the digests of its files (a retried upload has a new boundary), other bodies byte for byte.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import orjson
from flask import Response, current_app, request

from ..services import idempotency

HEADER = "Idempotency-Key"


def _fingerprint() -> str:
    digest = hashlib.sha256(f"{request.method} {request.path}\n".encode())
    mimetype = request.mimetype or ""
    if mimetype == "multipart/form-data":
        for name in sorted(request.form):
            for value in request.form.getlist(name):
                digest.update(orjson.dumps([name, value]))
        for name in sorted(request.files):
            for upload in request.files.getlist(name):
                data = upload.read()
                upload.seek(0)
                digest.update(orjson.dumps([name, upload.filename, hashlib.sha256(data).hexdigest()]))
    else:
        data = request.get_data(cache=True)
        if mimetype == "application/json" or mimetype.endswith("+json"):
            try:
                data = orjson.dumps(orjson.loads(data or b"{}"), option=orjson.OPT_SORT_KEYS)
            except orjson.JSONDecodeError:
                pass  # the route refuses it; byte for byte meanwhile
        digest.update(data)
    return digest.hexdigest()


def _replay(stored: idempotency.Stored) -> Response:
    return Response(stored.body, status=stored.status, mimetype=stored.content_type,
                    headers={"Idempotent-Replayed": "true"})


def guarded(user: str, act: Callable[[], Response]) -> Response:
    """Run `act` once per user, key and request; without the header, just run it."""
    key = request.headers.get(HEADER)
    if key is None:
        return act()
    key = idempotency.check_key(key.strip())
    fingerprint = _fingerprint()
    try:
        stored = idempotency.claim(user, key, fingerprint)
    except idempotency.InFlight:
        stored = idempotency.wait(user, key, fingerprint, current_app.config.get("IDEMPOTENCY_WAIT", 30.0))
    if stored is not None:
        return _replay(stored)
    try:
        response = act()
    except BaseException:
        idempotency.release(user, key)
        raise
    if response.status_code >= 500:
        idempotency.release(user, key)
        return response
    response.direct_passthrough = False
    idempotency.store(user, key, response.status_code, response.mimetype or "application/json",
                      response.get_data())
    return response

