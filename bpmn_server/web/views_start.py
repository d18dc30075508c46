"""Start a case: the processes the user may start, each with its start form (camunda:formData on the none
start event) as inputs, so that nobody types JSON to start an instance (Camunda Tasklist's "Start process")."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for

from models import User

from ..exceptions import BpmnServerError, Invalid
from ..services import deployments, instances
from . import bp, forms, outcome
from .session import page


def _startable(user: User) -> list[Any]:
    return sorted(deployments.list_definitions(None, True, 500, None, startable_by=user.name).items,
                  key=lambda d: ((d.name or d.key).lower(), d.key))


@bp.route("/start")
@page("instances.start")
def start_list(user: User) -> str:
    return render_template("web/start_list.html", items=_startable(user))


def _form_page(user: User, key: str, errors: dict[str, str] | None = None, values: dict[str, str] | None = None,
               problem: str | None = None, status: int = 200) -> Any:
    definition = deployments.get_definition(deployments.resolve(key, None).id)
    meta = definition.meta or {}
    fields = (meta.get("start_form") or {}).get("fields") or []
    key_field = meta.get("start_form_business_key")
    return render_template("web/start_form.html", definition=definition, fields=fields, key_field=key_field,
                           errors=errors or {}, values=values or {}, posted=values is not None,
                           problem=problem), status


@bp.route("/start/<key>")
@page("instances.start")
def start_form(user: User, key: str) -> Any:
    return _form_page(user, key)


@bp.route("/start/<key>", methods=["POST"])
@page("instances.start")
def start_case(user: User, key: str) -> Any:
    definition = deployments.get_definition(deployments.resolve(key, None).id)
    values = request.form.to_dict()
    try:
        variables = forms.task_variables((definition.meta or {}).get("start_form"), request.form, free=False)
        business_key = request.form.get("business_key", "").strip() or None
        instance = instances.start(key, user.name, variables, definition.version, business_key, user=user)
    except Invalid as exc:
        return _form_page(user, key, forms.field_errors(exc), values, exc.detail, 422)
    except BpmnServerError as exc:
        if exc.status >= 500 or exc.status == 403:
            raise
        return _form_page(user, key, {}, values, exc.detail, exc.status)
    flash(*outcome.after_start(key, instance))
    return redirect(url_for("web.instance_page", instance_id=instance.id), 303)

