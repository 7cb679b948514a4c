"""Deadlines and reminders end to end: Blend as a process, the Agents Playground as Teams.

* A step whose deadline is a few seconds ahead closes by itself after Blend was stopped and started
  again on the same database (jobs are rows, not timers), exactly once, and with auto-advance the
  next step's card is posted.
* A reminder due a few seconds after the start (deadline in 1 h + a few seconds, reminder 1 h
  before) goes as a 1:1 chat to every team member who hasn't contributed, through the Playground's
  mock connector (POST /v3/conversations), and to nobody who has.

Only documented settings are used: BLEND_JOB_INTERVAL_SECONDS makes the runner look often.
"""

from __future__ import annotations

import asyncio
import json
import re
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from playground import Playground
from storage.database import create_engine, session_factory
from storage.unit_of_work import SqlUnitOfWork
from tests.cardcheck import assert_valid_card
from tests.fakes import find_actions
from trajectory.jobs import JobKind, JobState

pytestmark = pytest.mark.e2e

INTERVAL = "0.3"


@pytest.fixture
def blend_env() -> dict[str, str]:
    return {"BLEND_JOB_INTERVAL_SECONDS": INTERVAL}


def step_count(card: dict) -> int:
    return len(set(re.findall(r'"step_(\d+)_title"', json.dumps(card))))


class Setup:
    """The facilitator's setup card, driven through Action.Execute like Teams does."""

    def __init__(self, pg: Playground, event: dict) -> None:
        self.pg, self.thread, self.card_id = pg, pg.thread_of(event), event["message"]["messageId"]
        self.card = event["message"]["attachments"][0]["content"]

    @property
    def ids(self) -> dict:
        return find_actions(self.card, "setup.save")[0]["data"]

    async def act(self, verb: str, data: dict) -> dict:
        status, body = await self.pg.invoke(self.thread, self.card_id, "Alice Admin", verb, {**self.ids, **data},
                                            trigger="manual")
        assert status == 200 and body["type"] == "application/vnd.microsoft.card.adaptive", body
        self.card = body["value"]
        assert_valid_card(self.card)
        return self.card

    async def steps(self, count: int) -> None:
        """Exactly ``count`` steps, whatever the default template holds: the first, then idea steps."""
        while step_count(self.card) > 1:
            await self.act("setup.remove_step", {})
        while step_count(self.card) < count:
            await self.act("setup.add_step", {"new_step_kind": "ideas"})


def local(pg: Playground, moment: datetime) -> tuple[str, str]:
    """Date and time as the setup card's inputs take them, in the zone the Playground reports."""
    zone = ZoneInfo(pg._config.get("internalConfig", {}).get("localTimezone") or "UTC")
    here = moment.astimezone(zone)
    return here.strftime("%Y-%m-%d"), here.strftime("%H:%M:%S")


async def new_trajectory(pg: Playground, title: str, steps: int) -> Setup:
    mark = len(pg.conversation_events)
    await pg.post_to_channel(f"new {title}")
    setup = Setup(pg, await pg.wait_for_card("Set up", since=mark))
    await setup.steps(steps)
    return setup


async def stored(database_url: str):
    engine = create_engine(database_url)
    try:
        async with SqlUnitOfWork(session_factory(engine)) as uow:
            trajectory = await uow.trajectories.active_in_channel("19:dev@thread.tacv2") or \
                await uow.trajectories.get(1)
            jobs = {s.id: await uow.jobs.for_step(s.id) for s in trajectory.steps}
            return trajectory, jobs
    finally:
        await engine.dispose()


def summaries(pg: Playground, since: int = 0) -> list[dict]:
    return [e for e in pg.bot_messages(since, ("createMessage",)) if pg.card_contains(e, "Ideas collected in")]


async def test_a_deadline_passes_while_blend_is_down_and_closes_the_step_after_the_restart(
        blend, database_url, playground_factory):
    pg = await playground_factory(blend.port)
    setup = await new_trajectory(pg, "Deadline drill", 2)
    deadline = datetime.now(timezone.utc) + timedelta(seconds=8)
    day, time = local(pg, deadline)
    later_day, later_time = local(pg, deadline + timedelta(days=2))
    mark = len(pg.conversation_events)
    await setup.act("setup.start", {
        "title": "Deadline drill", "question": "What should we try next quarter?", "auto_advance": "true",
        "reminder_hours": "", "step_0_title": "Round one", "step_0_deadline_date": day, "step_0_deadline_time": time,
        "step_1_title": "Round two", "step_1_deadline_date": later_day, "step_1_deadline_time": later_time,
    })
    first = await pg.wait_for_card("Round one", since=mark, actions=("createMessage",))
    step_id = find_actions(first["message"]["attachments"][0]["content"], "ideas.add")[0]["data"]["step_id"]
    status, _ = await pg.invoke(pg.thread_of(first), first["message"]["messageId"], "Bob Builder", "ideas.add",
                                {"step_id": step_id, "idea_text": "Walking meetings"}, trigger="manual")
    assert status == 200

    # Blend stops before the deadline and is down when it passes.
    await blend.stop()
    assert blend._proc.returncode == 0, blend.log_tail()
    trajectory, jobs = await stored(database_url)
    assert [(j.kind, j.state) for j in jobs[step_id]] == [(JobKind.DEADLINE, JobState.PENDING)]
    await asyncio.sleep(max((deadline - datetime.now(timezone.utc)).total_seconds() + 1, 0))

    mark = len(pg.conversation_events)
    await blend.start()
    summary = await pg.wait_for_card("Ideas collected in", since=mark, timeout=20, actions=("createMessage",))
    assert_valid_card(summary["message"]["attachments"][0]["content"])
    assert pg.card_contains(summary, "Walking meetings")
    second = await pg.wait_for_card("Round two", since=mark, timeout=20, actions=("createMessage",))
    assert find_actions(second["message"]["attachments"][0]["content"], "ideas.add")
    await pg.wait_for_bot_message(lambda e: "has passed" in (e["message"].get("text") or ""), since=mark)

    # A few more runner passes: nothing happens twice.
    await asyncio.sleep(float(INTERVAL) * 6)
    assert len(summaries(pg, mark)) == 1
    assert len([e for e in pg.bot_messages(mark, ("createMessage",)) if pg.card_contains(e, "Round two")
                and find_actions(e["message"]["attachments"][0]["content"], "ideas.add")]) == 1
    trajectory, jobs = await stored(database_url)
    assert [str(s.state) for s in trajectory.steps] == ["closed", "open"]
    [deadline_job] = [j for j in jobs[step_id] if j.kind is JobKind.DEADLINE]  # (its file is a job of its own)
    assert (deadline_job.state, deadline_job.attempts) == (JobState.DONE, 1)
    assert [j.kind for j in jobs[trajectory.steps[1].id]] == [JobKind.DEADLINE]
    assert all(r.status in (200, 201) for r in pg.bot_requests())


async def test_reminders_reach_non_contributors_in_1on1_chats(blend, database_url, playground_factory):
    pg = await playground_factory(blend.port)
    setup = await new_trajectory(pg, "Reminder drill", 1)
    # Deadline an hour and a few seconds ahead; the reminder one hour before it is seconds away.
    deadline = datetime.now(timezone.utc) + timedelta(hours=1, seconds=6)
    day, time = local(pg, deadline)
    mark = len(pg.conversation_events)
    await setup.act("setup.start", {
        "title": "Reminder drill", "question": "What should we try?", "auto_advance": "false",
        "reminder_hours": "1", "step_0_title": "Round one", "step_0_deadline_date": day, "step_0_deadline_time": time,
    })
    card = await pg.wait_for_card("Round one", since=mark, actions=("createMessage",))
    step_id = find_actions(card["message"]["attachments"][0]["content"], "ideas.add")[0]["data"]["step_id"]
    log_mark = len(pg.log_events)
    status, _ = await pg.invoke(pg.thread_of(card), card["message"]["messageId"], "Bob Builder", "ideas.add",
                                {"step_id": step_id, "idea_text": "Quiet Fridays"}, trigger="manual")
    assert status == 200

    everyone = {u["id"] for u in pg.users()}
    expected = everyone - {pg.user("Bob Builder")["id"]}

    def reminded() -> set[str]:
        return {member["id"] for call in pg.connector_calls(log_mark) if call.get("activityName") == "createConversation"
                for member in ((call.get("request") or {}).get("body") or {}).get("members", [])}

    def reminders() -> list[dict]:
        bodies = [(call, (call.get("request") or {}).get("body") or {}) for call in pg.connector_calls(log_mark)]
        return [call for call, body in bodies if call.get("activityName") == "message" and body.get("conversation")
                and "closes soon" in json.dumps(body, ensure_ascii=False)]

    # The Playground's log stream is the only place that shows chats without its current user.
    loop = asyncio.get_running_loop()
    until = loop.time() + 30
    while (reminded() != expected or len(reminders()) < len(expected)) and loop.time() < until:
        await asyncio.sleep(0.2)
    assert reminded() == expected  # five people, never Bob
    assert len(reminders()) == len(expected) == len({c["request"]["body"]["conversation"]["id"] for c in reminders()})
    assert all((call.get("response") or {}).get("statusCode") in (200, 201) for call in pg.connector_calls(log_mark))
    for call in reminders():
        for attachment in call["request"]["body"].get("attachments", []):
            assert_valid_card(attachment["content"])
    # Alice's 1:1 chat is the Playground's personal chat: she sees the card there.
    mine = await pg.wait_for_bot_message(lambda e: e["actionConversationId"] == pg.personal_chat_id
                                         and pg.card_contains(e, "closes soon"), actions=("createMessage",))
    assert pg.card_contains(mine, "Round one") and pg.card_contains(mine, "about 1 hour left")

    trajectory, jobs = await stored(database_url)
    reminder = next(j for j in jobs[step_id] if j.kind is JobKind.REMINDER)
    assert (reminder.state, reminder.last_error) == (JobState.DONE, None)
    assert str(trajectory.steps[0].state) == "open"  # the deadline itself is an hour away
