"""`bpmn-server export` and `bpmn-server import`: promotion bundles (services/bundles.py) from the command line.

Export reads this server's database. Import deploys into this server's database, or with `--server URL
--token T` into another server through its API (`POST /api/bundles`), where the bundle is verified and,
with approval on there and a non-admin token, proposed.
"""

from __future__ import annotations

import json
import sys
import urllib.error
import urllib.request
from pathlib import Path

import click


def _app() -> object:
    from . import create_app

    return create_app({"SCHEDULER_ENABLED": False})


def _fail(detail: str, errors: list | None = None) -> None:
    click.echo(f"error: {detail}", err=True)
    for e in errors or []:
        click.echo(f"  {e.get('field') or e.get('element')}: {e.get('message')}", err=True)
    sys.exit(1)


@click.command("export")
@click.option("--process", "processes", multiple=True, help="a process key (repeatable; default: every process)")
@click.option("--all-versions", is_flag=True, help="every version, not only the latest")
def export_command(processes: tuple[str, ...], all_versions: bool) -> None:
    """Write a bundle (zip) of deployed processes with their notes to stdout."""
    from .exceptions import BpmnServerError
    from .services import bundles

    app = _app()
    with app.app_context():  # type: ignore[attr-defined]
        try:
            data = bundles.export(list(processes) or None, all_versions)
        except BpmnServerError as exc:
            _fail(exc.detail, exc.errors)
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()


def _remote(server: str, token: str, data: bytes) -> dict:
    if not server.startswith(("http://", "https://")):
        _fail("--server must be an http:// or https:// URL")
    req = urllib.request.Request(  # noqa: S310 - the scheme is checked above: http or https only
        server.rstrip("/") + "/api/bundles", data=data, method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/zip"})
    try:
        with urllib.request.urlopen(req, timeout=120) as response:  # noqa: S310  # nosec B310
            return json.loads(response.read())
    except urllib.error.HTTPError as exc:
        problem = json.loads(exc.read() or b"{}")
        _fail(problem.get("detail") or str(exc), problem.get("errors"))
    except urllib.error.URLError as exc:
        _fail(f"cannot reach {server}: {exc.reason}")
    return {}


@click.command("import")
@click.argument("bundle", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--server", default=None, help="deploy into this server through its API (with --token)")
@click.option("--token", default=None, envvar="BPMN_SERVER_TOKEN", help="a token of that server")
def import_command(bundle: Path, server: str | None, token: str | None) -> None:
    """Deploy a bundle's deployments, in order and with their notes; identical versions are skipped."""
    data = bundle.read_bytes()
    if server:
        if not token:
            _fail("--server needs --token (or BPMN_SERVER_TOKEN)")
        result = _remote(server, token or "", data)
    else:
        from models import User

        from .exceptions import BpmnServerError
        from .services import bundles

        app = _app()
        with app.app_context():  # type: ignore[attr-defined]
            try:
                # The command line speaks for the server's operator, as `deploy` does: an admin.
                found = bundles.import_bundle(data, User(name="cli", role="admin", groups=[]))
            except BpmnServerError as exc:
                _fail(exc.detail, exc.errors)
            result = {"deployed": found.deployed, "skipped": found.skipped}
    for item in result.get("deployed", []):
        versions = ", ".join(f"{d['key']} v{d['version']}" for d in item["definitions"]) or "-"
        click.echo(f"{item['status']} {item['deployment_id']}: {versions} ({item.get('note') or 'no note'})")
    for path in result.get("skipped", []):
        click.echo(f"skipped {path} (already deployed)")
