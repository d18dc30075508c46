"""Web pages for people: server-rendered (Flask + Jinja, a little JavaScript), under /ui.

The pages are one more client of the service functions, like the JSON API and the CLI: views parse
a form, check the role with the API's permission table, call a service, render. Login is by API
token into a signed session cookie; every POST carries a CSRF token. Errors render as HTML pages
here (the API's problem+json stays the API's).
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Flask, redirect, render_template, request, url_for
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from ..exceptions import BpmnServerError, NotFound, Unauthorized

log = logging.getLogger(__name__)
bp = Blueprint("web", __name__, url_prefix="/ui", template_folder="templates", static_folder="static",
               static_url_path="/static")

# Pages may load scripts, styles and fonts from this server only; bpmn-js needs inline style
# attributes on its SVG and data: images (its watermark), nothing else from outside.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")

from . import (  # noqa: E402 - the views register themselves on `bp`
    csrf,
    present,
    secret,
    session,
    views_audit,
    views_batches,
    views_decision_editor,
    views_deployments,
    views_editor,
    views_filters,
    views_form_editor,
    views_instances,
    views_live,
    views_notify,
    views_processes,
    views_start,
    views_tasks,
)

_ = (views_audit, views_batches, views_decision_editor, views_deployments, views_editor, views_filters,
     views_form_editor, views_instances, views_live, views_notify, views_processes, views_start, views_tasks)
present.register(bp)
bp.before_request(session.guard_post)


@bp.app_context_processor
def _globals() -> dict[str, Any]:
    if not request.blueprint == "web":
        return {}
    return {"csrf_field": csrf.field, "csrf_token": csrf.token, "may": session.may,
            "me": session.page_user()}


@bp.after_request
def _headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if response.mimetype == "text/html":
        response.headers["Cache-Control"] = "no-store"  # pages show case data: keep them out of caches
    return response


def _error_page(status: int, title: str, detail: str, errors: list[Any] | None = None) -> tuple[str, int]:
    return render_template("web/error.html", status=status, title=title, detail=detail, errors=errors or []), status


@bp.errorhandler(BpmnServerError)
def _domain_error(exc: BpmnServerError) -> Any:
    if isinstance(exc, Unauthorized):
        return redirect(url_for("web.login"), 303)
    return _error_page(exc.status, exc.title, exc.detail, exc.errors)


@bp.errorhandler(ValidationError)
def _bad_query(exc: ValidationError) -> Any:
    errors = [{"field": k, "message": "; ".join(map(str, v)) if isinstance(v, list) else str(v)}
              for k, v in sorted(exc.messages.items())] if isinstance(exc.messages, dict) else []
    return _error_page(400, "Bad request", "the page's parameters are not valid", errors)


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException) -> Any:
    return _error_page(exc.code or 500, exc.name, exc.description or exc.name)


@bp.errorhandler(Exception)
def _unexpected(exc: Exception) -> Any:
    log.exception("unhandled error on a page")
    return _error_page(500, "Internal error", "the server failed to show this page; the error has been logged")


@bp.route("/<path:anything>")
def not_found(anything: str) -> Any:
    raise NotFound(f"there is no page at /ui/{anything}")


def _root() -> Response:
    return redirect(url_for("web.home"))


def register(app: Flask) -> None:
    """Set up the session cookie and mount the pages (and `/` leading to them)."""
    secret.configure(app)
    app.register_blueprint(bp)
    app.add_url_rule("/", "web_root", _root)
