"""The Dockerfile, checked by reading it (no Docker engine in CI): a sound, minimal runtime image."""

from __future__ import annotations

import json
import shlex
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with comments dropped and continuation lines joined."""
    out, pending = [], ""
    for line in (ROOT / "Dockerfile").read_text(encoding="utf-8").splitlines():
        if line.lstrip().startswith("#") or not line.strip():
            continue
        pending += line.strip()
        if pending.endswith("\\"):
            pending = pending[:-1] + " "
            continue
        keyword, _, args = pending.partition(" ")
        out.append((keyword.upper(), args.strip()))
        pending = ""
    assert not pending, "Dockerfile ends inside a continued line"
    return out


@pytest.fixture(scope="module")
def steps():
    return instructions()


def _all(steps, keyword):
    return [args for k, args in steps if k == keyword]


def test_base_image(steps):
    assert steps[0] == ("FROM", "python:3.11-slim")
    assert len(_all(steps, "FROM")) == 1


def test_runs_as_a_non_root_user(steps):
    users = _all(steps, "USER")
    assert users, "no USER: the bot would run as root"
    assert users[-1].split(":")[0] not in ("root", "0")
    last_user = max(i for i, (k, _) in enumerate(steps) if k == "USER")
    assert last_user < next(i for i, (k, _) in enumerate(steps) if k == "CMD")


def test_installs_with_the_pinned_constraints(steps):
    installs = [run for run in _all(steps, "RUN") if "pip install" in run]
    assert len(installs) == 1 and "-c constraints.txt ." in installs[0]
    assert any("constraints.txt" in copy.split() for copy in _all(steps, "COPY"))


def test_healthcheck_calls_healthz_without_curl(steps):
    (check,) = _all(steps, "HEALTHCHECK")
    assert "/healthz" in check and "urllib.request" in check and "curl" not in check
    assert check.split(" CMD ", 1)[1].startswith("python ")


def test_cmd_runs_the_app(steps):
    assert [json.loads(cmd) for cmd in _all(steps, "CMD")] == [["python", "app.py"]]


def test_copies_every_installed_module_and_nothing_missing(steps):
    copied = {Path(src).name for copy in _all(steps, "COPY") for src in shlex.split(copy)[:-1]}
    for src in copied:
        assert (ROOT / src).exists(), f"COPY of {src}, which is not in the repository"
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    wanted = {f"{m}.py" for m in setuptools["py-modules"]}
    wanted |= {p.rstrip("*") for p in setuptools["packages"]["find"]["include"]}
    assert wanted <= copied, f"pyproject.toml installs {sorted(wanted - copied)} but the image lacks them"


def test_dockerignore_keeps_secrets_and_local_state_out(steps):
    ignored = {line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines() if not line.startswith("#")}
    assert {".env", ".git", ".venv", "node_modules", "data"} <= ignored
    copied = {src for copy in _all(steps, "COPY") for src in shlex.split(copy)[:-1]}
    assert not copied & ignored, "the Dockerfile copies a path .dockerignore leaves out of the context"
