"""The vendored browser bundles (bpmn_server/web/static/vendor/) are what the committed lockfile builds.

`web/vendor-src/build.sh` writes MANIFEST.sha256 beside the bundles: the digest of package-lock.json it built from
and of every file it wrote. Always checked: the lockfile is the one the bundles were built from (a changed
lockfile needs a rebuild) and no built file was changed by hand or left out. Where Node.js and npm are installed,
the script is run again into a scratch folder (`npm ci` from the lockfile, then esbuild) and every file must come
out byte for byte the same; skipped with the reason where node is missing or the npm registry cannot be reached,
and on the PostgreSQL run of the suite (the bundles do not depend on the database: the SQLite run checks them)."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT

WEB = ROOT / "bpmn_server" / "web"
VENDOR = WEB / "static" / "vendor"
SOURCE = WEB / "vendor-src"
MANIFEST = VENDOR / "MANIFEST.sha256"
NETWORK = ("ENOTFOUND", "EAI_AGAIN", "ECONNREFUSED", "ETIMEDOUT", "ECONNRESET", "network request", "getaddrinfo")


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _manifest(path: Path) -> dict[str, str]:
    lines = [line.split("  ", 1) for line in path.read_text().splitlines() if line.strip()]
    return {name: digest for digest, name in lines}


def _built(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*")
            if p.is_file() and p.name not in ("README.txt", "MANIFEST.sha256")}


def test_the_bundles_are_the_ones_the_lockfile_built():
    recorded = _manifest(MANIFEST)
    assert recorded.pop("vendor-src/package-lock.json") == _digest(SOURCE / "package-lock.json"), \
        "package-lock.json changed since the bundles were built: run bpmn_server/web/vendor-src/build.sh"
    assert set(recorded) == _built(VENDOR), "files under static/vendor that build.sh did not write, or missing ones"
    changed = [name for name, digest in recorded.items() if _digest(VENDOR / name) != digest]
    assert not changed, f"changed by hand since build.sh wrote them: {changed}"
    for bundle in ("form-js-editor", "form-js-viewer", "bpmn-js-modeler", "dmn-js", "bpmn-auto-layout"):
        licence = (VENDOR / bundle / "LICENSE").read_text()
        assert licence.count("== ") >= 1 and "Permission is hereby granted" in licence, bundle


def test_a_rebuild_from_the_lockfile_gives_the_same_files(tmp_path: Path):
    if os.environ.get("BPMN_TEST_DATABASE_URL"):
        pytest.skip("the bundles do not depend on the database: the SQLite run of the suite rebuilds them")
    if not (shutil.which("node") and shutil.which("npm")):
        pytest.skip("Node.js and npm are not installed: the rebuild check needs them (the manifest is checked)")
    work = tmp_path / "vendor-src"
    shutil.copytree(SOURCE, work, ignore=shutil.ignore_patterns("node_modules", "lint-config.js"))
    out = tmp_path / "vendor"
    run = subprocess.run(["bash", str(work / "build.sh")], env={**os.environ, "VENDOR_OUT": str(out)},
                         capture_output=True, text=True, timeout=900, check=False)
    if run.returncode != 0 and any(word in run.stderr + run.stdout for word in NETWORK):
        pytest.skip(f"the npm registry cannot be reached: {run.stderr.strip().splitlines()[-1:]}")
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-4000:]
    rebuilt, committed = _manifest(out / "MANIFEST.sha256"), _manifest(MANIFEST)
    differ = sorted(name for name in set(rebuilt) | set(committed) if rebuilt.get(name) != committed.get(name))
    assert not differ, f"the committed bundles differ from a rebuild from the lockfile: {differ}"
