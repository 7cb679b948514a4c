"""The domain's repository ports over SQL. Rows become dataclasses by hand, here and only here.

Everything runs in the caller's session (the unit of work); nothing here commits.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Iterable, Mapping

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from trajectory.errors import MergeTargetUnavailable, NotFound, StaleVersion, TrajectoryExists
from trajectory.kinds.ideas import Idea, IdeaState
from trajectory.model import CardRef, ChannelRef, Mode, Person, Step, StepState, Trajectory, TrajectoryState
from trajectory.ports import ChannelInfo

from . import models as m
from .dialect import upsert_insert


def _unique(people: Iterable[Person]) -> list[Person]:
    """First occurrence of each aad_id, in order: (team/trajectory, aad_id) is a primary key."""
    first: dict[str, Person] = {}
    for person in people:
        first.setdefault(person.aad_id, person)
    return list(first.values())


# ---------------------------------------------------------------- trajectories


def _person(aad_id: str, name: str, user_id: str) -> Person:
    return Person(aad_id=aad_id, name=name, user_id=user_id)


def _to_step(row: Mapping[str, Any], p: str = "") -> Step:
    """A step from a row of ``steps`` (its columns prefixed with ``p`` in a joined row)."""
    card_activity_id = row[p + "card_activity_id"]
    card = CardRef(row[p + "card_conversation_id"], card_activity_id) if card_activity_id else None
    return Step(
        kind=row[p + "kind"],
        mode=Mode(row[p + "mode"]),
        title=row[p + "title"],
        prompt=row[p + "prompt"],
        settings=dict(row[p + "settings"] or {}),
        state=StepState(row[p + "state"]),
        deadline=row[p + "deadline"],
        opened_at=row[p + "opened_at"],
        closed_at=row[p + "closed_at"],
        card=card,
        id=row[p + "id"],
        position=row[p + "position"],
    )


def _to_trajectory(row: sa.Row[Any], steps: list[Step], people: list[sa.Row[Any]]) -> Trajectory:
    return Trajectory(
        channel=ChannelRef(tenant_id=row.tenant_id, team_id=row.team_id, channel_id=row.channel_id),
        title=row.title,
        question=row.question,
        created_by=_person(row.created_by_aad_id, row.created_by_name, row.created_by_user_id),
        created_at=row.created_at,
        facilitators=[_person(p.aad_id, p.name, p.user_id) for p in people],
        steps=steps,
        settings=dict(row.settings or {}),
        state=TrajectoryState(row.state),
        started_at=row.started_at,
        closed_at=row.closed_at,
        version=row.version,
        id=row.id,
    )


def _mutable_trajectory_values(t: Trajectory) -> dict[str, Any]:
    return {
        "title": t.title,
        "question": t.question,
        "settings": dict(t.settings),
        "state": t.state.value,
        "started_at": t.started_at,
        "closed_at": t.closed_at,
    }


def _mutable_step_values(s: Step) -> dict[str, Any]:
    # Not the card: set_step_card owns it, so a save from an older copy cannot erase it.
    # Not the position: only replace_steps reorders (it would trip the unique constraint).
    return {
        "kind": s.kind,
        "mode": s.mode.value,
        "title": s.title,
        "prompt": s.prompt,
        "settings": dict(s.settings),
        "state": s.state.value,
        "deadline": s.deadline,
        "opened_at": s.opened_at,
        "closed_at": s.closed_at,
    }


class SqlTrajectoryRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, trajectory: Trajectory) -> Trajectory:
        """Insert the trajectory, its facilitators and steps; sets ``id`` on it and its steps."""
        t = trajectory
        values = {
            **_mutable_trajectory_values(t),
            "tenant_id": t.channel.tenant_id,
            "team_id": t.channel.team_id,
            "channel_id": t.channel.channel_id,
            "created_by_aad_id": t.created_by.aad_id,
            "created_by_name": t.created_by.name,
            "created_by_user_id": t.created_by.user_id,
            "created_at": t.created_at,
            "version": t.version,
        }
        try:
            # A savepoint, so that losing the race for the channel leaves a usable transaction
            # in which to name the winner.
            async with self._session.begin_nested():
                insert = sa.insert(m.trajectories).values(values).returning(m.trajectories.c.id)
                new_id = (await self._session.execute(insert)).scalar_one()
        except IntegrityError:
            existing = await self.active_in_channel(t.channel.channel_id) if t.state.active else None
            if existing is None:
                raise
            raise TrajectoryExists(title=existing.title) from None
        t.id = new_id
        await self._write_facilitators(t)
        await self._insert_steps(t)
        return t

    async def get(self, trajectory_id: int) -> Trajectory | None:
        return await self._load(m.trajectories.c.id == trajectory_id)

    async def active_in_channel(self, channel_id: str) -> Trajectory | None:
        return await self._load_from(_ACTIVE_IN_CHANNEL, {"channel_id": channel_id})

    async def by_step(self, step_id: int) -> Trajectory | None:
        return await self._load_from(_BY_STEP, {"step_id": step_id})

    async def home_of(self, kind: str, object_id: int) -> tuple[int, ChannelRef] | None:
        # One statement, the trajectory row only: every click's scope check asks this.
        t, steps = m.trajectories, m.steps
        if kind == "trajectory":
            owner: Any = sa.literal(object_id)
        elif kind == "step":
            owner = sa.select(steps.c.trajectory_id).where(steps.c.id == object_id).scalar_subquery()
        else:
            table = {"idea": m.ideas, "clarification": m.clarifications}[kind]
            owner = (sa.select(steps.c.trajectory_id).join(table, table.c.step_id == steps.c.id)
                     .where(table.c.id == object_id).scalar_subquery())
        select = sa.select(t.c.id, t.c.tenant_id, t.c.team_id, t.c.channel_id).where(t.c.id == owner)
        row = (await self._session.execute(select)).first()
        if row is None:
            return None
        return row.id, ChannelRef(tenant_id=row.tenant_id, team_id=row.team_id, channel_id=row.channel_id)

    async def save(self, trajectory: Trajectory, *, replace_steps: bool = False) -> None:
        """Write back; ``StaleVersion`` if the stored version is no longer the one loaded.

        ``replace_steps`` (drafts only) swaps the stored steps for the given ones, with new ids.
        """
        t = trajectory
        if t.id is None:
            raise ValueError("save() needs a trajectory that was added")
        if not replace_steps and any(s.id is None for s in t.steps):
            raise ValueError("new steps can only be saved with replace_steps=True")
        table = m.trajectories
        update = (
            sa.update(table)
            .where(table.c.id == t.id, table.c.version == t.version)
            .values(**_mutable_trajectory_values(t), version=table.c.version + 1)
        )
        if (await self._session.execute(update)).rowcount != 1:
            raise StaleVersion(trajectory_id=t.id)
        await self._session.execute(sa.delete(m.facilitators).where(m.facilitators.c.trajectory_id == t.id))
        await self._write_facilitators(t)
        if replace_steps:
            await self._session.execute(sa.delete(m.steps).where(m.steps.c.trajectory_id == t.id))
            await self._insert_steps(t)
        else:
            await self._update_steps(t)
        t.version += 1

    async def set_step_card(self, step_id: int, card: CardRef) -> None:
        update = (
            sa.update(m.steps)
            .where(m.steps.c.id == step_id)
            .values(card_conversation_id=card.conversation_id, card_activity_id=card.activity_id)
        )
        if (await self._session.execute(update)).rowcount != 1:
            raise NotFound(what="step", step_id=step_id)

    async def _load(self, *where: sa.ColumnElement[bool]) -> Trajectory | None:
        select = sa.select(m.trajectories).where(*where).order_by(m.trajectories.c.id.desc()).limit(1)
        return await self._load_from(_with_steps(select), {})

    async def _load_from(self, select: sa.Select[Any], params: dict[str, Any]) -> Trajectory | None:
        # Two queries whatever the number of steps: the row joined with its steps, its facilitators.
        rows = (await self._session.execute(select, params)).all()
        if not rows:
            return None
        row = rows[0]
        steps = [_to_step(r._mapping, _STEP) for r in rows if r.step_id is not None]
        people = await self._session.execute(_FACILITATORS_OF, {"trajectory_id": row.id})
        return _to_trajectory(row, steps, list(people))

    async def _write_facilitators(self, t: Trajectory) -> None:
        rows = [
            {"trajectory_id": t.id, "aad_id": p.aad_id, "name": p.name, "user_id": p.user_id, "position": i}
            for i, p in enumerate(_unique(t.facilitators))
        ]
        if rows:
            await self._session.execute(sa.insert(m.facilitators), rows)

    async def _insert_steps(self, t: Trajectory) -> None:
        # The list order is the order: positions are rewritten 0..n-1.
        for i, step in enumerate(t.steps):
            step.position = i
        if not t.steps:
            return
        rows = [
            {
                **_mutable_step_values(s),
                "trajectory_id": t.id,
                "position": s.position,
                "card_conversation_id": s.card.conversation_id if s.card else None,
                "card_activity_id": s.card.activity_id if s.card else None,
            }
            for s in t.steps
        ]
        insert = sa.insert(m.steps).returning(m.steps.c.id, sort_by_parameter_order=True)
        ids = (await self._session.execute(insert, rows)).scalars().all()
        for step, step_id in zip(t.steps, ids, strict=True):
            step.id = step_id

    async def _update_steps(self, t: Trajectory) -> None:
        if not t.steps:
            return
        update = sa.update(m.steps).where(
            m.steps.c.id == sa.bindparam("b_id"), m.steps.c.trajectory_id == sa.bindparam("b_trajectory_id")
        )
        rows = [{**_mutable_step_values(s), "b_id": s.id, "b_trajectory_id": t.id} for s in t.steps]
        await self._session.execute(update, rows)  # one executemany


# ---------------------------------------------------------------- ideas


def _to_idea(row: sa.Row[Any]) -> Idea:
    return Idea(
        step_id=row.step_id,
        author=_person(row.author_aad_id, row.author_name, row.author_user_id),
        text=row.text,
        created_at=row.created_at,
        updated_at=row.updated_at,
        state=IdeaState(row.state),
        version=row.version,
        id=row.id,
        merged_into=row.merged_into,
    )


# Statements every click runs, built once with bound parameters: composing a statement costs several
# times executing it from SQLAlchemy's cache (issue 9).
_STEP = "step_"  # the prefix of a step's columns in a trajectory's row joined with its steps


def _with_steps(trajectory: sa.Select[Any]) -> sa.Select[Any]:
    """The one trajectory ``trajectory`` selects, a row per step (in order; one row with NULL step
    columns when it has none): the trajectory and its steps in one statement."""
    t = trajectory.subquery("t")
    steps = m.steps.c
    return (sa.select(t, *(c.label(_STEP + c.name) for c in steps))
            .select_from(t.outerjoin(m.steps, steps.trajectory_id == t.c.id))
            .order_by(steps.position))


_BY_STEP = _with_steps(sa.select(m.trajectories)
                       .where(m.trajectories.c.id == sa.select(m.steps.c.trajectory_id)
                              .where(m.steps.c.id == sa.bindparam("step_id")).scalar_subquery())
                       .order_by(m.trajectories.c.id.desc()).limit(1))
_ACTIVE_IN_CHANNEL = _with_steps(sa.select(m.trajectories)
                                 .where(m.trajectories.c.channel_id == sa.bindparam("channel_id"),
                                        m.trajectories.c.state.in_(m.ACTIVE_STATES))
                                 .order_by(m.trajectories.c.id.desc()).limit(1))
_FACILITATORS_OF = (sa.select(m.facilitators).where(m.facilitators.c.trajectory_id == sa.bindparam("trajectory_id"))
                    .order_by(m.facilitators.c.position))
_MEMBER_COUNT = sa.select(sa.func.count()).select_from(m.members).where(m.members.c.team_id == sa.bindparam("team_id"))
# Members with a user id first, so the first ``limit`` rows hold all of them when there are that few;
# the window counts every member of the team before the limit applies.
_USER_IDS = (sa.select(m.members.c.user_id, sa.func.count().over().label("members"))
             .where(m.members.c.team_id == sa.bindparam("team_id"))
             .order_by(sa.case((sa.func.coalesce(m.members.c.user_id, "") == "", 1), else_=0),
                       m.members.c.name, m.members.c.aad_id)
             .limit(sa.bindparam("limit")))
_MEMBERS = (sa.select(m.members).where(m.members.c.team_id == sa.bindparam("team_id"))
            .order_by(m.members.c.name, m.members.c.aad_id))

# Active = not withdrawn and not merged into another idea (what a card lists and a vote offers).
_ACTIVE_IDEA = sa.and_(m.ideas.c.state == IdeaState.ACTIVE.value, m.ideas.c.merged_into.is_(None))

# What every idea click reads for the live card, built once (see above).
_IDEA_OF_STEP = m.ideas.c.step_id == sa.bindparam("step_id")
# The author's active ideas and everyone's, in one statement (an idea's caps, before it is added).
_ACTIVE_COUNTS = sa.select(
    sa.func.sum(sa.case((m.ideas.c.author_aad_id == sa.bindparam("aad_id"), 1), else_=0)),
    sa.func.count(),
).where(_IDEA_OF_STEP, _ACTIVE_IDEA)
_CARD_COUNTS = sa.select(
    sa.func.coalesce(sa.func.sum(sa.case((m.ideas.c.merged_into.is_(None), 1), else_=0)), 0),
    sa.func.count(sa.distinct(m.ideas.c.author_aad_id)),
).where(_IDEA_OF_STEP, m.ideas.c.state == IdeaState.ACTIVE.value)
# One page of active ideas, and every merged duplicate of the step: they are few (a facilitator
# merges them one by one), and chains of merges then resolve to the page's ideas.
_CARD_PAGE = (
    sa.select(m.ideas)
    .where(_IDEA_OF_STEP, m.ideas.c.state == IdeaState.ACTIVE.value,
           sa.or_(m.ideas.c.merged_into.is_not(None), m.ideas.c.id.in_(
               sa.select(m.ideas.c.id).where(_IDEA_OF_STEP, _ACTIVE_IDEA)
               .order_by(m.ideas.c.created_at, m.ideas.c.id)
               .offset(sa.bindparam("start", type_=sa.Integer)).limit(sa.bindparam("limit", type_=sa.Integer)))))
    .order_by(m.ideas.c.created_at, m.ideas.c.id)
)
_ACTIVE_BY_AUTHOR = (sa.select(m.ideas)
                     .where(_IDEA_OF_STEP, m.ideas.c.author_aad_id == sa.bindparam("aad_id"), _ACTIVE_IDEA)
                     .order_by(m.ideas.c.created_at, m.ideas.c.id))


class SqlIdeaRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, idea: Idea) -> Idea:
        values = {
            "step_id": idea.step_id,
            "author_aad_id": idea.author.aad_id,
            "author_name": idea.author.name,
            "author_user_id": idea.author.user_id,
            "text": idea.text,
            "state": idea.state.value,
            "created_at": idea.created_at,
            "updated_at": idea.updated_at,
            "version": idea.version,
        }
        insert = sa.insert(m.ideas).values(values).returning(m.ideas.c.id)
        idea.id = (await self._session.execute(insert)).scalar_one()
        return idea

    async def get(self, idea_id: int) -> Idea | None:
        row = (await self._session.execute(sa.select(m.ideas).where(m.ideas.c.id == idea_id))).first()
        return _to_idea(row) if row else None

    async def save(self, idea: Idea, expected_version: int) -> None:
        """Write text and state back if the stored version is ``expected_version``, else StaleVersion."""
        update = (
            sa.update(m.ideas)
            .where(m.ideas.c.id == idea.id, m.ideas.c.version == expected_version)
            .values(text=idea.text, state=idea.state.value, updated_at=idea.updated_at, version=m.ideas.c.version + 1)
        )
        if (await self._session.execute(update)).rowcount != 1:
            raise StaleVersion(idea_id=idea.id)
        idea.version = expected_version + 1

    async def active_for_step(self, step_id: int) -> list[Idea]:
        select = (
            sa.select(m.ideas)
            .where(m.ideas.c.step_id == step_id, _ACTIVE_IDEA)
            .order_by(m.ideas.c.created_at, m.ideas.c.id)
        )
        return [_to_idea(r) for r in await self._session.execute(select)]

    async def active_counts(self, step_id: int, aad_id: str) -> tuple[int, int]:
        mine, everyone = (await self._session.execute(_ACTIVE_COUNTS, {"step_id": step_id, "aad_id": aad_id})).one()
        return int(mine or 0), int(everyone)

    async def card_counts(self, step_id: int) -> tuple[int, int]:
        active, authors = (await self._session.execute(_CARD_COUNTS, {"step_id": step_id})).one()
        return int(active), int(authors)

    async def card_page(self, step_id: int, start: int, limit: int) -> list[Idea]:
        rows = await self._session.execute(_CARD_PAGE, {"step_id": step_id, "start": start, "limit": limit})
        return [_to_idea(r) for r in rows]

    async def active_by_author(self, step_id: int, aad_id: str) -> list[Idea]:
        rows = await self._session.execute(_ACTIVE_BY_AUTHOR, {"step_id": step_id, "aad_id": aad_id})
        return [_to_idea(r) for r in rows]

    async def author_ids(self, step_id: int) -> set[str]:
        ideas = m.ideas
        select = sa.select(ideas.c.author_aad_id).distinct().where(
            ideas.c.step_id == step_id, ideas.c.state == IdeaState.ACTIVE.value)
        return set((await self._session.execute(select)).scalars())

    # ---- merges and the summary card (clarifications on ideas)

    async def in_step(self, step_id: int) -> list[Idea]:
        """Active and merged ideas (not withdrawn), oldest first: what a card shows, merges included."""
        select = (
            sa.select(m.ideas)
            .where(m.ideas.c.step_id == step_id, m.ideas.c.state == IdeaState.ACTIVE.value)
            .order_by(m.ideas.c.created_at, m.ideas.c.id)
        )
        return [_to_idea(r) for r in await self._session.execute(select)]

    async def merge(self, idea: Idea, expected_version: int) -> None:
        """Store ``idea.merged_into`` if the idea is still at ``expected_version`` and unmerged and the
        target still active; StaleVersion / MergeTargetUnavailable otherwise.

        The target row is locked too (a no-op UPDATE), so a concurrent merge the other way round or a
        withdrawal of the target waits and then sees this one. Rows are locked in id order, so two
        merges of the same pair never deadlock on PostgreSQL.
        """
        assert idea.id is not None and idea.merged_into is not None
        table = m.ideas
        merge = (
            sa.update(table)
            .where(table.c.id == idea.id, table.c.version == expected_version, _ACTIVE_IDEA)
            .values(merged_into=idea.merged_into, updated_at=idea.updated_at, version=table.c.version + 1)
        )
        guard = sa.update(table).where(table.c.id == idea.merged_into, _ACTIVE_IDEA).values(version=table.c.version)
        statements = [
            (idea.id, merge, StaleVersion(idea_id=idea.id)),
            (idea.merged_into, guard, MergeTargetUnavailable(idea_id=idea.merged_into)),
        ]
        for _, statement, refusal in sorted(statements, key=lambda row: row[0]):
            if (await self._session.execute(statement)).rowcount != 1:
                raise refusal
        idea.version = expected_version + 1

    async def unmerge(self, idea: Idea, expected_version: int) -> None:
        update = (
            sa.update(m.ideas)
            .where(m.ideas.c.id == idea.id, m.ideas.c.version == expected_version, m.ideas.c.merged_into.is_not(None))
            .values(merged_into=None, updated_at=idea.updated_at, version=m.ideas.c.version + 1)
        )
        if (await self._session.execute(update)).rowcount != 1:
            raise StaleVersion(idea_id=idea.id)
        idea.version = expected_version + 1

    async def release_merged_into(self, idea_id: int, now: datetime) -> int:
        """Ideas merged into ``idea_id`` stand on their own again (it was withdrawn); how many."""
        update = (
            sa.update(m.ideas)
            .where(m.ideas.c.merged_into == idea_id)
            .values(merged_into=None, updated_at=now, version=m.ideas.c.version + 1)
        )
        return (await self._session.execute(update)).rowcount

    async def summary_card(self, step_id: int) -> CardRef | None:
        select = sa.select(m.summary_cards).where(m.summary_cards.c.step_id == step_id)
        row = (await self._session.execute(select)).first()
        return CardRef(row.conversation_id, row.activity_id) if row else None

    async def set_summary_card(self, step_id: int, card: CardRef) -> None:
        insert = upsert_insert(self._session, m.summary_cards).values(
            step_id=step_id, conversation_id=card.conversation_id, activity_id=card.activity_id
        )
        insert = insert.on_conflict_do_update(
            index_elements=[m.summary_cards.c.step_id],
            set_={"conversation_id": insert.excluded.conversation_id, "activity_id": insert.excluded.activity_id},
        )
        await self._session.execute(insert)


# ---------------------------------------------------------------- channels and rosters


def _known(new: Any, old: sa.Column[Any]) -> sa.ColumnElement[Any]:
    """The new name unless it is empty: not every activity carries team and channel names."""
    return sa.func.coalesce(sa.func.nullif(new, ""), old)


class SqlChannelRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def upsert(self, channel: ChannelInfo) -> None:
        """Insert or update the channel (and its team) in one statement each: safe under races."""
        ref = channel.ref
        if ref.team_id:
            team = upsert_insert(self._session, m.teams).values(
                id=ref.team_id,
                tenant_id=ref.tenant_id,
                name=channel.team_name,
                aad_group_id=channel.aad_group_id or None,
            )
            team = team.on_conflict_do_update(
                index_elements=[m.teams.c.id],
                set_={
                    "tenant_id": team.excluded.tenant_id,
                    "name": _known(team.excluded.name, m.teams.c.name),
                    "aad_group_id": _known(team.excluded.aad_group_id, m.teams.c.aad_group_id),
                },
            )
            await self._session.execute(team)
        row = upsert_insert(self._session, m.channels).values(
            id=ref.channel_id,
            team_id=ref.team_id,
            tenant_id=ref.tenant_id,
            service_url=channel.service_url,
            conversation_reference=channel.conversation_reference,
            team_name=channel.team_name,
            channel_name=channel.channel_name,
            updated_at=datetime.now(UTC),
        )
        new = row.excluded
        row = row.on_conflict_do_update(
            index_elements=[m.channels.c.id],
            set_={
                "team_id": new.team_id,
                "tenant_id": new.tenant_id,
                "service_url": new.service_url,
                "conversation_reference": new.conversation_reference,
                "team_name": _known(new.team_name, m.channels.c.team_name),
                "channel_name": _known(new.channel_name, m.channels.c.channel_name),
                "updated_at": new.updated_at,
            },
        )
        await self._session.execute(row)

    async def get(self, channel_id: str) -> ChannelInfo | None:
        group = sa.select(m.teams.c.aad_group_id).where(m.teams.c.id == m.channels.c.team_id).scalar_subquery()
        select = sa.select(m.channels, group.label("aad_group_id")).where(m.channels.c.id == channel_id)
        row = (await self._session.execute(select)).first()
        if row is None:
            return None
        return ChannelInfo(
            ref=ChannelRef(tenant_id=row.tenant_id, team_id=row.team_id, channel_id=row.id),
            service_url=row.service_url,
            conversation_reference=dict(row.conversation_reference or {}),
            team_name=row.team_name,
            channel_name=row.channel_name,
            aad_group_id=row.aad_group_id or "",
        )

    async def replace_members(self, team_id: str, members: list[Person]) -> None:
        await self._session.execute(sa.delete(m.members).where(m.members.c.team_id == team_id))
        rows = [
            {"team_id": team_id, "aad_id": p.aad_id, "name": p.name, "user_id": p.user_id} for p in _unique(members)
        ]
        if rows:
            await self._session.execute(sa.insert(m.members), rows)

    async def member_count(self, team_id: str) -> int:
        return int((await self._session.execute(_MEMBER_COUNT, {"team_id": team_id})).scalar_one())

    async def user_ids(self, team_id: str, limit: int) -> tuple[list[str], int]:
        rows = (await self._session.execute(_USER_IDS, {"team_id": team_id, "limit": limit})).all()
        return [r.user_id for r in rows if r.user_id], (int(rows[0].members) if rows else 0)

    async def members(self, team_id: str) -> list[Person]:
        rows = await self._session.execute(_MEMBERS, {"team_id": team_id})
        return [_person(r.aad_id, r.name, r.user_id) for r in rows]
