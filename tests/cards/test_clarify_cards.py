"""Cards with everyone's ideas and their clarifications, the author's private question card and the
merge form: valid Adaptive Cards 1.5 in every state, under Teams' size limit however much is typed."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from cards import verbs
from cards.clarify import MergeFormView, QuestionCardView, render_merge_form, render_question_card
from cards.idea_list import MAX_CLARIFICATIONS_SHOWN, ClarificationView, IdeaListView, ListedIdea, MergedView
from cards.ideas import IdeasCardView, IdeaView, SummaryView, render_ideas_card, render_ideas_summary
from tests.cardcheck import MAX_CARD_BYTES, assert_valid_card
from tests.fakes import card_texts, find_actions

HOSTILE = "**bold** [link](https://evil.example) <at>Everyone</at> \u202e"
WIDE = "\u60f3"  # a CJK character: six bytes once JSON-escaped, the worst case for the budget


def clar(n: int, kind="question", asker: str | None = "Carol Coder", answer: str | None = None, text=None,
         **kw) -> ClarificationView:
    return ClarificationView(id=n, version=1, kind=kind, text=text or f"question {n}", asker_name=asker,
                             answer=answer, answerer_name="Bob Builder", **kw)


def idea(n: int, text=None, clarifications=(), merged=(), yours=False) -> ListedIdea:
    return ListedIdea(id=100 + n, version=2, number=n, text=text or f"idea {n} {HOSTILE}", author_name="Bob Builder",
                      merged=tuple(merged), clarifications=tuple(clarifications), yours=yours)


def listing(ideas, **kw) -> IdeaListView:
    return IdeaListView(step_id=4, ideas=list(ideas), **kw)


def live(listing_view=None, **kw):
    base = dict(step_id=4, trajectory_title="Offsite", question="What should we improve?", step_title="Ideas",
                prompt="One idea per entry.", idea_count=3, contributor_count=2, max_per_person=5, is_open=True,
                deadline=datetime(2026, 12, 1, 16, tzinfo=timezone.utc), refresh_user_ids=["29:a", "29:b"],
                listing=listing_view)
    return render_ideas_card(IdeasCardView(**{**base, **kw}))


def summary(listing_view, **kw):
    return render_ideas_summary(SummaryView(4, "Ideas", "Offsite", listing_view, refresh_user_ids=["29:a"], **kw))


def question(**kw):
    base = dict(clarification_id=9, version=1, trajectory_title="Offsite", step_title="Ideas",
                idea_text=HOSTILE, kind="question", text="What do you mean by **that**?", asker_name=None)
    return render_question_card(QuestionCardView(**{**base, **kw}))


SOME = [
    idea(1, clarifications=[clar(1, asker=None), clar(2, "comment", answer="Thanks! " + HOSTILE)]),
    idea(2, merged=[MergedView(7, 3, "a duplicate " + HOSTILE, "Dave Devops")]),
    idea(3, yours=True, clarifications=[clar(3, can_answer=True), clar(4, "comment", can_answer=True, yours=False)]),
]

SHARED = [idea(i.number, clarifications=[clar(c.id, c.kind, c.asker_name, c.answer) for c in i.clarifications],
              merged=i.merged) for i in SOME]  # as nobody in particular sees them

CARDS = {
    "live shared with everyone's ideas": lambda: live(listing(SHARED)),
    "live shared, no ideas yet": lambda: live(listing([]), idea_count=0, contributor_count=0),
    "live personal of an author": lambda: live(listing(SOME), mine=[IdeaView(103, "idea 3", 2)], notice="Sent."),
    "live personal of a facilitator": lambda: live(listing(SOME, can_merge=True), mine=[]),
    "live browsing a page": lambda: live(listing(SOME, start=1), mine=[], browsing=True),
    "live closed": lambda: live(listing(SOME), is_open=False),
    "summary shared": lambda: summary(listing(SOME, page_data={"summary": True})),
    "summary personal of a facilitator": lambda: summary(listing(SOME, can_merge=True), personal=True,
                                                         notice="The ideas were merged."),
    "summary of a cancelled step": lambda: summary(listing(SOME, can_ask=False)),
    "summary empty": lambda: summary(listing([])),
    "question card": lambda: question(),
    "question card named asker, error": lambda: question(asker_name="Carol Coder", notice="too long",
                                                         notice_is_error=True),
    "question card answered": lambda: question(answer="I mean " + HOSTILE, version=2, notice="Thank you!"),
    "question card closed": lambda: question(can_answer=False),
    "comment card": lambda: question(kind="comment"),
    "merge form": lambda: render_merge_form(MergeFormView(4, SOME[0], SOME)),
    "merge form from the summary, nothing to merge into": lambda: render_merge_form(
        MergeFormView(4, SOME[0], SOME[:1], summary=True)),
}


@pytest.mark.parametrize("name", sorted(CARDS))
def test_card_is_valid(name):
    assert_valid_card(CARDS[name]())


def _text_blocks(node):
    if isinstance(node, dict):
        if node.get("type") == "TextBlock":
            yield node["text"]
        for value in node.values():
            yield from _text_blocks(value)
    elif isinstance(node, list):
        for item in node:
            yield from _text_blocks(item)


@pytest.mark.parametrize("name", sorted(CARDS))
def test_peoples_words_never_reach_markdown(name):
    assert not any("evil.example" in text or "that**" in text for text in _text_blocks(CARDS[name]()))


def test_the_list_shows_each_idea_with_its_clarifications_and_actions():
    card = CARDS["live shared with everyone's ideas"]()
    texts = card_texts(card)
    assert "Question from Anonymous: " in texts and "Comment from Carol Coder: " in texts
    assert "\u21b3 Bob Builder replied: " in texts and "Waiting for Bob Builder's answer" in texts
    assert any(t.startswith("a duplicate") for t in texts) and "Merged with: " in texts
    # Everyone may ask about every idea (the shared card has no viewer); nobody answers or merges here.
    assert [a["data"] for a in find_actions(card, verbs.IDEAS_CLARIFY)] == [{"idea_id": 101}, {"idea_id": 102},
                                                                            {"idea_id": 103}]
    assert not find_actions(card, verbs.IDEAS_ANSWER) and not find_actions(card, verbs.IDEAS_MERGE_CHOOSE)
    form = json.dumps(card)
    assert '"clarify_text_101"' in form and '"clarify_kind_101"' in form and '"clarify_anon_101"' in form


def test_an_author_answers_on_their_view_and_does_not_ask_themselves():
    card = CARDS["live personal of an author"]()
    assert [a["data"] for a in find_actions(card, verbs.IDEAS_ANSWER)] == [
        {"clarification_id": 3, "version": 1}, {"clarification_id": 4, "version": 1}]
    assert {"idea_id": 103} not in [a["data"] for a in find_actions(card, verbs.IDEAS_CLARIFY)]
    # The main idea input is not required: Teams would validate it for every nested form too.
    main = next(b for b in card["body"] if b.get("id") == verbs.IDEA_TEXT)
    assert "isRequired" not in main


def test_facilitators_get_merge_and_undo_buttons():
    card = CARDS["live personal of a facilitator"]()
    assert [a["data"] for a in find_actions(card, verbs.IDEAS_MERGE_CHOOSE)] == [
        {"idea_id": i, "version": 2} for i in (101, 102, 103)]
    assert [a["data"] for a in find_actions(card, verbs.IDEAS_UNMERGE)] == [{"idea_id": 7, "version": 3}]
    form = CARDS["merge form"]()
    choices = next(b for b in form["body"] if b.get("id") == verbs.MERGE_TARGET)["choices"]
    assert [c["value"] for c in choices] == ["102", "103"]  # not into itself
    assert [a["data"] for a in find_actions(form, verbs.IDEAS_MERGE)] == [{"idea_id": 101, "version": 2}]


def test_the_private_card_names_nobody_when_anonymous():
    card = CARDS["question card"]()
    texts = card_texts(card)
    assert "Question from Anonymous" in texts and "Carol" not in json.dumps(card)
    assert [a["data"] for a in find_actions(card, verbs.IDEAS_ANSWER)] == [
        {"clarification_id": 9, "version": 1, "view": "private"}]
    assert not find_actions(CARDS["question card closed"](), verbs.IDEAS_ANSWER)


# ---------------------------------------------------------------- size budget


def worst_idea(n: int, yours=False, can_answer=False) -> ListedIdea:
    """Everything at its maximum length, in characters that cost six bytes each."""
    clarifications = [clar(n * 100 + k, "question" if k % 2 else "comment", asker=None if k % 3 else "N" * 80,
                           answer=None if k % 4 == 0 else WIDE * 1000, text=WIDE * 500, can_answer=can_answer)
                      for k in range(20)]
    merged = [MergedView(n * 100 + k, 1, WIDE * 500, "M" * 80) for k in range(8)]
    return ListedIdea(id=n, version=1, number=n, text=WIDE * 500, author_name="A" * 80, merged=tuple(merged),
                      clarifications=tuple(clarifications), yours=yours)


WORST = [worst_idea(n, yours=n % 7 == 0, can_answer=n % 7 == 0) for n in range(1, 61)]
# A member's own ideas are listed in full with an edit form each, outside the budget of the list: ten
# of 500 characters take ~17 KB in ASCII (ten of 500 wide characters would not fit any card).
MINE_FULL = [IdeaView(n, "m" * 500, 1) for n in range(10)]


def _size(card) -> int:
    return len(json.dumps(card).encode())


@pytest.mark.parametrize("view", ["shared", "personal full", "facilitator", "browsing", "summary", "summary personal"])
def test_many_long_ideas_and_clarifications_stay_under_the_limit(view):
    merging = view in ("facilitator", "summary personal")
    lst = listing(WORST, can_merge=merging)
    card = {
        "shared": lambda: live(lst),
        "personal full": lambda: live(lst, mine=MINE_FULL, max_per_person=10),
        "facilitator": lambda: live(lst, mine=[]),
        "browsing": lambda: live(listing(WORST, start=30), mine=[], browsing=True),
        "summary": lambda: summary(lst),
        "summary personal": lambda: summary(lst, personal=True),
    }[view]()
    assert _size(card) <= MAX_CARD_BYTES
    assert_valid_card(card)
    more = [a for a in find_actions(card, verbs.IDEAS_REFRESH) if "start" in a["data"]]
    assert more, "the ideas that don't fit are a click away"


def test_a_page_of_its_own_always_shows_an_idea_and_the_newest_clarifications():
    card = summary(listing(WORST))
    texts = card_texts(card)
    assert "1." in texts
    assert any(t.endswith("earlier questions and comments not shown here.") for t in texts)
    answers = [a for a in find_actions(card, verbs.IDEAS_ANSWER)]
    assert len(answers) <= MAX_CLARIFICATIONS_SHOWN


def test_paging_through_the_summary_shows_every_idea_once():
    ideas = [idea(n, text=f"idea {n} " + "z" * (n * 37 % 500),
                  clarifications=[clar(n * 10 + k, answer="a" * 300) for k in range(n % 4)]) for n in range(1, 151)]
    seen: list[str] = []
    start, pages = 0, 0
    while True:
        card = summary(listing(ideas, start=start, page_data={"summary": True}))
        assert_valid_card(card)
        pages += 1
        seen += [t for t in card_texts(card) if t.endswith(".") and t[:-1].isdigit()]
        more = [a["data"]["start"] for a in find_actions(card, verbs.IDEAS_REFRESH)
                if a["data"].get("start", 0) > start]
        if not more:
            break
        assert more == [len(seen)]  # the next page starts right after the last idea shown
        start = more[0]
    assert seen == [f"{n}." for n in range(1, 151)]
    assert pages > 1


def test_a_personal_view_full_of_own_ideas_still_offers_everyones_ideas():
    card = live(listing(WORST), mine=MINE_FULL, max_per_person=10)
    assert _size(card) <= MAX_CARD_BYTES
    assert find_actions(card, verbs.IDEAS_EDIT)  # the member's own ideas come first
    assert any("start" in a["data"] for a in find_actions(card, verbs.IDEAS_REFRESH))


ESCAPED_TEXTS = ['"quoted" \\ back\\slash', "ctl \x00\x01\x1f\x7f\t\n\r", "emoji \U0001F600\U0001F44D\u200d",
                 "na\u00efve caf\u00e9 \u60f3", "</script>&<>'", "\u2028\u2029"]


@pytest.mark.parametrize("budget", [3_000, 9_000, 26_000])
def test_a_page_of_hostile_texts_stays_within_its_budget_as_serialised(budget):
    """The list sizes each entry as json.dumps writes it (escapes: quotes, backslashes, control
    characters, emoji as surrogate pairs, non-ASCII as \\uXXXX), so what is sent fits."""
    from cards.idea_list import render_idea_list
    ideas = [idea(n, text=ESCAPED_TEXTS[n % len(ESCAPED_TEXTS)] * (n % 40 + 1),
                  clarifications=[clar(n * 10 + k, text=ESCAPED_TEXTS[k % len(ESCAPED_TEXTS)] * 30,
                                       answer=ESCAPED_TEXTS[(k + 1) % len(ESCAPED_TEXTS)] * 20) for k in range(n % 4)])
             for n in range(1, 80)]
    from cards.texts import speaking
    for language in ("en", "nl", "en"):  # entry sizes are remembered (per language): cold, then warm
        with speaking(language):
            blocks = render_idea_list(listing(ideas), budget, must_show_one=False)
        sent = json.dumps(blocks)
        assert len(sent.encode()) == len(sent) <= budget  # ASCII: bytes are characters
        shown = sum(1 for block in blocks if block["type"] == "Container")
        assert shown >= (1 if budget < 26_000 else 5)



def test_a_remembered_entry_size_is_always_the_entrys_own():
    from cards.idea_list import _fitting_entry
    from cards.texts import speaking
    edited = [idea(1, text="short"), idea(1, text="a longer text now"), idea(1, text="short", yours=True),
              idea(1, text="short", clarifications=[clar(5)]), idea(1, text="short", merged=[MergedView(7, 1, "m", "M")])]
    for language in ("en", "nl", "en"):
        with speaking(language):
            for listed in edited:
                for can_ask, can_merge, first in [(True, False, True), (True, True, False), (False, False, False)]:
                    view = listing([listed], can_ask=can_ask, can_merge=can_merge)
                    fitting = _fitting_entry(view, listed, 10**6, first=first, must=True)
                    assert fitting is not None and fitting[1] == len(json.dumps(fitting[0]))


@pytest.mark.parametrize("can_ask, own", [(True, 0), (True, 10), (False, 0)])
@pytest.mark.parametrize("language", ["en", "nl"])
def test_a_live_page_read_no_further_than_it_can_show_shows_the_same(can_ask, own, language):
    """The live card reads at most live_page_size ideas; the smallest ideas possible (one character,
    no author name) show no fewer that way than from everything."""
    from cards.ideas import live_page_size
    from cards.texts import speaking
    tiny = [ListedIdea(id=n, version=0, number=n + 1, text="x", author_name="", yours=n < own) for n in range(150)]
    with speaking(language):
        limit = live_page_size(can_ask, own)
        full = live(IdeaListView(step_id=4, ideas=tiny, can_ask=can_ask, total=150), mine=[])
        read = live(IdeaListView(step_id=4, ideas=tiny[:limit], can_ask=can_ask, total=150), mine=[])
    assert read == full and limit < 100
