"""cards/po_reader.py reads Blend's catalogs exactly as babel's read_po does (cards/texts.py used
read_po; the reader saves its start-up cost)."""

from __future__ import annotations

import pytest
from babel.messages.pofile import read_po

from cards.po_reader import read_messages
from cards.texts import CATALOGS, LANGUAGES, catalog_path


def _babel(path) -> dict[str, str]:
    with path.open("rb") as po:
        return {m.id: m.string for m in read_po(po) if m.id and isinstance(m.id, str) and m.string}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_catalogs_read_as_babel_reads_them(lang):
    assert read_messages(catalog_path(lang)) == _babel(catalog_path(lang)) == CATALOGS[lang]


def test_escapes_continuations_comments_and_untranslated_entries(tmp_path):
    po = tmp_path / "x.po"
    po.write_text('# header\nmsgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
                  '#. area\nmsgid "a.b"\nmsgstr "Say \\"hi\\"\\n"\n"to {name} \\\\ é"\n\n'
                  'msgid "a.empty"\nmsgstr ""\n\n#, python-format\nmsgid "a.c"\nmsgstr "x"\n', encoding="utf-8")
    assert read_messages(po) == _babel(po) == {"a.b": 'Say "hi"\nto {name} \\ é', "a.c": "x"}
