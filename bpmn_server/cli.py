"""The `bpmn-server` command: serve, deploy, users create, db upgrade, history prune. A client of the services."""

from __future__ import annotations

import atexit
import logging
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import click

from .states import ROLES

EXAMPLES = Path(__file__).resolve().parent.parent / "processes"
METRICS_PREFIX = "bpmn-server-metrics-"


def _app(**overrides: Any) -> Any:
    from . import create_app

    return create_app({"SCHEDULER_ENABLED": False, **overrides})


@click.group()
@click.version_option(package_name="bpmn-server")
def main() -> None:
    """bpmn-server: run BPMN 2.0 processes."""


def _register_bundles() -> None:
    from .cli_bundles import export_command, import_command

    main.add_command(export_command)
    main.add_command(import_command)


_register_bundles()


def deploy_files(paths: list[Path], actor: str = "system", note: str | None = None) -> list[str]:
    from .services import deployments

    uploads = [deployments.Upload(p.name, p.read_bytes()) for p in paths]
    # Form files go with each diagram: spiff-arena's (.json) and Camunda Forms (.form, which formIds link).
    forms = [u for u in uploads if u.filename.lower().endswith((".json", ".form"))]
    lines = []
    for upload in (u for u in uploads if u not in forms):
        result = deployments.deploy([upload, *forms], actor, note)
        for d in [*result.definitions, *result.decisions]:
            lines.append(f"{upload.filename}: {d.key} v{d.version}{'' if result.created else ' (unchanged)'}")
        lines.extend(f"{n['file']}: {n['message']}" for n in result.notes)  # stored, not run: said
    return lines


def _remove_stale_metrics_folders() -> None:
    """Folders left by servers that were killed (no exit hook ran): their master process is gone."""
    for path in Path(tempfile.gettempdir()).glob(f"{METRICS_PREFIX}*-*"):
        pid = path.name[len(METRICS_PREFIX):].split("-", 1)[0]
        if not pid.isdigit():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(path, ignore_errors=True)
        except OSError:
            continue  # alive, under another user


def _metrics_folder() -> str:
    """A fresh folder for prometheus-client's multiprocess mode, set before anything imports it.

    Every worker writes its samples there and a scrape of any worker sums them; a fresh folder per
    server start, so that no sample of an earlier run is counted again. Removed when the server exits.
    """
    _remove_stale_metrics_folders()
    folder = tempfile.mkdtemp(prefix=f"{METRICS_PREFIX}{os.getpid()}-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = folder
    master = os.getpid()

    def remove() -> None:
        if os.getpid() == master:  # forked workers inherit this hook: only the master removes the folder
            shutil.rmtree(folder, ignore_errors=True)

    atexit.register(remove)
    return folder


def _gunicorn_logger() -> type:
    """gunicorn's logger, writing its own lines (boot, signals, worker exits) in our format too."""
    from gunicorn.glogging import Logger

    from .logs import formatter

    class ServerLogger(Logger):
        def setup(self, cfg: Any) -> None:
            super().setup(cfg)
            kind = os.environ.get("BPMN_SERVER_LOG_FORMAT", "json").lower()
            for handler in self.error_log.handlers:
                handler.setFormatter(formatter(kind))

    return ServerLogger


def _child_exit(_server: Any, worker: Any) -> None:
    """In the master: a worker is gone; prometheus-client forgets its live samples."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def _worker_exit(_server: Any, worker: Any) -> None:
    """In a worker that has stopped serving (SIGTERM: in-flight requests finished within graceful_timeout):
    stop its clock, after the round in progress, and release the timer leases it holds so that another
    process fires those timers at once. Each step is one transaction, so none is left half-written."""
    app = getattr(worker, "wsgi", None)
    if app is None:
        return
    from . import scheduler
    from .services import timers

    scheduler.stop(app)
    with app.app_context():
        try:
            released = timers.release_leases(timers.owner_id())
            if released:
                logging.getLogger("bpmn_server").info("released %d timer lease(s) at shutdown", released)
        except Exception:  # noqa: BLE001 - the leases then simply run out
            logging.getLogger("bpmn_server").warning("could not release timer leases", exc_info=True)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8080, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=int, help="server processes (gunicorn)")
@click.option("--threads", default=4, show_default=True, type=int, help="threads per process")
@click.option("--examples", is_flag=True, help="deploy the example diagrams in processes/ at start")
def serve(host: str, port: int, workers: int, threads: int, examples: bool) -> None:
    """Run the server (SQLite by default; set BPMN_SERVER_DATABASE_URL for PostgreSQL)."""
    _metrics_folder()
    os.environ.setdefault("BPMN_SERVER_LOG_FORMAT", "json")
    app = _app()  # creates the schema and the first admin once, before any worker starts
    if examples:
        folder = EXAMPLES if EXAMPLES.is_dir() else Path.cwd() / "processes"
        with app.app_context():
            examples = sorted([*folder.glob("*.dmn"), *folder.glob("*.bpmn"), *folder.glob("*.form")])
            for line in deploy_files(examples, note="examples"):
                click.echo(f"deployed {line}")
    from gunicorn.app.base import BaseApplication

    class Server(BaseApplication):
        def load_config(self) -> None:
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", workers)
            self.cfg.set("threads", threads)
            self.cfg.set("worker_class", "gthread" if threads > 1 else "sync")
            self.cfg.set("accesslog", os.environ.get("BPMN_SERVER_ACCESS_LOG") or None)
            # SIGTERM: stop accepting, let in-flight requests finish for up to this long, then exit.
            self.cfg.set("graceful_timeout", int(os.environ.get("BPMN_SERVER_GRACEFUL_TIMEOUT", "10")))
            self.cfg.set("logger_class", _gunicorn_logger())
            self.cfg.set("child_exit", _child_exit)
            self.cfg.set("worker_exit", _worker_exit)
            # gunicorn's control socket has one fixed path per user: several servers on a host would share it.
            if "control_socket_disable" in self.cfg.settings:
                self.cfg.set("control_socket_disable", True)

        def load(self) -> Any:
            from . import create_app

            return create_app()

    click.echo(f"bpmn-server listening on http://{host}:{port} ({workers} process(es))")
    Server().run()


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--note", default=None, help="what changed and why")
def deploy(files: tuple[Path, ...], note: str | None) -> None:
    """Deploy BPMN files."""
    from .exceptions import BpmnServerError

    app = _app()
    with app.app_context():
        try:
            for line in deploy_files(list(files), note=note):
                click.echo(f"deployed {line}")
        except BpmnServerError as exc:
            click.echo(f"error: {exc.detail}", err=True)
            for e in exc.errors or []:
                click.echo(f"  line {e.get('line')}, {e.get('element')}: {e.get('message')}", err=True)
            sys.exit(1)


@main.group()
def users() -> None:
    """Manage users."""


@users.command("create")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice(list(ROLES)))
@click.option("--group", "groups", multiple=True, help="a group (repeatable)")
def users_create(name: str, role: str, groups: tuple[str, ...]) -> None:
    """Create a user and print its token."""
    from .exceptions import BpmnServerError
    from .services.users import create_user

    app = _app()
    with app.app_context():
        try:
            _, token = create_user(name, role, list(groups), actor="cli")
        except BpmnServerError as exc:
            click.echo(f"error: {exc.detail}", err=True)
            sys.exit(1)
    click.echo(token)


@main.group("db")
def db_group() -> None:
    """Database schema."""


@db_group.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the schema, then exit."""
    _app()
    click.echo("schema is up to date")


@main.group()
def history() -> None:
    """History retention."""


@history.command("prune")
@click.option("--days", type=float, default=None,
              help="remove instances ended more than this many days ago (default: BPMN_SERVER_HISTORY_RETENTION_DAYS)")
@click.option("--dry-run", is_flag=True, help="only count what would be removed")
def history_prune(days: float | None, dry_run: bool) -> None:
    """Remove ended instances and their history, older than the retention (an operator's policy)."""
    from .services import retention

    app = _app()
    days = days or app.config.get("HISTORY_RETENTION_DAYS")
    if not days or days <= 0:
        click.echo("error: retention is off; pass --days N or set BPMN_SERVER_HISTORY_RETENTION_DAYS", err=True)
        sys.exit(2)
    with app.app_context():
        done = retention.prune(days, dry_run=dry_run)
    verb = "would remove" if dry_run else "removed"
    click.echo(f"{verb} {done.instances} instance(s) and {done.events} event(s) ended before "
               f"{done.cutoff.isoformat().replace('+00:00', 'Z')}")


if __name__ == "__main__":
    main()
