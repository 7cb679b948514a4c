"""The cards after filing (cards/files.py) against the Adaptive Card 1.5 schema: a link button per file
in SharePoint, the name in a TextRun for the local outbox, and a failure card per FilingFailure."""

from __future__ import annotations

import pytest

from cards.files import FiledLink, FilesView, render_filed_card, render_filing_failed_card, render_report_ready_card
from cards.texts import speaking
from tests.cardcheck import assert_valid_card
from tests.fakes import card_texts, nodes
from trajectory.files import FilingFailure

URL = "https://contoso.sharepoint.com/sites/team/Shared%20Documents/Offsite/01%20Ideas.xlsx"


def test_a_filed_step_links_its_file_and_keeps_typed_names_out_of_markdown():
    card = render_filed_card(FilesView("Off**site**", "[Ideas](http://evil.example)", (FiledLink("01 Ideas.xlsx", URL),)))
    assert_valid_card(card)
    (button,) = [n for n in nodes(card) if n.get("type") == "Action.OpenUrl"]
    assert button == {"type": "Action.OpenUrl", "title": "Open 01 Ideas.xlsx", "url": URL}
    runs = [n["text"] for n in nodes(card) if n.get("type") == "TextRun"]
    assert any("“[Ideas](http://evil.example)”" in r for r in runs)  # a TextRun: no link is made of it


def test_a_file_in_the_local_outbox_is_named_not_linked():
    card = render_report_ready_card(FilesView("Offsite", None, (FiledLink("Report Offsite.docx"),)))
    assert_valid_card(card)
    assert not [n for n in nodes(card) if n.get("type") == "Action.OpenUrl"]
    assert "The report is ready" in card_texts(card)
    assert any("Report Offsite.docx (written to Blend's local outbox" in t for t in card_texts(card))


@pytest.mark.parametrize("failure", list(FilingFailure))
@pytest.mark.parametrize("lang", ["en", "nl"])
def test_every_failure_has_a_friendly_card(failure, lang):
    with speaking(lang):
        card = render_filing_failed_card("Offsite", "01 Ideas", failure)
    assert_valid_card(card)
    texts = " ".join(card_texts(card))
    assert "01 Ideas" in texts and ("Nothing is lost" in texts if lang == "en" else "niets verloren" in texts)
