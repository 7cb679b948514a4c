"""Every sentence Blend says, keyed by message id, in gettext catalogs: one .po file per language
under cards/locales/<lang>/LC_MESSAGES/blend.po (English is the source). Add a message to both.

Which language a text is in: ``translate(lang, key)`` says so explicitly (files, shared outputs);
``t(key)`` uses the language of the work at hand, set with ``speaking(lang)`` around a turn or a job,
so the card renderers stay functions of their view model."""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Iterator

from .po_reader import read_messages

LANGUAGES: tuple[str, ...] = ("en", "nl")
DEFAULT_LANGUAGE = "en"
LOCALES_DIR = Path(__file__).with_name("locales")


def catalog_path(lang: str) -> Path:
    return LOCALES_DIR / lang / "LC_MESSAGES" / "blend.po"


def load_catalog(lang: str) -> dict[str, str]:
    """Message id → text; untranslated entries are left out (they fall back to English)."""
    return read_messages(catalog_path(lang))


CATALOGS: dict[str, dict[str, str]] = {lang: load_catalog(lang) for lang in LANGUAGES}
EN = CATALOGS[DEFAULT_LANGUAGE]

_language: ContextVar[str] = ContextVar("blend_language", default=DEFAULT_LANGUAGE)


def language_of(locale: str | None) -> str:
    """The catalog for a Teams locale ("nl-BE" → "nl"); English when we don't speak it."""
    lang = (locale or "").replace("_", "-").split("-")[0].lower()
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def current_language() -> str:
    return _language.get()


@contextmanager
def speaking(lang: str) -> Iterator[str]:
    """Within this block, ``t`` answers in ``lang`` (a catalog name or a Teams locale)."""
    token = _language.set(language_of(lang))
    try:
        yield _language.get()
    finally:
        _language.reset(token)


def translate(lang: str, key: str, **params: Any) -> str:
    text = CATALOGS.get(lang, EN).get(key) or EN[key]
    return text.format(**params)


def t(key: str, **params: Any) -> str:
    return translate(_language.get(), key, **params)


def count(n: int, noun: str) -> str:
    """“1 idea”, “3 ideas”: the catalog holds each noun's singular and plural."""
    return t(f"count.{noun}.{'one' if n == 1 else 'other'}", n=n)
