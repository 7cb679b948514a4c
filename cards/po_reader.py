"""A reader for Blend's own .po catalogs: ``msgid``/``msgstr`` pairs with continuation lines and C
escapes, comments skipped. babel's read_po (and babel.messages' imports) took ~0.1 s of every
start-up for the two catalogs; tests/cards/test_po_reader.py checks this reads what babel reads."""

from __future__ import annotations

import ast
from pathlib import Path


def _string(line: str) -> str:
    # A .po string literal is a C string; its escapes (\", \\, \n, \t) read the same in Python.
    return ast.literal_eval(line) if "\\" in line else line[1:-1]


def read_messages(path: Path) -> dict[str, str]:
    """Message id → text for every entry with both (the header, msgid "", is left out)."""
    messages: dict[str, str] = {}
    msgid: list[str] = []
    msgstr: list[str] = []
    current: list[str] | None = None

    def flush() -> None:
        key, text = "".join(msgid), "".join(msgstr)
        if key and text:
            messages[key] = text  # a later duplicate wins, as in babel's Catalog

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line.startswith("msgid "):
            if current is msgstr:
                flush()
            msgid, msgstr = [_string(line[6:].strip())], []
            current = msgid
        elif line.startswith("msgstr "):
            msgstr = [_string(line[7:].strip())]
            current = msgstr
        elif line.startswith('"') and current is not None:
            current.append(_string(line))
        elif not line or line.startswith("#"):
            continue
        else:
            raise ValueError(f"{path}: a line this reader doesn't know: {raw!r}")
    if current is msgstr:
        flush()
    return messages
