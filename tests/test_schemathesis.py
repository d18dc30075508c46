"""Schemathesis (a property-based API tester from the registry) against a running `bpmn-server serve` with the
example processes and some instances, every check on every operation of /api/openapi.json. What the run is told
about the server, and why, is in tests/schemathesis/ (schemathesis.toml and hooks.py); nothing is excluded.

A failure prints Schemathesis's report: each failing case with a curl line that reproduces it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

HERE = Path(__file__).parent / "schemathesis"
CLI = Path(sys.executable).parent / "schemathesis"


@pytest.mark.e2e
@pytest.mark.timeout(900)
@pytest.mark.skipif(not CLI.exists() and not shutil.which("schemathesis"), reason="schemathesis is not installed")
def test_schemathesis_finds_no_failure(server_process, tmp_path):
    # The fuzzer sends thousands of bad tokens from one address on purpose (its auth checks); the throttle that
    # would answer them with 429 is tested in tests/test_faults_*.py.
    server = server_process(env={"BPMN_SERVER_AUTH_FAILURES_PER_MINUTE": "1000000"}).wait_ready()
    for diagram in [*sorted((ROOT / "processes").glob("*.form")), *sorted((ROOT / "processes").glob("*.dmn")),
                    *sorted((ROOT / "processes").glob("*.bpmn"))]:  # Camunda Forms first: diagrams link them
        server.deploy(diagram)
    server.post("/api/process-instances", {"process": "expense_approval", "variables": {"amount": 120}},
                expect=201)
    token = server.user("schemathesis", "admin")
    env = {**os.environ, "ST_TOKEN": token, "ST_USER": "schemathesis", "PYTHONPATH": str(ROOT)}
    cmd = [str(CLI) if CLI.exists() else "schemathesis", "--no-color", "--config-file",
           str(HERE / "schemathesis.toml"), "run", f"{server.url}/api/openapi.json", "--checks", "all"]
    run = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True, timeout=900)
    summary = run.stdout[run.stdout.rfind("SUMMARY"):] if "SUMMARY" in run.stdout else run.stdout[-3000:]
    print(summary)
    tail = summary.split("Test cases:")[-1]
    assert "Failures:" not in summary and "failure" not in tail, run.stdout[-20000:] + run.stderr[-3000:]
    # A non-zero exit with no failure at all comes from an error. Only Schemathesis's own crash while it builds
    # cases (a "Runtime Error", e.g. CPython's "AST constructor recursion depth mismatch" inside Hypothesis) is
    # the tool's, not the server's: every other error (a network error, a timeout) fails the test.
    errors = summary.split("Errors:")[1].split("Warnings:")[0] if "Errors:" in summary else ""
    only_tool_crash = "SystemError" in run.stdout and all("Runtime Error" in line
                                                          for line in errors.strip().splitlines())
    assert run.returncode == 0 or (errors and only_tool_crash), run.stdout[-20000:] + run.stderr[-3000:]
    assert " passed" in tail
