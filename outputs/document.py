"""Small python-docx helpers shared by the meeting documents and the final report: headings, label/value
tables, bullets, hyperlinks, a bar chart drawn as a picture (Pillow), and the bytes of the file.

People's text goes in as plain runs (Word renders no markup from it); control characters XML can't hold
are dropped first."""

from __future__ import annotations

import re
from functools import lru_cache
from io import BytesIO
from typing import Iterable

from docx import Document as new_document
from docx.document import Document
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, RGBColor
from docx.table import Table
from docx.text.paragraph import Paragraph
from PIL import Image, ImageDraw, ImageFont

from .model import Chart

_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
LINK_COLOR = RGBColor(0x05, 0x63, 0xC1)


def clean(text: object) -> str:
    return _ILLEGAL.sub("", str(text or ""))


def document(title: str, subtitle: str = "") -> Document:
    doc = new_document()
    doc.core_properties.title = clean(title)[:255]
    doc.core_properties.author = "Blend"
    doc.add_heading(clean(title), level=0)
    if subtitle:
        doc.add_paragraph(clean(subtitle), style="Subtitle")
    return doc


def paragraphs(doc: Document, text: str, style: str | None = None) -> None:
    """Text typed by people, a paragraph per line (empty lines dropped)."""
    for part in clean(text).splitlines():
        if part.strip():
            doc.add_paragraph(part, style=style)


def bullets(doc: Document, items: Iterable[str], level: int = 1) -> None:
    style = "List Bullet" if level <= 1 else "List Bullet 2"
    for item in items:
        doc.add_paragraph(clean(item), style=style)


def hyperlink(paragraph: Paragraph, text: str, url: str) -> None:
    """An external link: python-docx reads hyperlinks but has no call to write one, so the run is
    wrapped in a w:hyperlink that points at an external relationship."""
    rel_id = paragraph.part.relate_to(url, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), rel_id)
    run = OxmlElement("w:r")
    props = OxmlElement("w:rPr")
    style = OxmlElement("w:rStyle")
    style.set(qn("w:val"), "Hyperlink")
    color = OxmlElement("w:color")
    color.set(qn("w:val"), str(LINK_COLOR))
    underline = OxmlElement("w:u")
    underline.set(qn("w:val"), "single")
    props.extend([style, color, underline])
    run.append(props)
    body = OxmlElement("w:t")
    body.text = clean(text)
    body.set(qn("xml:space"), "preserve")
    run.append(body)
    link.append(run)
    paragraph._p.append(link)


def facts(doc: Document, rows: Iterable[tuple[str, str | tuple[str, str | None]]]) -> Table:
    """A two-column table of label → value; a value (text, url) becomes a link when url is given."""
    rows = list(rows)
    table = doc.add_table(rows=0, cols=2)
    table.style = "Light List Accent 1"  # in python-docx's default template
    for label, value in rows:
        cells = table.add_row().cells
        cells[0].width, cells[1].width = Cm(4.5), Cm(11.5)
        cells[0].paragraphs[0].add_run(clean(label)).bold = True
        if isinstance(value, tuple):
            text, url = value
            if url:
                hyperlink(cells[1].paragraphs[0], text, url)
            else:
                cells[1].paragraphs[0].add_run(clean(text))
        else:
            cells[1].paragraphs[0].add_run(clean(value))
    return table


def to_bytes(doc: Document) -> bytes:
    buffer = BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


# ---------------------------------------------------------------- a chart as a picture

_WIDTH, _ROW, _PAD, _LABEL_SHARE = 1400, 44, 24, 0.42
MAX_BARS = 12


def _fit(draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont, width: float) -> str:
    if draw.textlength(text, font=font) <= width:
        return text
    while text and draw.textlength(text + "…", font=font) > width:
        text = text[:-1]
    return text + "…"


def _number(value: float) -> str:
    return f"{value:g}" if abs(value) < 1e6 else f"{value:.3g}"


@lru_cache(maxsize=4)
def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.load_default(size=size)


def chart_png(chart: Chart, value_text=_number) -> bytes:
    """A horizontal bar chart, one bar per label (the first MAX_BARS), big enough to stay legible when
    the picture is scaled to a page's width. ``value_text`` formats the numbers (the report's locale)."""
    pairs = list(zip(chart.labels, chart.values))[:MAX_BARS]
    title_font, font = _font(30), _font(24)
    height = _PAD * 3 + 40 + max(len(pairs), 1) * _ROW
    image = Image.new("RGB", (_WIDTH, height), "white")
    draw = ImageDraw.Draw(image)
    draw.text((_PAD, _PAD), _fit(draw, clean(chart.title), title_font, _WIDTH - 2 * _PAD), fill="black",
              font=title_font)
    label_width = _WIDTH * _LABEL_SHARE
    bar_left, bar_right = _PAD + label_width + 12, _WIDTH - _PAD - 110
    top = _PAD * 2 + 40
    peak = max((v for _, v in pairs if v > 0), default=1.0)
    for i, (label, value) in enumerate(pairs):
        y = top + i * _ROW
        draw.text((_PAD, y + 8), _fit(draw, clean(label), font, label_width), fill="black", font=font)
        length = (bar_right - bar_left) * max(value, 0) / peak
        draw.rectangle((bar_left, y + 6, bar_left + max(length, 2), y + _ROW - 8), fill=(0x46, 0x4E, 0xB8))
        draw.text((bar_left + length + 10, y + 8), value_text(value), fill="black", font=font)
    buffer = BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def picture(doc: Document, png: bytes, width_cm: float = 16.0) -> None:
    doc.add_picture(BytesIO(png), width=Cm(width_cm))
