"""Blend's icons meet Teams' rules and are exactly what manifest/icons.py draws."""

from __future__ import annotations

import pytest

from manifest import icons
from manifest.package import HERE, ICONS

from .pngdata import header, rgba_pixels

SIZES = {"color.png": 192, "outline.png": 32}


@pytest.mark.parametrize("name", ICONS)
def test_icon_size(name):
    h = header((HERE / name).read_bytes())
    assert (h["width"], h["height"]) == (SIZES[name], SIZES[name])


def test_outline_is_white_on_transparent():
    pixels = rgba_pixels((HERE / "outline.png").read_bytes())
    assert len(pixels) == 32 * 32
    not_allowed = [p for p in pixels if p[3] != 0 and p[:3] != (255, 255, 255)]
    assert not not_allowed, f"outline pixels must be white or fully transparent: {not_allowed[:5]}"
    assert any(p[3] == 0 for p in pixels) and any(p[3] == 255 for p in pixels)


def test_color_icon_uses_the_accent_colour():
    pixels = rgba_pixels((HERE / "color.png").read_bytes())
    assert all(p[3] == 255 for p in pixels)  # a full-colour icon has no see-through holes
    assert (*icons.ACCENT, 255) in pixels


@pytest.mark.parametrize("name", ICONS)
def test_committed_icons_match_the_generator(name):
    # Regenerate with `python -m manifest.icons` after changing the drawing.
    assert (HERE / name).read_bytes() == icons.ICONS[name]()
