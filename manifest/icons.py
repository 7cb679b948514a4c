"""Draw Blend's two Teams icons with the standard library only: ``python -m manifest.icons``.

The motif is two overlapping circles, two ideas blending into one. Teams wants a 192x192
full-colour icon and a 32x32 outline icon that is white on a transparent background.
The output is deterministic, so the committed PNGs can be checked against this script.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path
from typing import Callable

HERE = Path(__file__).parent
ACCENT = (0x4F, 0x52, 0xB2)  # also the manifest's accentColor
LIGHT = (0x9C, 0x9F, 0xE8)  # a lighter tint of the accent for the second circle
WHITE = (0xFF, 0xFF, 0xFF)
SAMPLES = 4  # 4x4 supersampling per pixel: smooth edges without a graphics library

Pixel = tuple[int, int, int, int]
Coverage = Callable[[float, float], float]  # (x, y) in pixels -> covered fraction 0..1


def png(width: int, height: int, pixels: list[list[Pixel]]) -> bytes:
    """An 8-bit RGBA PNG (colour type 6), one unfiltered scanline per row."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + bytes(v for px in row for v in px) for row in pixels)
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def _coverage(shape: Callable[[float, float], bool], x: int, y: int) -> float:
    step = 1 / SAMPLES
    hits = sum(
        shape(x + (i + 0.5) * step, y + (j + 0.5) * step) for i in range(SAMPLES) for j in range(SAMPLES)
    )
    return hits / (SAMPLES * SAMPLES)


def _disc(cx: float, cy: float, r: float) -> Callable[[float, float], bool]:
    return lambda x, y: (x - cx) ** 2 + (y - cy) ** 2 <= r * r


def _ring(cx: float, cy: float, r: float, width: float) -> Callable[[float, float], bool]:
    inner = r - width
    return lambda x, y: inner * inner <= (x - cx) ** 2 + (y - cy) ** 2 <= r * r


def _multiply(base: tuple[float, float, float], colour: tuple[int, int, int], amount: float) -> tuple[float, float, float]:
    # Multiply blending, like two inks on paper: where the circles overlap they get darker.
    return tuple(b * (1 - amount + amount * c / 255) for b, c in zip(base, colour))  # type: ignore[return-value]


def color_icon(size: int = 192) -> bytes:
    """Two circles on white, the accent and a lighter tint; their overlap is the deeper blend."""
    r = size * 0.27
    left, right = _disc(size * 0.37, size / 2, r), _disc(size * 0.63, size / 2, r)
    rows = []
    for y in range(size):
        row = []
        for x in range(size):
            rgb: tuple[float, float, float] = WHITE
            rgb = _multiply(rgb, ACCENT, _coverage(left, x, y))
            rgb = _multiply(rgb, LIGHT, _coverage(right, x, y))
            row.append((*(round(c) for c in rgb), 255))
        rows.append(row)
    return png(size, size, rows)  # type: ignore[arg-type]


def outline_icon(size: int = 32) -> bytes:
    """The same motif as two white rings with their overlap filled; only alpha varies (anti-aliasing)."""
    r, width = size * 0.28, size / 16
    (lx, rx), cy = (size * 0.36, size * 0.64), size / 2
    left, right = _disc(lx, cy, r), _disc(rx, cy, r)
    shapes = (_ring(lx, cy, r, width), _ring(rx, cy, r, width), lambda x, y: left(x, y) and right(x, y))
    rows = []
    for y in range(size):
        row = []
        for x in range(size):
            covered = _coverage(lambda px, py: any(shape(px, py) for shape in shapes), x, y)
            row.append((*WHITE, round(255 * covered)))
        rows.append(row)
    return png(size, size, rows)


ICONS = {"color.png": color_icon, "outline.png": outline_icon}


def main() -> None:
    for name, draw in ICONS.items():
        (HERE / name).write_bytes(draw())
        print(f"wrote {HERE / name}")


if __name__ == "__main__":
    main()
