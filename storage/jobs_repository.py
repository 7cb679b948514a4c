"""The jobs port (trajectory/jobs.py) over SQL: storing, voiding, claiming with a lease, finishing.

Claiming: one UPDATE ... WHERE id IN (SELECT ... LIMIT n) RETURNING. On PostgreSQL the inner
SELECT takes FOR UPDATE SKIP LOCKED, so instances claiming at once get disjoint jobs without
waiting on each other. On SQLite the unit of work's BEGIN IMMEDIATE already serialises writers,
so the same statement is enough for the one process that may use the file.

Every later write of a running job is conditional on the claim (claimed_by and attempts, which
each claim increments): a worker whose lease ran out and whose job was claimed again changes
nothing (LeaseLost), so its transaction rolls back whole.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from trajectory.jobs import VOIDABLE, Job, JobKind, JobState, LeaseLost

from . import models as m
from .dialect import upsert_insert

MAX_ERROR_LENGTH = 2000
_SENT = "sent"
_FAILED = "failed"


def _to_job(row: sa.Row[Any]) -> Job:
    return Job(
        kind=JobKind(row.kind),
        trajectory_id=row.trajectory_id,
        step_id=row.step_id,
        due_at=row.due_at,
        payload=dict(row.payload or {}),
        state=JobState(row.state),
        attempts=row.attempts,
        last_error=row.last_error,
        id=row.id,
    )


def _clip(error: str | None) -> str | None:
    return error[:MAX_ERROR_LENGTH] if error else error


class SqlJobRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, jobs: list[Job]) -> None:
        if not jobs:
            return
        created = datetime.now(UTC)  # bookkeeping only; due times come from the domain's clock
        rows = [
            {
                "kind": j.kind.value, "trajectory_id": j.trajectory_id, "step_id": j.step_id, "due_at": j.due_at,
                "payload": dict(j.payload), "state": j.state.value, "attempts": j.attempts, "created_at": created,
            }
            for j in jobs
        ]
        insert = upsert_insert(self._session, m.jobs).on_conflict_do_nothing(
            index_elements=[m.jobs.c.step_id, m.jobs.c.kind, m.jobs.c.due_at]
        )
        await self._session.execute(insert, rows)

    async def cancel_pending(self, step_ids: list[int], now: datetime) -> int:
        update = (
            sa.update(m.jobs)
            .where(m.jobs.c.step_id.in_(step_ids), m.jobs.c.state == JobState.PENDING.value,
                   m.jobs.c.kind.in_([k.value for k in VOIDABLE]))
            .values(state=JobState.CANCELLED.value, finished_at=now)
        )
        return (await self._session.execute(update)).rowcount

    async def claim_due(self, now: datetime, worker: str, lease_until: datetime, limit: int) -> list[Job]:
        j = m.jobs.c
        claimable = sa.or_(
            sa.and_(j.state == JobState.PENDING.value, j.due_at <= now,
                    sa.or_(j.claimed_until.is_(None), j.claimed_until <= now)),
            # A running job whose instance died (or hangs) past its lease.
            sa.and_(j.state == JobState.RUNNING.value, j.claimed_until <= now),
        )
        due = sa.select(j.id).where(claimable).order_by(j.due_at, j.id).limit(limit)
        if self._session.get_bind().dialect.name == "postgresql":
            due = due.with_for_update(skip_locked=True)
        # A materialised CTE runs once. As a plain IN (subquery) PostgreSQL may re-run the locking
        # SELECT per row and, skipping rows this very UPDATE changed, claim more than ``limit``.
        due_ids = due.cte("due").prefix_with("MATERIALIZED", dialect="postgresql")
        update = (
            sa.update(m.jobs)
            .where(j.id.in_(sa.select(due_ids.c.id)), claimable)
            .values(state=JobState.RUNNING.value, claimed_by=worker, claimed_until=lease_until,
                    attempts=j.attempts + 1)
            .returning(*m.jobs.c)
        )
        claimed = [_to_job(r) for r in await self._session.execute(update)]
        return sorted(claimed, key=lambda job: (job.due_at, job.id or 0))

    def _held(self, job: Job, worker: str) -> sa.ColumnElement[bool]:
        j = m.jobs.c
        return sa.and_(j.id == job.id, j.state == JobState.RUNNING.value, j.claimed_by == worker,
                       j.attempts == job.attempts)

    async def _update_held(self, job: Job, worker: str, **values: Any) -> None:
        update = sa.update(m.jobs).where(self._held(job, worker)).values(**values)
        if (await self._session.execute(update)).rowcount != 1:
            raise LeaseLost(job.id)

    async def checkpoint(self, job: Job, worker: str, payload: dict[str, Any], lease_until: datetime) -> None:
        await self._update_held(job, worker, payload=dict(payload), claimed_until=lease_until)
        job.payload = dict(payload)

    async def finish(self, job: Job, worker: str, now: datetime, error: str | None = None) -> None:
        await self._update_held(job, worker, state=JobState.DONE.value, finished_at=now, last_error=_clip(error),
                                claimed_until=None)
        job.state, job.last_error = JobState.DONE, _clip(error)

    async def release(self, job: Job, worker: str, error: str, retry_at: datetime, give_up: bool) -> None:
        if give_up:
            values: dict[str, Any] = {"state": JobState.FAILED.value, "finished_at": retry_at, "claimed_until": None}
        else:
            values = {"state": JobState.PENDING.value, "claimed_by": None, "claimed_until": retry_at}
        await self._update_held(job, worker, last_error=_clip(error), **values)

    async def for_step(self, step_id: int) -> list[Job]:
        select = sa.select(m.jobs).where(m.jobs.c.step_id == step_id).order_by(m.jobs.c.due_at, m.jobs.c.id)
        return [_to_job(r) for r in await self._session.execute(select)]

    async def sent_to(self, job_id: int) -> set[str]:
        r = m.reminder_sends.c
        select = sa.select(r.aad_id).where(r.job_id == job_id, r.state == _SENT)
        return set((await self._session.execute(select)).scalars())

    async def record_send(
        self, job: Job, worker: str, aad_id: str, error: str | None, now: datetime, lease_until: datetime
    ) -> None:
        await self._update_held(job, worker, claimed_until=lease_until)
        state = _FAILED if error else _SENT
        insert = upsert_insert(self._session, m.reminder_sends).values(
            job_id=job.id, aad_id=aad_id, state=state, error=_clip(error), at=now
        )
        insert = insert.on_conflict_do_update(
            index_elements=[m.reminder_sends.c.job_id, m.reminder_sends.c.aad_id],
            set_={"state": insert.excluded.state, "error": insert.excluded.error, "at": insert.excluded.at},
        )
        await self._session.execute(insert)

    async def failed_sends(self, job_id: int) -> int:
        r = m.reminder_sends.c
        select = sa.select(sa.func.count()).where(r.job_id == job_id, r.state == _FAILED)
        return (await self._session.execute(select)).scalar_one()
