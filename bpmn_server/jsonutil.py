"""Fast JSON with orjson: API bodies are built and parsed on every request."""

from __future__ import annotations

import datetime as dt
from typing import Any

import orjson
from flask.json.provider import JSONProvider


def _default(value: Any) -> Any:
    if isinstance(value, (set, frozenset)):
        return list(value)
    return str(value)


def dumps(value: Any) -> bytes:
    return orjson.dumps(value, default=_default, option=orjson.OPT_UTC_Z | orjson.OPT_NAIVE_UTC)


def iso(value: dt.datetime | None) -> str | None:
    """ISO 8601 in UTC with `Z`."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


class OrjsonProvider(JSONProvider):
    def dumps(self, obj: Any, **kwargs: Any) -> str:
        return dumps(obj).decode()

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return orjson.loads(s)

    def response(self, *args: Any, **kwargs: Any) -> Any:
        obj = self._prepare_response_obj(args, kwargs)
        return self._app.response_class(dumps(obj), mimetype="application/json")
