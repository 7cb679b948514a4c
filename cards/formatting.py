"""Dates, times, numbers and lists as a reader of a language expects them (Babel's CLDR data).
Used for what Blend writes itself (invitations, agendas, files); live cards leave times to Teams'
{{DATE()}}/{{TIME()}} so each reader sees their own zone."""

from __future__ import annotations

from datetime import datetime
from typing import Iterable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_date, format_datetime, format_time
from babel.lists import format_list
from babel.numbers import format_decimal

from .texts import current_language

# The Babel locale a catalog language is formatted in: Blend's users are Flemish first.
BABEL_LOCALES = {"en": "en_GB", "nl": "nl_BE"}


def _locale(lang: str | None) -> str:
    return BABEL_LOCALES.get(lang or current_language(), BABEL_LOCALES["en"])


def zone_info(name: str | None) -> ZoneInfo:
    """An IANA zone by name; UTC for a missing or unknown one (a client may send anything)."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def moment(value: datetime, zone: str | None = None, lang: str | None = None) -> str:
    """“25 Nov 2026, 10:00” / “25 nov. 2026 10:00” in the given IANA zone."""
    return format_datetime(value, "d MMM y, HH:mm" if _locale(lang) == "en_GB" else "d MMM y HH:mm",
                           tzinfo=zone_info(zone), locale=_locale(lang))


def day(value: datetime, zone: str | None = None, lang: str | None = None) -> str:
    """“Wednesday, 25 November 2026” / “woensdag 25 november 2026”."""
    return format_date(value.astimezone(zone_info(zone)), "full", locale=_locale(lang))


def clock(value: datetime, zone: str | None = None, lang: str | None = None) -> str:
    return format_time(value, "HH:mm", tzinfo=zone_info(zone), locale=_locale(lang))


def number(value: float, lang: str | None = None, digits: int = 1) -> str:
    """1,234.5 / 1.234,5 — at most ``digits`` decimals."""
    return format_decimal(round(value, digits), format="#,##0." + "#" * digits if digits else "#,##0",
                          locale=_locale(lang))


def fixed(value: float, digits: int = 1, lang: str | None = None) -> str:
    """Always ``digits`` decimals: 4.50 / 4,50 (averages, where 4.5 and 4.50 should line up)."""
    return format_decimal(value, format="#,##0." + "0" * digits, locale=_locale(lang))


def listing(items: Iterable[str], lang: str | None = None) -> str:
    """“a, b and c” / “a, b en c”."""
    items = list(items)
    return format_list(items, locale=_locale(lang)) if items else ""
