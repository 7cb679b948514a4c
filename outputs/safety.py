"""What Blend writes into files and file names from people's text, made harmless.

Cells: a spreadsheet treats text starting with ``=``, ``+``, ``-`` or ``@`` (also after spaces, tabs or
line breaks) as a formula, which can run commands or leak data when the file is opened ("CSV/formula
injection"); such text gets a leading apostrophe and stays a string.
Names: SharePoint and OneDrive refuse some characters and names, and Windows some more (a synced
folder must work on people's PCs too)."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, time
from decimal import Decimal
from fractions import Fraction

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

FORMULA_STARTS = ("=", "+", "-", "@")
# Tab, CR and LF open a formula too in some spreadsheet programs (OWASP's list).
_LEADING_SPACE = " \t\r\n\u00a0\u3000"
MAX_CELL_LENGTH = 32_767  # Excel's limit per cell

Cell = str | int | float | Decimal | datetime | date | time | bool | None


def cell(value: object) -> Cell:
    """A value safe to put in a cell: text that could start a formula is prefixed with ``'``, characters
    XML can't hold are dropped, text is cut at Excel's cell limit. Numbers and dates stay as they are."""
    if value is None or isinstance(value, (bool, int, float, Decimal, datetime, date, time)):
        return value
    if isinstance(value, Fraction):
        return float(value)
    text = value if type(value) is str else str(value)
    if ILLEGAL_CHARACTERS_RE.search(text):
        text = ILLEGAL_CHARACTERS_RE.sub("", text)
    if text[:1] in ("\t", "\r", "\n") or text.lstrip(_LEADING_SPACE)[:1] in FORMULA_STARTS:
        text = "'" + text
    return text[:MAX_CELL_LENGTH]


# ---------------------------------------------------------------- file and folder names

_FORBIDDEN = re.compile(r'["*:<>?/\\|\x00-\x1f\x7f]')
_RESERVED = frozenset(
    ["CON", "PRN", "AUX", "NUL", "CLOCK$"]
    + [f"COM{i}" for i in range(10)] + [f"LPT{i}" for i in range(10)]
    + ["COM¹", "COM²", "COM³", "LPT¹", "LPT²", "LPT³"]
)
_RESERVED_WHOLE = frozenset([".lock", "desktop.ini", "thumbs.db", "forms"])
MAX_NAME_LENGTH = 100


def _clean(text: object) -> str:
    value = unicodedata.normalize("NFC", str(text or ""))
    # Format characters (right-to-left overrides, zero-width joiners) can disguise an extension.
    value = "".join(" " if ch.isspace() else ch for ch in value
                    if ch.isspace() or unicodedata.category(ch) not in ("Cf", "Cc", "Cs", "Co"))
    value = _FORBIDDEN.sub(" ", value)
    while "_vti_" in value.lower():  # SharePoint's own folders; refused anywhere in a name
        value = re.sub("_vti_", "_", value, flags=re.IGNORECASE)
    return " ".join(value.split())


def _trim(value: str) -> str:
    while True:
        before = value
        value = value.strip(" .")
        if value.startswith("~$"):  # Office's lock files
            value = value[2:]
        if value == before:
            return value


def _not_reserved(stem: str) -> str:
    # "CON", "con.txt", "Com1.report": Windows reserves the name whatever follows its first dot.
    if stem.split(".")[0].upper().rstrip() in _RESERVED or stem.lower() in _RESERVED_WHOLE:
        return "_" + stem
    return stem


def folder_name(text: object, fallback: str = "Blend") -> str:
    """A folder name SharePoint, OneDrive and Windows accept, at most MAX_NAME_LENGTH characters."""
    name = _trim(_trim(_clean(text))[:MAX_NAME_LENGTH])
    name = _not_reserved(name) if name else ""
    return name or fallback


def file_name(text: object, ext: str, fallback: str = "Blend") -> str:
    """``<text>.<ext>`` made safe the same way; the extension is kept (letters and digits only)."""
    suffix = re.sub(r"[^0-9A-Za-z]", "", ext).lower()
    stem = folder_name(text, fallback)
    name = f"{stem}.{suffix}" if suffix else stem
    return "_" + name if name.lower() in _RESERVED_WHOLE else name
