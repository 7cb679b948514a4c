"""Every setting the code reads is documented in docs/deployment.md."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import settings

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "deployment.md"
SOURCES = ["settings.py", "app.py", "manifest/*.py", "storage/*.py", "bot/*.py", "dialogs/*.py", "cards/*.py", "trajectory/**/*.py", "graph/*.py"]
KEY = re.compile(r"^[A-Z][A-Z0-9_]*$")
ENV_NAMES = {"env", "environ"}  # receivers of .get("KEY"): settings' `env` mapping and os.environ


def _is_env(node: ast.expr) -> bool:
    name = node.attr if isinstance(node, ast.Attribute) else getattr(node, "id", None)
    return name in ENV_NAMES


def _literal(node: ast.expr | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def keys_read(source: str) -> set[str]:
    """Keys in env.get("X"), os.environ["X"], os.environ.get("X") and os.getenv("X")."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        key = None
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.args:
            func = node.func
            if (func.attr == "get" and _is_env(func.value)) or (func.attr == "getenv" and getattr(func.value, "id", "") == "os"):
                key = _literal(node.args[0])
        elif isinstance(node, ast.Subscript) and _is_env(node.value):
            key = _literal(node.slice)
        if key and KEY.match(key) and not key.startswith("BLEND_TEST_"):
            found.add(key)
    return found


def all_keys() -> set[str]:
    keys = set(settings._AUTH_OVERRIDE_KEYS)
    for pattern in SOURCES:
        for path in ROOT.glob(pattern):
            keys |= keys_read(path.read_text(encoding="utf-8"))
    return keys


def test_scanner_finds_the_usual_forms():
    code = 'import os\nenv.get("A_1", "")\nos.environ["B"]\nos.environ.get("C")\nos.getenv("D")\ndata.get("NOPE")\nos.getenv("BLEND_TEST_X")\n'
    assert keys_read(code) == {"A_1", "B", "C", "D"}


def test_every_setting_is_documented():
    keys = all_keys()
    # A sanity floor, so a scanner that silently finds nothing can't pass.
    assert {"APP_ID", "APP_PASSWORD", "DATABASE_URL", "PORT", "BLEND_PUBLIC_HOST"} <= keys
    text = DOC.read_text(encoding="utf-8")
    missing = sorted(k for k in keys if not re.search(rf"`{k}`", text))
    assert not missing, f"docs/deployment.md does not document {missing}"
