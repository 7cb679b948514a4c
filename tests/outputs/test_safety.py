"""outputs.safety: formula text neutralised in cells, file and folder names SharePoint and Windows accept."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from io import BytesIO

import pytest
from openpyxl import Workbook, load_workbook

from outputs.safety import MAX_NAME_LENGTH, cell, file_name, folder_name

HOSTILE = [
    "=1+1", "+1", "-1", "@SUM(A1:A9)", '=HYPERLINK("http://evil.example","click")', " =cmd|' /C calc'!A0",
    "\t=1", "\r=1", "\n=1", "\u00a0@x", "\tplain", "\rplain", "   -2",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_formula_text_becomes_a_quoted_string_excel_keeps_as_text(text):
    safe = cell(text)
    assert isinstance(safe, str) and safe.startswith("'") and safe[1:] == text
    book = Workbook()
    book.active.append([safe])
    buffer = BytesIO()
    book.save(buffer)
    reopened = load_workbook(BytesIO(buffer.getvalue())).active["A1"]
    assert reopened.data_type == "s" and reopened.value == safe


@pytest.mark.parametrize("value", ["plain", "a=b", "e-mail", "", "x@y", "100%"])
def test_ordinary_text_is_left_alone(value):
    assert cell(value) == value


def test_numbers_dates_and_empty_cells_pass_through():
    moment = datetime(2026, 11, 25, 10, tzinfo=UTC)
    assert [cell(v) for v in (None, 3, -2.5, True, moment)] == [None, 3, -2.5, True, moment]


def test_characters_xml_cannot_hold_are_dropped_and_long_text_is_cut():
    assert cell("a\x00b\x07c") == "abc"
    assert len(cell("x" * 40_000)) == 32_767


@pytest.mark.parametrize("text, expected", [
    ('a"b*c:d<e>f?g/h\\i|j', "a b c d e f g h i j"),
    ("  many   spaces\tand\nlines  ", "many spaces and lines"),
    ("...dots and spaces. . ", "dots and spaces"),
    ("~$Owner lock", "Owner lock"),
    ("~$~$x", "x"),
    ("CON", "_CON"), ("con", "_con"), ("Lpt1", "_Lpt1"), ("COM9.report", "_COM9.report"), ("nul ", "_nul"),
    ("_vti_cnf", "_cnf"), ("a_vti_b", "a_b"), ("_VTI__vti_x", "__x"),
    ("desktop.ini", "_desktop.ini"), (".lock", "lock"),
    ("evil\u202excod", "evilxcod"), ("zero\u200bwidth", "zerowidth"),
])
def test_folder_names_are_sanitised(text, expected):
    assert folder_name(text) == expected


@pytest.mark.parametrize("text", ["", "   ", "...", "///", "~$", None, "\u202e", "~$ ..", "\x00\x1f"])
def test_a_name_is_never_empty(text):
    assert folder_name(text) == "Blend"
    assert file_name(text, "xlsx") == "Blend.xlsx"


def test_names_are_capped_and_keep_their_extension():
    name = file_name("Ideas " + "x" * 300 + "   ", ".XLSX")
    assert name.endswith(".xlsx") and len(name) == MAX_NAME_LENGTH + len(".xlsx")
    assert not name[:-5].endswith((" ", "."))
    capped = folder_name("a" * 99 + " .b")
    assert len(capped) <= MAX_NAME_LENGTH and not capped.endswith((" ", "."))


def test_file_names_keep_a_readable_title():
    assert file_name("03 Prioritise: what first?", "xlsx") == "03 Prioritise what first.xlsx"
    assert file_name("01 Idées & “quotes”", "docx") == "01 Idées & “quotes”.docx"
    assert file_name("desktop", "ini") == "_desktop.ini"
    assert file_name("report", "x/l\\s:x") == "report.xlsx"


@pytest.mark.parametrize("lang", ["en", "nl"])
@pytest.mark.parametrize("zone", ["Europe/Brussels", "UTC", "America/St_Johns", "Asia/Kathmandu", "Nowhere/Else"])
def test_the_quick_moments_read_exactly_as_cards_formatting_moment(lang, zone):
    from cards.formatting import moment
    from outputs.times import moments

    quick = moments(zone, lang)
    start = datetime(2025, 3, 29, 20, 7, tzinfo=UTC)  # across a daylight-saving change
    for minutes in range(0, 3 * 24 * 60, 37):
        value = start + timedelta(minutes=minutes)
        assert quick(value) == moment(value, zone, lang)
