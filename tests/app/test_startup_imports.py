"""Start-up loads only what the first request needs (issue 9: healthy in < 1.5 s): the document
builders in outputs/ (openpyxl, python-docx, Pillow) load on a worker thread once the app runs (app.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LOADED_BY_THE_FIRST_FILING = {"outputs", "openpyxl", "docx", "PIL"}


def test_creating_the_app_loads_no_document_builder(tmp_path):
    code = (
        "import sys, app\n"
        "from settings import load_settings\n"
        "app.create_app(load_settings())\n"
        f"print(','.join(sorted(n for n in sys.modules if n.split('.')[0] in {sorted(LOADED_BY_THE_FIRST_FILING)!r})))\n"
    )
    env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/blend.db", "PORT": "3978",
           "BLEND_OUTBOX_DIR": str(tmp_path / "outbox")}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == ""
