"""Dutch and English: a member is answered in their language (the activity's locale); what a
trajectory shares in the channel is in the trajectory's language, which a facilitator sets."""

from __future__ import annotations

from datetime import datetime, timezone

from icalendar import Calendar

from cards import verbs
from cards.texts import CATALOGS, LANGUAGES, translate
from dialogs.commands import COMMANDS, parse
from dialogs.meeting import invitation_html
from graph.outbox import OutboxMeetingScheduler
from tests.bot.conftest import ALICE, BOB, Harness, activity, invoke
from tests.bot.test_commands import active, only_card, only_text
from tests.cardcheck import assert_valid_card
from tests.fakes import card_texts, find_actions, nodes
from trajectory import agenda
from trajectory.kinds.meeting import Plan
from trajectory.meetings import Attendee, MeetingRequest
from trajectory.model import ChannelRef
from trajectory.setup import new_trajectory

NL = "nl-BE"


def nl(key: str, **params) -> str:
    text = translate("nl", key, **params)
    assert text != translate("en", key, **params), f"{key} has no Dutch text"
    return text


def en(key: str, **params) -> str:
    return translate("en", key, **params)


async def say(h: Harness, user, text: str, locale: str = "en-US", time_zone: str | None = None):
    act = activity(user, text, locale=locale)
    act.local_timezone = time_zone
    return await h.send(act)


async def click(h: Harness, user, verb: str, data: dict, locale: str = "en-US") -> dict:
    sent = await h.send(invoke(user, verb, data, locale=locale))
    body = next(a for a in sent if a.type == "invokeResponse").value.body
    if body["type"] != "application/vnd.microsoft.card.adaptive":
        return body
    assert_valid_card(body["value"])
    return body["value"]


def choice_value(card: dict, input_id: str) -> str:
    return next(n for n in nodes(card) if n.get("id") == input_id)["value"]


# ------------------------------------------------------------------ commands


def test_every_command_has_a_word_in_each_language():
    for lang in LANGUAGES:
        for name in COMMANDS:
            word = CATALOGS[lang][f"command.{name}"]
            assert parse(f"{word} x").name == name, (lang, name)
    typed = {"hulp": "help", "nieuw": "new", "volgende": "next", "sluit": "close", "afsluiten": "close",
             "annuleer": "cancel", "annuleren": "cancel", "taal": "language", "Volgende!": "next", "help": "help"}
    assert {word: parse(word).name for word in typed} == typed
    assert parse("nieuw Teamdag 2027").argument == "Teamdag 2027"


async def test_help_answers_in_the_member_s_language(harness: Harness):
    for word in ("hulp", "help"):
        texts = card_texts(only_card(await say(harness, BOB, word, NL)))
        assert nl("help.title") in texts
        # The commands are listed as a Dutch member types them.
        assert any("nieuw" in t and "titel" in t for t in texts) and "volgende" in texts
        assert "next" not in texts
    english = card_texts(only_card(await say(harness, BOB, "hulp")))
    assert en("help.title") in english and "next" in english


async def test_an_unknown_command_gets_help_in_the_member_s_language(harness: Harness):
    texts = card_texts(only_card(await say(harness, BOB, "dansen", NL)))
    assert texts[0] == nl("help.unknown", command="dansen")


# ------------------------------------------------------------------ personal vs shared


async def test_a_dutch_member_is_refused_in_dutch_while_the_channel_card_stays_english(harness: Harness):
    only_card(await say(harness, ALICE, "new Offsite"))
    await say(harness, ALICE, "start")
    trajectory = await active(harness)
    assert trajectory.language == "en"
    posted = list(harness.messenger.posts.values())
    assert len(posted) == 1 and en("ideas.add") in card_texts(posted[0])

    refusal = only_text(await say(harness, BOB, "volgende", NL))
    assert refusal == nl("error.not_facilitator", names="Alice Admin")
    # Bob's own view of the idea card is Dutch; the channel's copy, updated after his idea, is English.
    step = trajectory.current_step
    mine = await click(harness, BOB, verbs.IDEAS_ADD, {"step_id": step.id, "idea_text": "Soup"}, NL)
    assert nl("ideas.add") in card_texts(mine)
    assert en("ideas.add") in card_texts(harness.messenger.posts[step.card.activity_id])
    assert nl("ideas.add") not in card_texts(harness.messenger.posts[step.card.activity_id])


async def test_a_dutch_trajectory_posts_dutch_cards_whoever_moves_it(harness: Harness):
    await say(harness, ALICE, "nieuw Teamdag", NL)
    refused = only_text(await say(harness, BOB, "start"))  # an English member: refused in English
    assert refused == en("error.not_facilitator", names="Alice Admin")
    started = only_text(await say(harness, ALICE, "start"))  # English facilitator, Dutch trajectory
    trajectory = await active(harness)
    assert started == nl("started", title="Teamdag", step=trajectory.steps[0].title)
    assert nl("ideas.add") in card_texts(list(harness.messenger.posts.values())[0])


# ------------------------------------------------------------------ the trajectory's language


async def test_nieuw_makes_a_dutch_trajectory_in_the_facilitator_s_zone(harness: Harness):
    card = only_card(await say(harness, ALICE, "nieuw Teamdag 2027", NL, time_zone="Europe/Brussels"))
    trajectory = await active(harness)
    assert (trajectory.language, trajectory.time_zone) == ("nl", "Europe/Brussels")
    # The reference template in Dutch: question, step titles, the evaluation's default questions.
    assert trajectory.question == nl("template.reference.question")
    assert [s.title for s in trajectory.steps] == [
        "Ideeën verzamelen", "De ideeën online bespreken", "Prioriteren", "De prioriteiten concreet maken",
        "Evalueren"]
    questions = trajectory.steps[-1].settings["questions"]
    assert questions[0]["text"] == nl("template.evaluation.async_helped")
    # The setup card is Dutch, with the language chosen.
    assert find_actions(card, verbs.SETUP_SAVE)[0]["title"] == nl("setup.save")
    assert choice_value(card, "language") == "nl"


async def test_new_from_an_english_member_is_english_in_utc_without_a_zone(harness: Harness):
    await say(harness, ALICE, "new Offsite")
    trajectory = await active(harness)
    assert (trajectory.language, trajectory.time_zone) == ("en", "UTC")
    assert trajectory.steps[0].title == "Collect ideas"


async def test_the_setup_card_sets_the_language_and_shows_itself_in_it(harness: Harness):
    card = only_card(await say(harness, ALICE, "new Offsite"))
    ids = find_actions(card, verbs.SETUP_SAVE)[0]["data"]
    assert [c["value"] for c in next(n for n in nodes(card) if n.get("id") == "language")["choices"]] == ["en", "nl"]

    # A member can't change it: refused in their own language, on a card still in English.
    refused = await click(harness, BOB, verbs.SETUP_SAVE, {**ids, "language": "nl"}, NL)
    assert nl("error.not_facilitator", names="Alice Admin") in card_texts(refused)
    assert find_actions(refused, verbs.SETUP_SAVE)[0]["title"] == en("setup.save")
    assert (await active(harness)).language == "en"

    saved = await click(harness, ALICE, verbs.SETUP_SAVE, {**ids, "language": "nl"})
    assert (await active(harness)).language == "nl"
    assert find_actions(saved, verbs.SETUP_SAVE)[0]["title"] == nl("setup.save")
    assert nl("setup.saved") in card_texts(saved) and choice_value(saved, "language") == "nl"

    # A template applied now comes in Dutch; so does a step added.
    ids = find_actions(saved, verbs.SETUP_SAVE)[0]["data"]
    applied = await click(harness, ALICE, verbs.SETUP_TEMPLATE, {**ids, "template": "brainstorm"})
    trajectory = await active(harness)
    assert trajectory.question == nl("template.brainstorm.question")
    assert [s.title for s in trajectory.steps] == ["Brainstorm", nl("template.brainstorm.step2.title")]
    ids = find_actions(applied, verbs.SETUP_SAVE)[0]["data"]
    await click(harness, ALICE, verbs.SETUP_ADD_STEP, {**ids, "new_step_kind": "evaluation"})
    trajectory = await active(harness)
    assert trajectory.steps[-1].title == nl("kind.evaluation.default_title")

    # An unknown language is refused, nothing changes.
    ids = find_actions(applied, verbs.SETUP_SAVE)[0]["data"]
    ids = {**ids, "version": trajectory.version}
    refused = await click(harness, ALICE, verbs.SETUP_SAVE, {**ids, "language": "fr"})
    assert (await active(harness)).language == "nl"


async def test_the_language_command(harness: Harness):
    await say(harness, ALICE, "new Offsite")
    assert only_text(await say(harness, BOB, "taal nl", NL)) == nl("error.not_facilitator", names="Alice Admin")
    assert en("language.usage", choices="en, nl") == only_text(await say(harness, ALICE, "language"))
    assert only_text(await say(harness, ALICE, "taal nl")) == nl("language.chosen", title="Offsite")
    trajectory = await active(harness)
    assert trajectory.language == "nl"  # and, a draft, its template's texts came along
    assert (trajectory.question, trajectory.steps[0].title) == (nl("template.reference.question"),
                                                                nl("template.reference.step1.title"))
    assert only_text(await say(harness, ALICE, "language en", NL)) == en("language.chosen", title="Offsite")
    assert (await active(harness)).language == "en"


# ------------------------------------------------------------------ invitations


async def test_a_dutch_invitation_says_when_in_dutch(tmp_path):
    trajectory = new_trajectory(ChannelRef("t", "team", "c"), ALICE, "Teamdag", datetime(2026, 11, 25, tzinfo=timezone.utc),
                                settings={"language": "nl"})
    plan = Plan(start=datetime(2026, 12, 2, 9, 0, tzinfo=timezone.utc), end=datetime(2026, 12, 2, 10, 30, tzinfo=timezone.utc),
                time_zone="Europe/Brussels", organizer="alice", location="Zaal 2", online=False)
    ranking = agenda.Agenda("Stemming", "ranking", (agenda.Item("Soep", rank=1, points=7, tied=True),))
    body = invitation_html(trajectory, plan, ranking)
    request = MeetingRequest(transaction_id="blend-1-1", organizer="alice", subject="Teamdag: Workshop",
                             start=plan.start, end=plan.end, time_zone=plan.time_zone,
                             attendees=(Attendee("Bob", "bob@example.org"),), online=False, body_html=body)
    meeting = await OutboxMeetingScheduler(tmp_path).schedule(request)
    event = Calendar.from_ical(open(meeting.ics_path, "rb").read()).walk("VEVENT")[0]
    description = str(event["description"])
    # Babel's Flemish date and 24-hour clock, in the meeting's zone (09:00 UTC is 10:00 in Brussels).
    assert nl("meeting.invitation.when", day="woensdag 2 december 2026", start="10:00", end="11:30",
              zone="Europe/Brussels") in description
    assert nl("meeting.invitation.where", place="Zaal 2") in description
    assert CATALOGS["nl"].get("meeting.agenda.tied", "(tied)") in description

    english = invitation_html(new_trajectory(ChannelRef("t", "team", "c"), ALICE, "Offsite",
                                             datetime(2026, 11, 25, tzinfo=timezone.utc)), plan, agenda.EMPTY)
    assert en("meeting.invitation.when", day="Wednesday, 2 December 2026", start="10:00", end="11:30",
              zone="Europe/Brussels") in english


def test_averages_on_cards_are_written_as_the_reader_writes_numbers():
    from fractions import Fraction

    from cards.texts import speaking
    from cards.vote import _value
    from trajectory.kinds.vote import Method

    with speaking("nl"):
        dutch, _ = _value(Method.SCORE, 9, 2, Fraction(9, 2))
    english, chart = _value(Method.SCORE, 9, 2, Fraction(9, 2))
    assert "4,50" in dutch and "4.50" in english and chart == 4.5


async def test_switching_language_translates_the_template_texts_nobody_edited(harness: Harness):
    card = only_card(await say(harness, ALICE, "new Offsite"))
    form = {n["id"]: n["value"] for n in nodes(card) if n.get("type", "").startswith("Input.") and "value" in n}
    ids = find_actions(card, verbs.SETUP_SAVE)[0]["data"]
    await click(harness, ALICE, verbs.SETUP_SAVE, {**ids, **form, "step_1_title": "Our own meeting", "language": "nl"})
    trajectory = await active(harness)
    assert trajectory.question == nl("template.reference.question")
    assert [s.title for s in trajectory.steps][:3] == [nl("template.reference.step1.title"), "Our own meeting",
                                                      nl("template.reference.step3.title")]
    assert trajectory.steps[0].prompt == nl("template.reference.step1.prompt")
    texts = [q["text"] for q in trajectory.steps[4].settings["questions"]]
    assert nl("template.evaluation.keep") in texts and en("template.evaluation.keep") not in texts
