"""graph/ is the only package that imports msgraph-sdk, azure-identity or httpx, and it imports
them lazily: a Blend without Graph never pays msgraph's import time."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GATEWAY_ONLY = {"msgraph", "msgraph_core", "azure", "kiota_abstractions", "kiota_http", "httpx", "icalendar"}


def _imported(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names


def test_only_graph_imports_the_graph_sdk():
    sources = [ROOT / "app.py", ROOT / "settings.py"]
    for package in ("trajectory", "bot", "dialogs", "cards", "storage", "manifest"):
        sources += (ROOT / package).rglob("*.py")
    offenders = {str(p.relative_to(ROOT)): sorted(_imported(p) & GATEWAY_ONLY) for p in sources}
    assert {p: names for p, names in offenders.items() if names} == {}


def test_importing_the_app_and_the_gateway_loads_no_sdk():
    code = (
        "import sys, pkgutil, importlib, graph, app\n"
        "for m in pkgutil.walk_packages(graph.__path__, 'graph.'): importlib.import_module(m.name)\n"
        f"print(','.join(sorted(n for n in sys.modules if n.split('.')[0] in {sorted(GATEWAY_ONLY)!r})))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
