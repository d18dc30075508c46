"""Request size limits that apply to every JSON route (registered in api/history.py)."""

from __future__ import annotations

from flask import current_app, request

from ..exceptions import PayloadTooLarge

ENVELOPE_BYTES = 64 * 1024  # room for the rest of a body around its variables


def limit_json_body() -> None:
    """413 for a JSON body larger than the variables limit allows: variables arrive in JSON bodies
    (start, complete, messages, repairs), and an instance may not hold more than MAX_VARIABLES_BYTES.
    Uploads (multipart, XML) are limited by MAX_CONTENT_LENGTH instead."""
    if request.mimetype != "application/json" and not request.mimetype.endswith("+json"):
        return
    limit = int(current_app.config.get("MAX_VARIABLES_BYTES", 1024 * 1024)) + ENVELOPE_BYTES
    size = request.content_length
    if size is None:
        size = len(request.get_data(cache=True))
    if size > limit:
        raise PayloadTooLarge(f"the JSON body is {size:,} bytes; the limit is {limit:,} "
                              f"(BPMN_SERVER_MAX_VARIABLES_BYTES plus {ENVELOPE_BYTES:,})")
