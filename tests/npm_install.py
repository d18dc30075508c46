"""Installing a client library from the npm registry into a temporary folder with the machine's node and npm, for
the tests that drive the server with Camunda's official JavaScript clients. Skipped (with the reason) only when
node or npm is missing or the registry cannot be reached; any other install failure fails the test."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


def install(folder: Path, package: str, script: str) -> Path:
    """`folder` with `package` installed and tests/js/`script` copied next to its node_modules."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip(f"node and npm are needed to install {package}")
    (folder / "package.json").write_text('{"name": "bpmn-server-client-test", "private": true}')
    done = subprocess.run([npm, "install", "--no-audit", "--no-fund", "--silent", package], cwd=folder,
                          capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        name = package.rsplit("@", 1)[0] if package.count("@") > package.startswith("@") else package
        reachable = subprocess.run([npm, "view", name, "version"], cwd=folder, capture_output=True, text=True,
                                   timeout=120)
        if reachable.returncode != 0:
            pytest.skip(f"the npm registry cannot be reached: {reachable.stderr.strip()[-300:]}")
        pytest.fail(f"npm install {package} failed: {done.stderr[-2000:]}")
    shutil.copy(HERE / "js" / script, folder / script)
    return folder


def run(folder: Path, script: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run the script with node, with only `env` (and node's folder on PATH)."""
    path = str(Path(shutil.which("node") or "node").parent)
    return subprocess.run(["node", script], cwd=folder, env={"PATH": path, **env}, capture_output=True, text=True,
                          timeout=120)
