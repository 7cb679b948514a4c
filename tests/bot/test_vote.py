"""The vote step through the TestAdapter: a trajectory of ideas then a vote, set up on the setup card;
members vote with each method and change their ballots; refusals change nothing; hidden results,
the reveal, anonymity; the results on close."""

from __future__ import annotations

import json

import pytest

from cards import verbs
from tests.bot.conftest import ALICE, BOB, CAROL, DAVE, Harness
from tests.bot.conftest import card_of, setup
from tests.bot.test_commands import active, only_card, only_text
from tests.cardcheck import assert_valid_card
from tests.fakes import card_texts, find_actions, nodes
from trajectory.model import StepState

IDEAS = [(BOB, "Walking meetings"), (CAROL, "Quiet Fridays"), (DAVE, "Better coffee"), (BOB, "Standing desks")]
W, Q, C, S = (text for _, text in IDEAS)
NAMES = [p.name for p in (BOB, CAROL, DAVE)] + [part for p in (BOB, CAROL, DAVE) for part in p.name.split()]


async def ideas_then_vote_draft(h: Harness, **vote_fields) -> dict:
    """A draft [ideas, vote] made on the setup card; returns the card after saving the vote's fields."""
    card = only_card(await h.say(ALICE, "new Offsite"))
    card, ids = await setup(h, verbs.SETUP_TEMPLATE, find_actions(card, verbs.SETUP_SAVE)[0]["data"], template="ideas")
    card, ids = await setup(h, verbs.SETUP_ADD_STEP, ids, new_step_kind="vote")
    assert "Step 2 \u00b7 Prioritise by voting (async)" in card_texts(card)
    assert {n["id"] for n in nodes(card) if n.get("id", "").startswith("step_1_")} >= {
        "step_1_method", "step_1_dots", "step_1_cap", "step_1_top_k", "step_1_source", "step_1_options",
        "step_1_anonymous", "step_1_hidden_results"}
    card, _ = await setup(h, verbs.SETUP_SAVE, ids, **{f"step_1_{k}": v for k, v in vote_fields.items()})
    return card


async def open_vote(h: Harness, ideas=IDEAS, **vote_fields) -> int:
    """Draft → start → members add ideas → next: the vote is open. Returns its step id."""
    card = await ideas_then_vote_draft(h, **vote_fields)
    assert "Saved." in card_texts(card), card_texts(card)
    await h.say(ALICE, "start")
    ideas_step = (await active(h)).steps[0]
    for user, text in ideas:
        await h.act(user, verbs.IDEAS_ADD, {"step_id": ideas_step.id, verbs.IDEA_TEXT: text})
    await h.say(ALICE, "next")
    vote_step = (await active(h)).steps[1]
    assert (vote_step.kind, vote_step.state) == ("vote", StepState.OPEN)
    return vote_step.id


async def options(h: Harness, step_id: int) -> dict[str, int]:
    async with h.uow() as uow:
        return {o.label: o.id for o in await uow.votes.options(step_id)}


async def ballots(h: Harness, step_id: int) -> dict[str, tuple[dict[str, int], int]]:
    labels = {v: k for k, v in (await options(h, step_id)).items()}
    async with h.uow() as uow:
        return {b.voter.name: ({labels[o]: v for o, v in b.choices.items()}, b.version)
                for b in await uow.votes.ballots(step_id)}


def inputs(method: str, ids: dict[str, int], choice: dict[str, int]) -> dict[str, str]:
    """What Teams sends for the ballot card's inputs (strings; blanks for what was left empty)."""
    if method == "rank":
        placed = {place: label for label, place in choice.items()}
        return {f"{verbs.VOTE_PLACE_PREFIX}{p}": str(ids[placed[p]]) if p in placed else "" for p in (1, 2, 3)}
    if method == "approval":
        return {f"{verbs.VOTE_OPTION_PREFIX}{i}": "true" if label in choice else "false" for label, i in ids.items()}
    blank = "0" if method == "dots" else ""
    return {f"{verbs.VOTE_OPTION_PREFIX}{i}": str(choice[label]) if label in choice else blank
            for label, i in ids.items()}


async def vote(h: Harness, user, step_id: int, method: str, choice: dict[str, int], version: int = 0,
               activity_id: str | None = None, **extra) -> dict:
    data = {"step_id": step_id, "version": version, **inputs(method, await options(h, step_id), choice), **extra}
    return card_of(await h.act(user, verbs.VOTE_SUBMIT, data, activity_id))


def prefilled(method: str, sent: dict[str, str]) -> dict[str, object]:
    """The values a ballot card shows for what was sent: numbers for dots and scores (blank: unscored)."""
    if method == "dots":
        return {k: int(v) for k, v in sent.items()}
    if method == "score":
        return {k: int(v) if v else None for k, v in sent.items()}
    return sent


def notices(card: dict) -> list[str]:
    return [run["text"] for n in nodes(card) if n.get("type") == "RichTextBlock" for run in n["inlines"]
            if run.get("color") in ("Good", "Attention")]


def charts(card: dict) -> list[dict]:
    return [n for n in nodes(card) if n.get("type", "").startswith("Chart.")]


def ranking(card: dict) -> list[tuple[int, str, bool]]:
    """(rank, option, tied) from the plain-text list of a results card."""
    rows = [n["inlines"] for n in nodes(card) if n.get("type") == "RichTextBlock" and len(n["inlines"]) == 3
            and n["inlines"][0]["text"][0].isdigit()]
    return [(int(r[0]["text"].rstrip(". ")), r[1]["text"], "(tied)" in r[2]["text"]) for r in rows]


async def card_ref(h: Harness, step_id: int):
    async with h.uow() as uow:
        return (await uow.trajectories.by_step(step_id)).step(step_id).card


async def shared_card(h: Harness, step_id: int) -> dict:
    """The vote's channel post as it stands (posted on open, updated since)."""
    card = h.messenger.posts[(await card_ref(h, step_id)).activity_id]
    assert_valid_card(card)
    return card


async def results_card(h: Harness, step_id: int) -> dict:
    ref = await card_ref(h, step_id)
    (card,) = [c for r, c in h.messenger.replies if r == ref]
    assert_valid_card(card)
    return card


async def test_the_vote_opens_with_the_ideas_frozen_as_options(harness: Harness):
    step_id = await open_vote(harness)
    assert list(await options(harness, step_id)) == [W, Q, C, S]
    shared = await shared_card(harness, step_id)
    texts = card_texts(shared)
    assert "No votes yet: be the first!" not in texts and any("4 options on the ballot." in t for t in texts)
    assert find_actions(shared, verbs.VOTE_REFRESH) and not charts(shared)
    assert shared["refresh"]["userIds"] == [p.user_id for p in sorted((ALICE, BOB, CAROL, DAVE), key=lambda p: p.name)]
    # Ideas changed after the vote opened don't shift the ballot.
    async with harness.uow() as uow:
        trajectory = await uow.trajectories.by_step(step_id)
        idea = (await uow.ideas.active_for_step(trajectory.steps[0].id))[0]
    await harness.act(BOB, verbs.IDEAS_EDIT, {"idea_id": idea.id, "version": idea.version,
                                              f"{verbs.EDIT_TEXT_PREFIX}{idea.id}": "Changed later"})
    assert list(await options(harness, step_id)) == [W, Q, C, S]
    # Each member's own view carries an empty ballot with version 0.
    mine = card_of(await harness.act(CAROL, verbs.VOTE_REFRESH, {"step_id": step_id}))
    assert find_actions(mine, verbs.VOTE_SUBMIT)[0]["data"] == {"step_id": step_id, "version": 0}
    assert "You haven't voted yet." in card_texts(mine) and W in card_texts(mine)
    assert not find_actions(mine, verbs.VOTE_REVEAL)  # not a facilitator


CASES = {
    # method: (settings, Bob's first ballot, the final ballots of Bob, Carol, Dave, the expected ranking)
    "dots": ({}, {S: 5}, [{W: 4, Q: 1}, {Q: 3, C: 2}, {W: 1, C: 3, S: 1}],
             [(1, W, True), (1, C, True), (3, Q, False), (4, S, False)]),
    "rank": ({"top_k": "3"}, {S: 1}, [{W: 1, Q: 2, C: 3}, {Q: 1, C: 2}, {C: 1, W: 2, S: 3}],
             [(1, C, False), (2, W, True), (2, Q, True), (4, S, False)]),
    "score": ({}, {S: 5}, [{W: 5, Q: 2}, {Q: 4, C: 4}, {W: 3, C: 4, S: 1}],
              [(1, W, True), (1, C, True), (3, Q, False), (4, S, False)]),
    "approval": ({}, {S: 1}, [{W: 1, Q: 1}, {Q: 1, C: 1}, {W: 1, C: 1, S: 1}],
                 [(1, W, True), (1, Q, True), (1, C, True), (4, S, False)]),
}


@pytest.mark.parametrize("method", sorted(CASES))
async def test_members_vote_change_their_ballot_and_close_posts_the_ranking(harness: Harness, method):
    settings, first, final, expected = CASES[method]
    step_id = await open_vote(harness, method=method, **settings)
    card = await vote(harness, BOB, step_id, method, first)
    assert "Your ballot was saved." in notices(card) and "You voted. You can change your ballot until the vote closes." \
        in card_texts(card)
    assert find_actions(card, verbs.VOTE_SUBMIT)[0]["data"] == {"step_id": step_id, "version": 1}
    assert find_actions(card, verbs.VOTE_SUBMIT)[0]["title"] == "Update my ballot"
    card = await vote(harness, BOB, step_id, method, final[0], version=1)
    for user, choice in zip((CAROL, DAVE), final[1:]):
        await vote(harness, user, step_id, method, choice)
    stored = await ballots(harness, step_id)
    assert stored == {BOB.name: (final[0], 2), CAROL.name: (final[1], 1), DAVE.name: (final[2], 1)}
    # The member's view shows their ballot back; the channel card counts voters, shows no results.
    mine = card_of(await harness.act(BOB, verbs.VOTE_REFRESH, {"step_id": step_id}))
    values = {n["id"]: n.get("value") for n in nodes(mine) if n.get("type", "").startswith("Input.")}
    assert values == prefilled(method, inputs(method, await options(harness, step_id), final[0]))
    shared = await shared_card(harness, step_id)
    assert any("3 of 4 members voted so far" in t for t in card_texts(shared)) and not charts(shared)
    assert not ranking(shared)

    assert "is complete" in only_text(await harness.say(ALICE, "next"))
    results = await results_card(harness, step_id)
    assert ranking(results) == expected
    (chart,) = charts(results)
    assert chart["type"] == "Chart.HorizontalBar" and [d["x"] for d in chart["data"]] == [r[1] for r in expected]
    assert "3 of 4 members voted." in card_texts(results)
    closed = await shared_card(harness, step_id)
    assert any(t.startswith("Voting is closed: 3 of 4 members voted.") for t in card_texts(closed))
    assert not find_actions(closed, verbs.VOTE_SUBMIT)
    late = await vote(harness, CAROL, step_id, method, final[0], version=1)
    assert "This step is not open (any more)." in notices(late)
    assert (await ballots(harness, step_id))[CAROL.name] == (final[1], 1)


async def test_refused_ballots_change_nothing(harness: Harness):
    step_id = await open_vote(harness, method="dots", dots="5", cap="3")
    await vote(harness, BOB, step_id, "dots", {W: 3, Q: 2})
    before = await ballots(harness, step_id)
    ids = await options(harness, step_id)
    refusals = [
        (BOB, {W: 3, Q: 3}, 1, {}, "you gave 6 dots but have 5."),
        (BOB, {W: 1}, 1, {f"{verbs.VOTE_OPTION_PREFIX}999999": "1"}, "that option is not on this ballot"),
        (BOB, {W: 1}, 1, {f"{verbs.VOTE_OPTION_PREFIX}{ids[W]}": "-2"}, "must be a whole number"),
        (BOB, {W: 4}, 1, {}, "at most 3 dots can go to one option."),
        (BOB, {W: 1}, 0, {}, "This card was out of date."),  # an older card of Bob's
        (CAROL, {W: 1}, 1, {}, "This card was out of date."),  # Bob's ballot version on Carol's card
    ]
    for user, choice, version, extra, words in refusals:
        card = await vote(harness, user, step_id, "dots", choice, version=version, **extra)
        assert any(words in n for n in notices(card)), (words, notices(card))
        assert await ballots(harness, step_id) == before
    assert await ballots(harness, step_id) == {BOB.name: ({W: 3, Q: 2}, 1)}
    for verb, data in [(verbs.VOTE_SUBMIT, {"step_id": step_id}), (verbs.VOTE_SUBMIT, {"step_id": "x", "version": 0}),
                       (verbs.VOTE_SUBMIT, {"step_id": 999999, "version": 0}), (verbs.VOTE_REVEAL, {}),
                       (verbs.VOTE_REFRESH, {"step_id": [1]}), (verbs.VOTE_SUBMIT, "not a dict")]:
        body = await harness.act(DAVE, verb, data)
        assert body["type"] == "application/vnd.microsoft.activity.message" and body["value"], (verb, data)
    assert await ballots(harness, step_id) == before


async def test_rank_refusals(harness: Harness):
    step_id = await open_vote(harness, method="rank", top_k="3")
    ids = await options(harness, step_id)
    place = verbs.VOTE_PLACE_PREFIX
    for data, words in [({f"{place}1": str(ids[W]), f"{place}2": str(ids[W])}, "only one place"),
                        ({f"{place}1": str(ids[W]), f"{place}3": str(ids[Q])}, "without leaving one empty"),
                        ({f"{place}4": str(ids[W])}, "rank at most 3"),
                        ({f"{place}1": "999999"}, "not on this ballot")]:
        card = card_of(await harness.act(BOB, verbs.VOTE_SUBMIT, {"step_id": step_id, "version": 0, **data}))
        assert any(words in n for n in notices(card)), (words, notices(card))
    assert await ballots(harness, step_id) == {}


async def test_an_empty_ballot_clears_the_vote(harness: Harness):
    step_id = await open_vote(harness, method="approval")
    await vote(harness, BOB, step_id, "approval", {W: 1})
    card = await vote(harness, BOB, step_id, "approval", {}, version=1)
    assert "Your ballot is empty: you have not voted." in notices(card)
    assert await ballots(harness, step_id) == {BOB.name: ({}, 2)}
    assert any("No votes yet" in t for t in card_texts(await shared_card(harness, step_id)))
    # Nothing to clear: nothing stored.
    await vote(harness, CAROL, step_id, "approval", {})
    assert list(await ballots(harness, step_id)) == [BOB.name]
    status = only_card(await harness.say(ALICE, "status"))
    assert "0 of 4 members" in json.dumps(status)


async def test_hidden_results_until_a_facilitator_reveals_them(harness: Harness):
    step_id = await open_vote(harness, method="dots")
    await vote(harness, BOB, step_id, "dots", {W: 5})
    await vote(harness, CAROL, step_id, "dots", {Q: 2, W: 3})
    assert not charts(await shared_card(harness, step_id))
    refused = card_of(await harness.act(BOB, verbs.VOTE_REVEAL, {"step_id": step_id}))
    assert any("Only the facilitators" in n for n in notices(refused)) and not charts(refused)
    assert not charts(await shared_card(harness, step_id))
    alice = card_of(await harness.act(ALICE, verbs.VOTE_REFRESH, {"step_id": step_id}))
    (reveal,) = find_actions(alice, verbs.VOTE_REVEAL)
    revealed = card_of(await harness.act(ALICE, verbs.VOTE_REVEAL, reveal["data"], activity_id="f:reveal"))
    assert "The results are now visible to everyone." in notices(revealed) and charts(revealed)
    assert not find_actions(revealed, verbs.VOTE_REVEAL)
    again = card_of(await harness.act(ALICE, verbs.VOTE_REVEAL, reveal["data"], activity_id="f:reveal"))
    assert charts(again)
    # Stored, not remembered: every later view (and the channel card) shows the results.
    shared = await shared_card(harness, step_id)
    assert ranking(shared) == [(1, W, False), (2, Q, False), (3, C, True), (3, S, True)]
    bob = card_of(await harness.act(BOB, verbs.VOTE_REFRESH, {"step_id": step_id}))
    assert charts(bob) and "Results so far" in card_texts(bob)
    async with harness.uow() as uow:
        assert (await uow.votes.state(step_id)).revealed


async def test_results_can_be_visible_from_the_start(harness: Harness):
    step_id = await open_vote(harness, method="approval", hidden_results="false")
    await vote(harness, BOB, step_id, "approval", {W: 1})
    shared = await shared_card(harness, step_id)
    assert ranking(shared)[0] == (1, W, False) and charts(shared)
    alice = card_of(await harness.act(ALICE, verbs.VOTE_REFRESH, {"step_id": step_id}))
    assert not find_actions(alice, verbs.VOTE_REVEAL)  # nothing to reveal


async def test_a_duplicate_invoke_is_applied_once(harness: Harness):
    step_id = await open_vote(harness, method="dots")
    await vote(harness, BOB, step_id, "dots", {W: 1})
    await vote(harness, BOB, step_id, "dots", {Q: 2}, version=1, activity_id="f:dup")
    again = await vote(harness, BOB, step_id, "dots", {Q: 2}, version=1, activity_id="f:dup")
    assert "Your ballot was saved." in notices(again)  # the same answer, not "out of date"
    assert await ballots(harness, step_id) == {BOB.name: ({Q: 2}, 2)}


async def test_anonymous_votes_never_show_names(harness: Harness):
    step_id = await open_vote(harness, method="score")
    await vote(harness, BOB, step_id, "score", {W: 5})
    await vote(harness, CAROL, step_id, "score", {W: 4, Q: 1})
    answers = [card_of(await harness.act(p, verbs.VOTE_REFRESH, {"step_id": step_id})) for p in (ALICE, BOB, DAVE)]
    status = only_card(await harness.say(ALICE, "status"))
    assert "Not yet" not in json.dumps(status)  # no list of who hasn't voted
    await harness.say(ALICE, "next")
    vote_cards = [c for c in harness.messenger.posts.values() if find_actions(c, verbs.VOTE_REFRESH)]
    vote_cards += [c for _, c in harness.messenger.updates if "Prioritise" in json.dumps(c)]
    vote_cards += [await results_card(harness, step_id)] + answers
    for card in vote_cards:
        text = json.dumps(card)
        assert not any(name in text for name in NAMES), [n for n in NAMES if n in text]
    assert ranking(await results_card(harness, step_id))[0] == (1, W, False)


async def test_a_named_vote_lists_who_voted_in_the_results(harness: Harness):
    step_id = await open_vote(harness, method="approval", anonymous="false")
    await vote(harness, BOB, step_id, "approval", {W: 1})
    await vote(harness, DAVE, step_id, "approval", {C: 1})
    status = json.dumps(only_card(await harness.say(ALICE, "status")))
    assert "Carol Coder" in status  # who hasn't voted, for the facilitator
    await harness.say(ALICE, "next")
    results = await results_card(harness, step_id)
    assert "Bob Builder, Dave Devops" in card_texts(results)


async def test_a_vote_with_nothing_to_vote_on_says_so(harness: Harness):
    step_id = await open_vote(harness, ideas=[], method="dots")
    shared = await shared_card(harness, step_id)
    assert any("nothing to vote on: the idea step had no ideas." in t for t in card_texts(shared))
    card = card_of(await harness.act(BOB, verbs.VOTE_REFRESH, {"step_id": step_id}))
    assert not find_actions(card, verbs.VOTE_SUBMIT)
    refused = await harness.act(BOB, verbs.VOTE_SUBMIT, {"step_id": step_id, "version": 0,
                                                         f"{verbs.VOTE_OPTION_PREFIX}1": "1"})
    assert any("not on this ballot" in t for t in card_texts(refused["value"]))
    assert "is complete" in only_text(await harness.say(ALICE, "next"))
    async with harness.uow() as uow:
        ref = (await uow.trajectories.by_step(step_id)).step(step_id).card
    assert not [c for r, c in harness.messenger.replies if r == ref]  # no results to post


async def test_typed_options_and_setup_refusals(harness: Harness):
    card = await ideas_then_vote_draft(harness, options="Tea\nCoffee", source="1")
    assert any("not both" in n for n in notices(card))
    ids = find_actions(card, verbs.SETUP_SAVE)[0]["data"]
    card, ids = await setup(harness, verbs.SETUP_SAVE, ids, step_1_method="plurality")
    assert any("unknown voting method" in n for n in notices(card))
    card, ids = await setup(harness, verbs.SETUP_SAVE, ids, step_1_source="2")
    assert any("must be an idea step before the vote" in n for n in notices(card))
    card, ids = await setup(harness, verbs.SETUP_SAVE, ids, step_1_method="approval", step_1_options="Tea\nCoffee\n",
                            step_1_anonymous="false")
    assert "Saved." in card_texts(card)
    assert (await active(harness)).steps[1].settings["options"] == ["Tea", "Coffee"]
    await harness.say(ALICE, "start")
    await harness.say(ALICE, "next")
    step_id = (await active(harness)).steps[1].id
    assert list(await options(harness, step_id)) == ["Tea", "Coffee"]


async def test_a_member_without_automatic_refresh_asks_for_the_ballot(harness: Harness):
    step_id = await open_vote(harness)
    (show,) = (await shared_card(harness, step_id))["actions"]
    mine = card_of(await harness.act(DAVE, show["verb"], show["data"]))
    assert find_actions(mine, verbs.VOTE_SUBMIT)
