"""The domain must stay importable without the frameworks (a move off botbuilder stays small)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = ("botbuilder", "botframework", "msgraph", "azure", "sqlalchemy", "aiohttp", "alembic")


def test_domain_imports_no_framework():
    code = (
        "import sys, pkgutil, importlib, trajectory\n"
        "for m in pkgutil.walk_packages(trajectory.__path__, 'trajectory.'): importlib.import_module(m.name)\n"
        f"bad = sorted(n for n in sys.modules if n.split('.')[0] in {FORBIDDEN!r})\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_dialogs_cards_and_outputs_import_no_botbuilder():
    code = (
        "import sys, pkgutil, importlib, dialogs, cards, outputs\n"
        "for p in (dialogs, cards, outputs):\n"
        "    for m in pkgutil.walk_packages(p.__path__, p.__name__ + '.'): importlib.import_module(m.name)\n"
        "print(','.join(sorted(n for n in sys.modules if n.split('.')[0] in ('botbuilder', 'botframework', 'sqlalchemy', 'msgraph', 'azure'))))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
