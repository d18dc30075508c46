"""Promotion bundles: export deployments with their notes, import them into a fresh database, and run."""

from __future__ import annotations

import io
import zipfile

from click.testing import CliRunner

from tests.client import DIAGRAMS, Api
from tests.conftest import ADMIN_TOKEN, PG_URL, _truncate


def _export(api: Api, **params) -> bytes:
    r = api.get("/api/bundles", query_string=params)
    assert r.status_code == 200, r.get_json()
    assert r.mimetype == "application/zip" and "attachment" in r.headers["Content-Disposition"]
    return r.data


def _import(api: Api, data: bytes, expect: int = 201):
    r = api.client.post("/api/bundles", data=data, content_type="application/zip",
                        headers={"Authorization": f"Bearer {api.token}"})
    assert r.status_code == expect, r.get_json()
    return r.get_json()


def _fresh(app_config, tmp_path, name: str, **extra):
    """Another server on an empty database (PostgreSQL: the same one, emptied)."""
    from bpmn_server import create_app

    if PG_URL:
        _truncate(PG_URL)
        url = PG_URL
    else:
        url = f"sqlite:///{tmp_path / name}"
    return create_app({**app_config, "SQLALCHEMY_DATABASE_URI": url, **extra})


def _deploy_history(api: Api) -> None:
    api.deploy("gov_review.bpmn", note="first cut")
    v2 = (DIAGRAMS / "gov_review.bpmn").read_text().replace('name="Review"', 'name="Review the claim"')
    api.deploy(v2, note="clearer task name")
    api.deploy("core_parallel_tasks.bpmn", note="two reviews")


def _swap(data: bytes, path: str, content: bytes) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name in source.namelist():
            zf.writestr(name, content if name == path else source.read(name))
    return out.getvalue()


def test_a_bundle_imports_into_a_fresh_database_and_runs(api, app_config, tmp_path):
    _deploy_history(api)
    bundle = _export(api, all_versions="true")
    only = zipfile.ZipFile(io.BytesIO(_export(api, process="gov_review")))
    assert len([n for n in only.namelist() if n.startswith("files/")]) == 1  # the latest version only

    target = Api(_fresh(app_config, tmp_path, "target.db"), ADMIN_TOKEN)
    result = _import(target, bundle)
    assert [(d["note"], [(x["key"], x["version"]) for x in d["definitions"]]) for d in result["deployed"]] == [
        ("first cut", [("gov_review", 1)]), ("clearer task name", [("gov_review", 2)]),
        ("two reviews", [("core_parallel_tasks", 1)])]
    instance = target.start("gov_review", {"amount": 4})
    assert instance["version"] == 2 and instance["tasks"][0]["name"] == "Review the claim"
    done = target.complete(instance["tasks"][0]["id"])
    assert done["status"] == "completed" and done["variables"]["total"] == 8

    again = _import(target, bundle)  # identical versions are skipped
    assert again["deployed"] == [] and len(again["skipped"]) == 3


def test_a_tampered_bundle_is_refused(api, app_config, tmp_path):
    _deploy_history(api)
    bundle = _export(api)
    target = Api(_fresh(app_config, tmp_path, "target.db"), ADMIN_TOKEN)
    path = next(n for n in zipfile.ZipFile(io.BytesIO(bundle)).namelist() if n.startswith("files/"))
    evil = (DIAGRAMS / "gov_script.bpmn").read_bytes()
    problem = _import(target, _swap(bundle, path, evil), expect=422)
    assert problem["errors"][0]["field"] == path
    manifest = zipfile.ZipFile(io.BytesIO(bundle)).read("manifest.json").replace(b"two reviews", b"no reviews")
    problem = _import(target, _swap(bundle, "manifest.json", manifest), expect=422)
    assert problem["errors"][0]["field"] == "manifest.sig"
    assert _import(target, b"not a zip", expect=422)["errors"][0]["field"] == "bundle"
    r = target.client.post("/api/bundles", data=bundle, content_type="text/plain",
                           headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    assert r.status_code == 415
    assert target.get("/api/process-definitions").get_json()["items"] == []  # nothing was deployed


def test_signed_bundles_and_proposals(api, app_config, tmp_path):
    signed_app = _fresh(app_config, tmp_path, "signed.db", BUNDLE_KEY="s3cret")
    source = Api(signed_app, ADMIN_TOKEN)
    source.deploy("gov_review.bpmn", note="first cut")
    signed = _export(source)
    assert zipfile.ZipFile(io.BytesIO(signed)).read("manifest.sig").startswith(b"hmac-sha256:")

    other_key = Api(_fresh(app_config, tmp_path, "other.db", BUNDLE_KEY="another"), ADMIN_TOKEN)
    assert _import(other_key, signed, expect=422)["errors"][0]["field"] == "manifest.sig"

    approving = Api(_fresh(app_config, tmp_path, "approving.db", BUNDLE_KEY="s3cret", DEPLOY_APPROVAL=True),
                    ADMIN_TOKEN)
    anna = approving.as_user("anna", "analyst")
    result = _import(anna, signed)
    assert [d["status"] for d in result["deployed"]] == ["proposed"]
    assert approving.get("/api/process-definitions").get_json()["items"] == []


def test_the_command_line_exports_and_imports(api, app_config, database_url, tmp_path):
    from bpmn_server.cli import main

    _deploy_history(api)
    runner = CliRunner()
    env = {"BPMN_SERVER_DATABASE_URL": database_url, "BPMN_SERVER_SCHEDULER": "off"}
    exported = runner.invoke(main, ["export", "--process", "gov_review", "--all-versions"], env=env)
    assert exported.exit_code == 0, exported.output
    bundle = tmp_path / "bundle.zip"
    bundle.write_bytes(exported.stdout_bytes)
    missing = runner.invoke(main, ["export", "--process", "nope"], env=env)
    assert missing.exit_code == 1 and "nope" in missing.output

    _fresh(app_config, tmp_path, "cli.db")  # creates (or empties) the target's schema
    target_url = PG_URL or f"sqlite:///{tmp_path / 'cli.db'}"
    imported = runner.invoke(main, ["import", str(bundle)], env={**env, "BPMN_SERVER_DATABASE_URL": target_url})
    assert imported.exit_code == 0, imported.output
    assert "gov_review v1 (first cut)" in imported.output and "gov_review v2 (clearer task name)" in imported.output
    bad = tmp_path / "bad.zip"
    bad.write_bytes(b"junk")
    refused = runner.invoke(main, ["import", str(bad)], env={**env, "BPMN_SERVER_DATABASE_URL": target_url})
    assert refused.exit_code == 1 and "bundle" in refused.output
