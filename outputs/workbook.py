"""Small openpyxl helpers the step workbooks share: write-only sheets (rows streamed, no per-cell
objects kept, so 10,000 ideas stay quick) with a bold, frozen header row, and native bar charts.
Every value goes through ``safety.cell``."""

from __future__ import annotations

import re
from copy import copy
from dataclasses import dataclass
from io import BytesIO
from typing import Iterable, Sequence

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.chart import BarChart, Reference
from openpyxl.chart.data_source import AxDataSource, StrRef
from openpyxl.styles import Alignment, Font
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from trajectory.files import XLSX, OutputFile

from .model import Chart
from .safety import cell, file_name

_BOLD = Font(bold=True)
_WRAP = Alignment(wrap_text=True, vertical="top")
MAX_SHEET_TITLE = 31  # Excel's limit


def sheet_title(text: str) -> str:
    """A sheet title Excel accepts: none of []:*?/\\, at most 31 characters."""
    return re.sub(r"[\[\]:*?/\\]", " ", text).strip(" '")[:MAX_SHEET_TITLE] or "Sheet"


@dataclass
class Sheet:
    worksheet: WriteOnlyWorksheet
    wrap: tuple[bool, ...]  # per column: long text wraps


class Book:
    """A workbook written row by row. Sheets appear in the order they are made."""

    def __init__(self) -> None:
        self._workbook = Workbook(write_only=True)
        self._titles: set[str] = set()
        self._styles: dict[tuple[int, int], StyleArray] = {}

    def sheet(self, title: str, headers: Sequence[str], widths: Sequence[float] = ()) -> Sheet:
        """A sheet with ``headers`` in bold on a frozen first row; ``widths`` per column (characters).
        Columns whose width is over 40 wrap their text."""
        name = sheet_title(title)
        while name.casefold() in self._titles:  # two titles the same after cutting: keep both sheets
            name = sheet_title(f"{name[:27]} {len(self._titles) + 1}")
        self._titles.add(name.casefold())
        sheet = self._workbook.create_sheet(name)
        for index, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = width
        sheet.freeze_panes = "A2"
        sheet.append([self._styled(sheet, header, _BOLD) for header in headers])
        return Sheet(sheet, tuple(width > 40 for width in widths))

    def _styled(self, sheet: WriteOnlyWorksheet, value: object, font: Font | None = None,
                alignment: Alignment | None = None) -> WriteOnlyCell:
        styled = WriteOnlyCell(sheet, value=cell(value))
        # Setting a style registers it with the workbook each time (slow over thousands of cells):
        # register it once and give later cells the same style ids.
        key = (id(font), id(alignment))  # the module's own constants: hashing a Font is slow
        known = self._styles.get(key)
        if known is None:
            if font is not None:
                styled.font = font
            if alignment is not None:
                styled.alignment = alignment
            self._styles[key] = styled._style
        else:
            styled._style = copy(known)
        return styled

    def rows(self, sheet: Sheet, rows: Iterable[Sequence[object]]) -> None:
        """Append rows (values made safe); long-text columns wrap."""
        worksheet, wrap = sheet.worksheet, sheet.wrap
        for row in rows:
            worksheet.append([self._styled(worksheet, value, alignment=_WRAP)
                              if index < len(wrap) and wrap[index] and isinstance(value, str) else cell(value)
                              for index, value in enumerate(row)])

    def bar_chart(self, sheet: Sheet, chart: Chart, label_column: int, value_column: int,
                  first_row: int, count: int, anchor: str, horizontal: bool = True) -> BarChart | None:
        """A native bar chart of ``count`` rows of this sheet (labels and values in the given 1-based
        columns, from ``first_row``), titled ``chart.title``; the header above the values names the series.
        First row on top. None (no chart) when there is nothing to draw."""
        if count <= 0:
            return None
        bars = BarChart()
        bars.type = "bar" if horizontal else "col"
        bars.title = chart.title
        bars.legend = None
        values = Reference(sheet.worksheet, min_col=value_column, min_row=first_row - 1, max_row=first_row + count - 1)
        labels = Reference(sheet.worksheet, min_col=label_column, min_row=first_row, max_row=first_row + count - 1)
        bars.add_data(values, titles_from_data=True)
        for series in bars.series:  # the labels are text: a string reference (set_categories makes a numeric one)
            series.cat = AxDataSource(strRef=StrRef(f=str(labels)))
        # openpyxl 3.1 marks axes deleted by default: Excel would then draw no labels.
        bars.x_axis.delete = False
        bars.y_axis.delete = False
        if horizontal:
            bars.x_axis.scaling.orientation = "maxMin"  # the best first, at the top
            bars.y_axis.crosses = "max"  # and the values' axis stays at the bottom
        bars.height = max(7.5, 0.6 * count + 3)
        bars.width = 18
        sheet.worksheet.add_chart(bars, anchor)
        return bars

    def file(self, stem: str) -> OutputFile:
        buffer = BytesIO()
        self._workbook.save(buffer)
        return OutputFile(name=file_name(stem, "xlsx"), content=buffer.getvalue(), content_type=XLSX)


def step_stem(position: int, title: str) -> str:
    """“03 Prioritise”: files sort in the trajectory's order (``position`` is 0-based)."""
    return f"{position + 1:02d} {title}"


def about(book: Book, title: str, rows: Iterable[tuple[str, object]]) -> Sheet:
    """A two-column sheet of what a file is about (trajectory, step, dates), under a bold title row."""
    sheet = book.sheet(title, [title, ""], [28, 80])
    book.rows(sheet, rows)
    return sheet
