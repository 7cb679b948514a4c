"""Every vote card against the Adaptive Card 1.5 schema and Teams' size, in all its states."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from cards import verbs
from cards.setup import SetupView, StepFormView, render_setup_card
from cards.vote import (
    CARD_BUDGET, MAX_CHART_BARS, MAX_LIVE_ROWS, OptionView, VoteCardView, render_vote_card, render_vote_results,
    results_view, setup_fields, size,
)
from tests.cardcheck import assert_valid_card
from tests.fakes import card_texts, find_actions, nodes
from trajectory.kinds.vote import MAX_OPTIONS, MAX_TOP_K, Ballot, Method, Rules, VoteOption, normalise_settings
from trajectory.kinds.vote_tally import tally
from trajectory.model import Person

DEADLINE = datetime(2026, 12, 1, 16, 0, tzinfo=timezone.utc)
HOSTILE = "**bold** [link](https://evil.example) <at>Everyone</at> \u202e"
LABELS = ["Walking meetings", HOSTILE, "Quiet Fridays", "Better coffee"]


def options(labels=LABELS) -> list[VoteOption]:
    return [VoteOption(step_id=4, position=i, label=label, id=100 + i) for i, label in enumerate(labels)]


def results(method: Method, cast: list[dict[int, int]], labels=LABELS, names=None, members=6):
    opts = options(labels)
    rules = Rules(method=method, dots=5, top_k=3, option_ids=frozenset(o.id for o in opts))
    ballots = [Ballot(step_id=4, voter=Person(f"aad-{n}", f"Voter {n}"), choices=c, updated_at=DEADLINE, version=1)
               for n, c in enumerate(cast)]
    return results_view(tally(rules, opts, ballots), members, names)


CAST = {  # two options tie for the 2nd place in every method
    Method.DOTS: [{100: 3, 101: 2}, {102: 2, 100: 1, 103: 2}],
    Method.RANK: [{100: 1, 101: 2, 102: 3}, {100: 1, 102: 2, 101: 3}],
    Method.SCORE: [{100: 5, 101: 3}, {100: 4, 102: 3}],
    Method.APPROVAL: [{100: 1, 101: 1}, {100: 1, 102: 1}, {100: 1}],
}


def view(method: Method = Method.DOTS, **overrides) -> VoteCardView:
    base = dict(step_id=4, trajectory_title="Offsite", question="What should we improve?", step_title="Prioritise",
                prompt="Vote for what matters.", method=method.value, dots=5, cap=None, top_k=3, anonymous=True,
                options=[OptionView(100 + i, i + 1, label) for i, label in enumerate(LABELS)], offered=4,
                voters=2, members=6, is_open=True, deadline=DEADLINE, refresh_user_ids=["29:a", "29:b"])
    return VoteCardView(**{**base, **overrides})


MINE = {Method.DOTS: {100: 3, 102: 2}, Method.RANK: {102: 1, 100: 2}, Method.SCORE: {100: 5, 103: 1},
        Method.APPROVAL: {101: 1}}

CARDS = {}
for _m in Method:
    CARDS[f"{_m} shared hidden"] = lambda m=_m: render_vote_card(view(m))
    CARDS[f"{_m} shared revealed"] = lambda m=_m: render_vote_card(view(m, hidden=False, results=results(m, CAST[m])))
    CARDS[f"{_m} personal first ballot"] = lambda m=_m: render_vote_card(view(m, personal=True, can_reveal=True))
    CARDS[f"{_m} personal voted"] = lambda m=_m: render_vote_card(view(
        m, personal=True, mine=MINE[m], version=2, notice="Your ballot was saved."))
    CARDS[f"{_m} personal revealed"] = lambda m=_m: render_vote_card(view(
        m, personal=True, mine=MINE[m], version=2, hidden=False, results=results(m, CAST[m])))
    CARDS[f"{_m} results"] = lambda m=_m: render_vote_results("Prioritise", "Offsite", results(m, CAST[m]))
CARDS.update({
    "dots with a cap": lambda: render_vote_card(view(cap=2, personal=True)),
    "rank top one": lambda: render_vote_card(view(Method.RANK, top_k=1, personal=True)),
    "refused": lambda: render_vote_card(view(personal=True, notice="you gave 7 dots but have 5.",
                                             notice_is_error=True)),
    "not anonymous revealed": lambda: render_vote_card(view(anonymous=False, hidden=False, results=results(
        Method.DOTS, CAST[Method.DOTS], names=["Bob", "Carol"]))),
    "closed": lambda: render_vote_card(view(is_open=False)),
    "closed personal": lambda: render_vote_card(view(is_open=False, personal=True, mine={100: 1})),
    "no options, no ideas": lambda: render_vote_card(view(options=[], offered=0, voters=0, empty_reason="no_ideas")),
    "no options, closed": lambda: render_vote_card(view(options=[], offered=0, is_open=False, empty_reason="no_source")),
    "truncated": lambda: render_vote_card(view(offered=45)),
    "big team": lambda: render_vote_card(view(refresh_user_ids=[f"29:{n}" for n in range(300)])),
    "no votes yet": lambda: render_vote_card(view(voters=0)),
    "results without votes": lambda: render_vote_results("Prioritise", "Offsite", results(Method.DOTS, [])),
    "results named": lambda: render_vote_results("Prioritise", "Offsite", results(
        Method.APPROVAL, CAST[Method.APPROVAL], names=["Bob", HOSTILE])),
})


@pytest.mark.parametrize("name", sorted(CARDS))
def test_card_is_valid(name):
    assert_valid_card(CARDS[name]())


def _text_blocks(card) -> str:
    return json.dumps([n for n in nodes(card) if n.get("type") == "TextBlock"])


@pytest.mark.parametrize("name", sorted(CARDS))
def test_people_text_never_reaches_markdown(name):
    assert "evil.example" not in _text_blocks(CARDS[name]())


@pytest.mark.parametrize("method", list(Method))
def test_hidden_results_are_not_on_the_card(method):
    hidden = render_vote_card(view(method, personal=True, mine=MINE[method], version=1))
    assert not any(n.get("type", "").startswith("Chart.") for n in nodes(hidden))
    texts = card_texts(hidden)
    assert "Votes are anonymous. Results are hidden until the vote closes." in texts
    assert "Results so far" not in texts and not any("members voted." in t for t in texts)


@pytest.mark.parametrize("method", list(Method))
def test_the_ballot_is_prefilled_and_submits_its_version(method):
    card = render_vote_card(view(method, personal=True, mine=MINE[method], version=2))
    (submit,) = find_actions(card, verbs.VOTE_SUBMIT)
    assert submit["data"] == {"step_id": 4, "version": 2} and submit["title"] == "Update my ballot"
    inputs = {n["id"]: n.get("value") for n in nodes(card) if n.get("type", "").startswith("Input.")}
    if method is Method.RANK:
        assert inputs == {"vote_place_1": "102", "vote_place_2": "100", "vote_place_3": ""}
    elif method is Method.DOTS:
        assert inputs == {"vote_opt_100": 3, "vote_opt_101": 0, "vote_opt_102": 2, "vote_opt_103": 0}
    elif method is Method.SCORE:
        assert inputs == {"vote_opt_100": 5, "vote_opt_101": None, "vote_opt_102": None, "vote_opt_103": 1}
    else:
        assert inputs == {"vote_opt_100": "false", "vote_opt_101": "true", "vote_opt_102": "false",
                          "vote_opt_103": "false"}
    assert "You voted. You can change your ballot until the vote closes." in card_texts(card)
    first = render_vote_card(view(method, personal=True))
    assert find_actions(first, verbs.VOTE_SUBMIT)[0]["data"] == {"step_id": 4, "version": 0}
    assert "You haven't voted yet." in card_texts(first)


def test_only_a_facilitator_view_offers_the_reveal_and_the_shared_card_offers_the_ballot():
    assert find_actions(render_vote_card(view(personal=True, can_reveal=True)), verbs.VOTE_REVEAL)
    assert not find_actions(render_vote_card(view(personal=True)), verbs.VOTE_REVEAL)
    shared = render_vote_card(view())
    assert not find_actions(shared, verbs.VOTE_SUBMIT)
    assert find_actions(shared, verbs.VOTE_REFRESH)[0]["data"] == {"step_id": 4}
    assert shared["refresh"]["action"]["verb"] == verbs.VOTE_REFRESH
    assert CARDS["big team"]()["refresh"]["userIds"] == []


@pytest.mark.parametrize("method, expected", [
    (Method.DOTS, [("1", "Walking meetings", "4 dots", False), ("2", HOSTILE, "2 dots", True),
                   ("2", "Quiet Fridays", "2 dots", True), ("2", "Better coffee", "2 dots", True)]),
    (Method.RANK, [("1", "Walking meetings", "6 points", False), ("2", HOSTILE, "3 points", True),
                   ("2", "Quiet Fridays", "3 points", True), ("4", "Better coffee", "0 points", False)]),
    (Method.SCORE, [("1", "Walking meetings", "average 4.50 (2 scores, total 9)", False),
                    ("2", HOSTILE, "average 3.00 (1 score, total 3)", True),
                    ("2", "Quiet Fridays", "average 3.00 (1 score, total 3)", True),
                    ("4", "Better coffee", "not scored", False)]),
    (Method.APPROVAL, [("1", "Walking meetings", "3 approvals", False), ("2", HOSTILE, "1 approval", True),
                       ("2", "Quiet Fridays", "1 approval", True), ("4", "Better coffee", "0 approvals", False)]),
])
def test_results_rank_with_ties_a_chart_and_a_plain_list(method, expected):
    card = render_vote_results("Prioritise", "Offsite", results(method, CAST[method]))
    rows = [[run["text"] for run in n["inlines"]] for n in nodes(card)
            if n.get("type") == "RichTextBlock" and n["inlines"][0]["text"][0].isdigit()]
    shown = [(rank.rstrip(". "), label, tail.split(" \u00b7 ")[1].replace(" (tied)", ""), "(tied)" in tail)
             for rank, label, tail in rows]
    assert shown == expected
    (chart,) = [n for n in nodes(card) if n.get("type") == "Chart.HorizontalBar"]
    assert [d["x"] for d in chart["data"]] == ["Walking meetings", HOSTILE[:39].rstrip() + "\u2026",
                                               "Quiet Fridays", "Better coffee"]
    ys = [d["y"] for d in chart["data"]]
    assert ys == ([4.5, 3.0, 3.0, 0] if method is Method.SCORE else [int(row[2].split()[0]) for row in expected])
    assert "2 of 6 members voted." in card_texts(card) or "3 of 6 members voted." in card_texts(card)


def test_results_without_votes_say_so_and_draw_no_chart():
    card = CARDS["results without votes"]()
    assert "No votes were cast." in card_texts(card) and "0 of 6 members voted." in card_texts(card)
    assert not any(n.get("type", "").startswith("Chart.") for n in nodes(card))


def test_names_only_when_not_anonymous_and_never_on_a_live_ballot():
    assert "Bob, Carol" not in card_texts(CARDS["not anonymous revealed"]())  # live view: counts only
    assert any("Bob, " in t for t in card_texts(CARDS["results named"]()))
    assert not any("Voter" in t for t in card_texts(CARDS["dots results"]()))


def test_chart_labels_are_distinct_and_the_chart_shows_the_top_options():
    labels = ["Same idea"] * 12 + [f"Idea {n}" for n in range(13)]
    opts = options(labels)
    cast = [{o.id: 1} for o in opts]
    card = render_vote_results("P", "O", results(Method.APPROVAL, cast, labels))
    (chart,) = [n for n in nodes(card) if n.get("type") == "Chart.HorizontalBar"]
    xs = [d["x"] for d in chart["data"]]
    assert len(xs) == MAX_CHART_BARS and len(set(xs)) == len(xs)
    assert sum(1 for n in nodes(card) if n.get("type") == "RichTextBlock" and "(tied)" in json.dumps(n)) == 25


def test_live_results_show_the_top_options_and_say_how_many_more():
    labels = [f"Idea {n}" for n in range(MAX_OPTIONS)]
    card = render_vote_card(view(options=[OptionView(100 + i, i + 1, x) for i, x in enumerate(labels)],
                                 hidden=False, results=results(Method.DOTS, [{100: 1}], labels)))
    assert f"\u2026and {MAX_OPTIONS - MAX_LIVE_ROWS} more options." in card_texts(card)


def test_truncated_ballots_say_so():
    assert any("Only the first 4 of 45 ideas are on the ballot" in t for t in card_texts(CARDS["truncated"]()))


def _worst(method: Method, label: str, question: str = "Q" * 1000) -> VoteCardView:
    labels = [f"{label} {n}" for n in range(MAX_OPTIONS)]
    opts = [OptionView(100_000 + i, i + 1, x) for i, x in enumerate(labels)]
    cast = [{o.id: 1 for o in opts[:3]} if method is not Method.RANK else {o.id: i + 1 for i, o in enumerate(opts[:3])}
            for _ in range(40)]
    return view(method, options=opts, offered=200, top_k=MAX_TOP_K, anonymous=False, question=question,
                prompt="P" * 1000, step_title="S" * 120, trajectory_title="T" * 120, personal=True,
                refresh_user_ids=[f"29:1{'x' * 70}{n}" for n in range(60)], hidden=False, can_reveal=False,
                notice="n" * 300, mine={opts[0].id: 1}, version=7, members=60,
                results=results(method, cast, labels, names=[f"Member number {n} " * 2 for n in range(60)], members=60))


@pytest.mark.parametrize("label", ["x" * 500, "\u00e9t\u00e9 " * 125, "\u4e2d" * 500])
@pytest.mark.parametrize("method", list(Method))
def test_a_full_ballot_with_long_options_and_live_results_fits_in_one_card(method, label):
    worst = _worst(method, label)
    card = render_vote_card(worst)
    assert_valid_card(card)
    assert size(card) <= CARD_BUDGET
    results_card = render_vote_results(worst.step_title, worst.trajectory_title, worst.results)
    assert_valid_card(results_card)
    # Every option is on the ballot and in the results, shortened as little as needed.
    texts = " ".join(card_texts(card))
    assert all(f"{n}. " in texts for n in range(1, MAX_OPTIONS + 1))


def test_short_options_are_never_shortened():
    labels = [f"A reasonable idea of about sixty characters, number {n:02d}....." for n in range(MAX_OPTIONS)]
    worst = _worst(Method.DOTS, "")
    card = render_vote_card(VoteCardView(**{**worst.__dict__, "options": [
        OptionView(o.id, o.number, label) for o, label in zip(worst.options, labels)]}))
    assert all(label in card_texts(card) for label in labels)


def test_setup_fields_show_the_settings_and_fit_a_setup_card():
    settings = normalise_settings({"method": "rank", "cap": 2, "source": 1, "anonymous": False})
    fields = setup_fields(1, settings)
    inputs = {n["id"]: n.get("value") for n in nodes(fields) if n.get("type", "").startswith("Input.")}
    assert inputs == {"step_1_method": "rank", "step_1_dots": 5, "step_1_cap": 2, "step_1_top_k": 3,
                      "step_1_source": 1, "step_1_options": "", "step_1_anonymous": "false",
                      "step_1_hidden_results": "true"}
    typed = setup_fields(1, normalise_settings({"options": "Tea\nCoffee"}))
    assert {n["id"]: n.get("value") for n in nodes(typed) if n.get("id") == "step_1_options"} == {
        "step_1_options": "Tea\nCoffee"}
    assert not any("value" in n for n in nodes(typed) if n.get("id") in ("step_1_cap", "step_1_source"))
    setup = SetupView(trajectory_id=1, version=1, title="Offsite", question="Why?", time_zone="UTC",
                      steps=[StepFormView("ideas", "Ideas", ""), StepFormView("vote", "Vote", "Go", fields)],
                      kinds=[("ideas", "Collect ideas (async)"), ("vote", "Prioritise by voting (async)")])
    assert_valid_card(render_setup_card(setup))
