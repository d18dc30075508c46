"""The `bpmn-server` command: serve, deploy, users create, db upgrade. A client of the services."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click

EXAMPLES = Path(__file__).resolve().parent.parent / "processes"


def _app(**overrides: Any) -> Any:
    from . import create_app

    return create_app({"SCHEDULER_ENABLED": False, **overrides})


@click.group()
@click.version_option(package_name="bpmn-server")
def main() -> None:
    """bpmn-server: run BPMN 2.0 processes."""


def deploy_files(paths: list[Path], actor: str = "system", note: str | None = None) -> list[str]:
    from .services import deployments

    uploads = [deployments.Upload(p.name, p.read_bytes()) for p in paths]
    lines = []
    for upload in uploads:
        result = deployments.deploy([upload], actor, note)
        for d in result.definitions:
            lines.append(f"{upload.filename}: {d.key} v{d.version}{'' if result.created else ' (unchanged)'}")
    return lines


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8080, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=int, help="server processes (gunicorn)")
@click.option("--threads", default=4, show_default=True, type=int, help="threads per process")
@click.option("--examples", is_flag=True, help="deploy the example diagrams in processes/ at start")
def serve(host: str, port: int, workers: int, threads: int, examples: bool) -> None:
    """Run the server (SQLite by default; set BPMN_SERVER_DATABASE_URL for PostgreSQL)."""
    app = _app()  # creates the schema and the first admin once, before any worker starts
    if examples:
        folder = EXAMPLES if EXAMPLES.is_dir() else Path.cwd() / "processes"
        with app.app_context():
            for line in deploy_files(sorted(folder.glob("*.bpmn")), note="examples"):
                click.echo(f"deployed {line}")
    from gunicorn.app.base import BaseApplication

    class Server(BaseApplication):
        def load_config(self) -> None:
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", workers)
            self.cfg.set("threads", threads)
            self.cfg.set("worker_class", "gthread" if threads > 1 else "sync")
            self.cfg.set("accesslog", os.environ.get("BPMN_SERVER_ACCESS_LOG") or None)
            self.cfg.set("graceful_timeout", 10)
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
@click.option("--role", required=True, type=click.Choice(["admin", "analyst", "operator", "auditor"]))
@click.option("--group", "groups", multiple=True, help="a group (repeatable)")
def users_create(name: str, role: str, groups: tuple[str, ...]) -> None:
    """Create a user and print its token."""
    from .exceptions import BpmnServerError
    from .services.users import create_user

    app = _app()
    with app.app_context():
        try:
            _, token = create_user(name, role, list(groups))
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


if __name__ == "__main__":
    main()
