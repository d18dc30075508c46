"""bpmn-server: a BPMN 2.0 execution server on SpiffWorkflow, Flask and SQL."""

from __future__ import annotations

import logging
import os
from typing import Any

from flask import Flask

__version__ = "0.1.0"
log = logging.getLogger("bpmn_server")


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """The app factory (Flask tutorial style): gunicorn calls `bpmn_server:create_app()`."""
    from . import config, db, errors, observability, scheduler
    from .api import register
    from .engine import set_java_delegates, set_limits
    from .jsonutil import OrjsonProvider
    from .services import definitions, export_slots

    app = Flask(__name__)
    app.json = OrjsonProvider(app)
    app.config.from_mapping(config.from_env())
    if test_config:
        app.config.update(test_config)
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS",
                          config.engine_options(app.config["SQLALCHEMY_DATABASE_URI"],
                                                app.config["STATEMENT_TIMEOUT"]))
    if app.config.get("TRUSTED_PROXIES"):
        # The client's address (for the bad-token throttle and logs) from the proxies' X-Forwarded-For.
        from werkzeug.middleware.proxy_fix import ProxyFix
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["TRUSTED_PROXIES"],  # type: ignore[method-assign]
                                x_proto=app.config["TRUSTED_PROXIES"])
    logging.basicConfig(level=app.config["LOG_LEVEL"], format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    set_limits(app.config["SCRIPT_TIME_LIMIT"], app.config["MAX_VARIABLES_BYTES"])
    export_slots.configure(app.config["EXPORT_CONCURRENCY"], app.config["EXPORT_PACE"])
    definitions.configure(app.config.get("DEFINITION_CACHE_SIZE", definitions.DEFAULT_SIZE))
    set_java_delegates(app.config.get("JAVA_DELEGATES", "refuse"))
    db.init_app(app)
    errors.init_app(app)
    observability.init_app(app)
    register(app)
    if app.config.get("BOOTSTRAP", True):
        with app.app_context():
            db.upgrade()
            _first_admin(app)
    if app.config["SCHEDULER_ENABLED"] and _is_serving_process(app):
        scheduler.start(app)
    return app


def _first_admin(app: Flask) -> None:
    from .exceptions import Conflict
    from .services.users import ensure_admin

    try:
        token = ensure_admin(app.config.get("ADMIN_TOKEN"))
    except Conflict:
        return  # another process created it at the same moment
    if token:
        # Printed once, on the console only: it is stored hashed.
        print(f"bpmn-server: created user 'admin' with token {token}", flush=True)


def _is_serving_process(app: Flask) -> bool:
    # Under the development reloader only the child serves; the watcher must not run a clock.
    return not app.debug or os.environ.get("WERKZEUG_RUN_MAIN") == "true"
