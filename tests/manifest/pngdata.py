"""A minimal PNG reader for the icon tests: 8-bit RGBA, non-interlaced, any scanline filter."""

from __future__ import annotations

import struct
import zlib

SIGNATURE = b"\x89PNG\r\n\x1a\n"


def chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    assert data[:8] == SIGNATURE, "not a PNG"
    out, i = [], 8
    while i < len(data):
        (length,) = struct.unpack(">I", data[i : i + 4])
        kind, body = data[i + 4 : i + 8], data[i + 8 : i + 8 + length]
        (crc,) = struct.unpack(">I", data[i + 8 + length : i + 12 + length])
        assert zlib.crc32(kind + body) == crc, f"bad CRC in {kind!r}"
        out.append((kind, body))
        i += 12 + length
    return out


def header(data: bytes) -> dict[str, int]:
    kind, body = chunks(data)[0]
    assert kind == b"IHDR", "IHDR must come first"
    width, height, depth, colour, compression, filtering, interlace = struct.unpack(">IIBBBBB", body)
    return dict(width=width, height=height, depth=depth, colour=colour, interlace=interlace)


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else b if pb <= pc else c


def rgba_pixels(data: bytes) -> list[tuple[int, int, int, int]]:
    """Every pixel of an 8-bit RGBA PNG, row by row (undoing all five scanline filters)."""
    h = header(data)
    assert (h["depth"], h["colour"], h["interlace"]) == (8, 6, 0), "only 8-bit RGBA, non-interlaced"
    raw = zlib.decompress(b"".join(body for kind, body in chunks(data) if kind == b"IDAT"))
    stride, bpp = h["width"] * 4, 4
    pixels, previous, pos = [], bytearray(stride), 0
    for _ in range(h["height"]):
        kind, line = raw[pos], bytearray(raw[pos + 1 : pos + 1 + stride])
        pos += 1 + stride
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b, c = previous[x], previous[x - bpp] if x >= bpp else 0
            line[x] = (line[x] + (0, a, b, (a + b) // 2, _paeth(a, b, c))[kind]) & 0xFF
        pixels += [tuple(line[x : x + 4]) for x in range(0, stride, 4)]
        previous = line
    return pixels  # type: ignore[return-value]
