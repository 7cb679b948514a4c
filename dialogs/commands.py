"""Facilitator commands typed to the bot (after the @mention is removed)."""

from __future__ import annotations

from dataclasses import dataclass

from cards.formatting import zone_info
from cards.setup import render_setup_card
from cards.status import StatusView, StepStatus, render_help, render_status
from cards.texts import CATALOGS, LANGUAGES, current_language, speaking, t
from trajectory import services
from trajectory.errors import DomainError
from trajectory.kinds import kind_of
from trajectory.model import Person, Step, StepState, Trajectory

from .context import Deps
from .language import catalog_translator, retranslated, shared_by
from .refusals import describe
from .setup import setup_view
from .steps import STEP_DIALOGS, apply_events
from .turn import Answer, Turn

MAX_COMMAND_LENGTH = 2000
TRANSITIONS = ("start", "next", "close", "cancel")
# Every command the bot answers (the manifest's commandLists must be a subset). Each is understood in
# every language: its word in each catalog ("command.<name>": "next", "volgende"), plus these.
COMMANDS = ("help", "new", "start", "next", "status", "close", "cancel", "language")
ALIASES = {"?": "help", "stop": "close", "advance": "next", "afsluiten": "close", "annuleren": "cancel",
           "taal": "language", "lang": "language"}


def command_words() -> dict[str, str]:
    """Typed word -> command, for every language Blend speaks."""
    words = {name: name for name in COMMANDS}
    for lang in LANGUAGES:
        words.update({CATALOGS[lang][f"command.{name}"].lower(): name
                      for name in COMMANDS if f"command.{name}" in CATALOGS[lang]})
    return {**words, **ALIASES}


WORDS = command_words()


@dataclass(frozen=True)
class Command:
    name: str
    argument: str


def parse(text: str) -> Command:
    word, _, rest = text.strip()[:MAX_COMMAND_LENGTH].partition(" ")
    name = word.strip().lower().rstrip(".!:")
    return Command(WORDS.get(name, name), rest.strip())


async def _refresh_roster(deps: Deps, turn: Turn) -> None:
    """Remember the team's members: they become choices for co-facilitators and refresh targets."""
    if turn.channel is None:
        return
    members = await deps.messenger.team_members()
    if members:
        async with deps.uows() as uow:
            await uow.channels.replace_members(turn.channel.ref.team_id, members)
            await uow.commit()


async def _new(deps: Deps, turn: Turn, title: str) -> Answer:
    assert turn.channel is not None and turn.actor is not None
    if not title:
        return Answer(text=t("new.needs_title"))
    await _refresh_roster(deps, turn)
    async with deps.uows() as uow:
        if not await uow.claim_activity(turn.activity_id):
            return Answer()
        await uow.channels.upsert(turn.channel)
        # Written in the facilitator's language and time zone until they choose otherwise.
        language = current_language()
        settings = {"language": language, "time_zone": zone_info(turn.time_zone).key}
        trajectory = await services.create_trajectory(uow, turn.channel.ref, turn.actor, title, turn.now,
                                                      settings, catalog_translator(language))
        await uow.commit()
        with shared_by(trajectory):
            return Answer(card=render_setup_card(await setup_view(uow, trajectory, turn.time_zone)))


async def _language(deps: Deps, turn: Turn, choice: str) -> Answer:
    assert turn.channel is not None and turn.actor is not None
    wanted = choice.strip().lower()[:20]
    if wanted not in LANGUAGES:
        return Answer(text=t("language.usage", choices=", ".join(LANGUAGES)))
    async with deps.uows() as uow:
        if not await uow.claim_activity(turn.activity_id):
            return Answer()
        trajectory = await services.set_language(uow, turn.channel.ref.channel_id, turn.actor, wanted,
                                                 lambda text, old: retranslated(text, old, wanted))
        await uow.commit()
    with shared_by(trajectory):
        return Answer(text=t("language.chosen", title=trajectory.title))


async def _transition(deps: Deps, turn: Turn, action: str) -> Answer:
    assert turn.channel is not None and turn.actor is not None
    if action == "start":
        await _refresh_roster(deps, turn)
    async with deps.uows() as uow:
        if not await uow.claim_activity(turn.activity_id):
            return Answer()
        await uow.channels.upsert(turn.channel)
        trajectory, events = await services.transition(uow, turn.channel.ref.channel_id, turn.actor, action, turn.now)
        await uow.commit()
    return Answer(text=await apply_events(deps, trajectory, events))


def _status_view(trajectory: Trajectory, roster: list[Person] | None, members: int,
                 contributors: dict[int, set[str]]) -> StatusView:
    """Per step: state, deadline and who took part (names of who hasn't: with the ``roster``, read
    for facilitators only)."""
    steps = []
    for step in trajectory.steps:
        # A live meeting has no contributions to count (kind.collects_contributions): no "0 of N".
        took_part = contributors.get(step.id or 0, set()) if _counts(step) else None
        missing = None
        if (took_part is not None and roster is not None and step.state is StepState.OPEN
                and not STEP_DIALOGS[step.kind].anonymous(step)):
            missing = [m.name for m in roster if m.aad_id not in took_part]
        steps.append(StepStatus(
            title=step.title, kind=step.kind, state=str(step.state), deadline=step.deadline,
            contributed=len(took_part) if took_part is not None else None,
            members=max(members, len(took_part or ())), missing=missing,
        ))
    return StatusView(trajectory.title, str(trajectory.state), [p.name for p in trajectory.facilitators], steps)


def _counts(step: Step) -> bool:
    return step.opened_at is not None and step.id is not None and kind_of(step.kind).collects_contributions


async def _status(deps: Deps, turn: Turn) -> Answer:
    """One unit of work, the same few statements however many steps: the trajectory, the roster (its
    size, unless a facilitator asks) and who took part in every opened step at once."""
    assert turn.channel is not None and turn.actor is not None
    async with deps.uows() as uow:
        trajectory = await services.active_trajectory(uow, turn.channel.ref.channel_id)
        team = trajectory.channel.team_id
        roster = await uow.channels.members(team) if trajectory.is_facilitator(turn.actor.aad_id) else None
        members = len(roster) if roster is not None else await uow.channels.member_count(team)
        contributors = await uow.participation.contributors([s.id for s in trajectory.steps if _counts(s)])
    return Answer(card=render_status(_status_view(trajectory, roster, members, contributors)))


async def run(deps: Deps, turn: Turn, text: str) -> Answer:
    """Answer one command, in the language of whoever typed it (shared posts switch to the trajectory's)."""
    with speaking(turn.locale):
        return await _run(deps, turn, text)


async def _run(deps: Deps, turn: Turn, text: str) -> Answer:
    """Refusals become a friendly sentence; nothing is stored for them."""
    command = parse(text)
    in_channel = turn.channel is not None
    if command.name in ("", "help"):
        return Answer(card=render_help(COMMANDS, in_channel=in_channel))
    if command.name not in COMMANDS:
        return Answer(card=render_help(COMMANDS, in_channel=in_channel, unknown=command.name))
    if not in_channel:
        return Answer(text=t("channel_only"))
    if turn.actor is None:
        return Answer(text=t("error.unknown_identity"))
    try:
        if command.name == "new":
            return await _new(deps, turn, command.argument)
        if command.name == "status":
            return await _status(deps, turn)
        if command.name == "language":
            return await _language(deps, turn, command.argument)
        return await _transition(deps, turn, command.name)
    except DomainError as refusal:
        return Answer(text=describe(refusal))
