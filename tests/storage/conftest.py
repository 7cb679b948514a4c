"""Storage tests run on SQLite (a temp file) and, with BLEND_TEST_POSTGRES_URL set, PostgreSQL.

Each PostgreSQL test gets its own schema (search_path), dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import NullPool

from storage.database import create_engine, session_factory
from storage.migrate import migrate
from storage.unit_of_work import SqlUnitOfWork
from trajectory.model import ChannelRef, Person, Trajectory
from trajectory.setup import StepDraft, edit_draft, new_trajectory

PG_URL = os.environ.get("BLEND_TEST_POSTGRES_URL", "")

NOW = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)
ANN = Person(aad_id="aad-ann", name="Ann", user_id="29:ann")
BOB = Person(aad_id="aad-bob", name="Bob", user_id="29:bob")


def channel(channel_id: str = "19:chan@thread.tacv2") -> ChannelRef:
    return ChannelRef(tenant_id="tenant-1", team_id="19:team@thread.tacv2", channel_id=channel_id)


def draft(channel_id: str = "19:chan@thread.tacv2", steps: int = 1) -> Trajectory:
    """A real draft; with ``steps`` > 1 it is edited to that many steps and gets Bob as co-facilitator."""
    trajectory = new_trajectory(channel(channel_id), ANN, "Retro", NOW)
    if steps > 1:
        drafts = [
            StepDraft(kind="ideas", title=f"Step {i + 1}", settings={"max_per_person": i + 1},
                      deadline=NOW + timedelta(days=i + 1))
            for i in range(steps)
        ]
        edit_draft(trajectory, title="Retro", question="What next?", steps=drafts, co_facilitators=[BOB], now=NOW)
    return trajectory


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param(
            "postgres",
            marks=[pytest.mark.postgres, pytest.mark.skipif(not PG_URL, reason="BLEND_TEST_POSTGRES_URL not set")],
        ),
    ]
)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
async def bare_engine(backend: str, tmp_path) -> AsyncIterator[AsyncEngine]:
    """An engine on an empty database."""
    if backend == "sqlite":
        # A folder that does not exist yet: create_engine must make it.
        engine = create_engine(f"sqlite:///{tmp_path}/data/blend.db")
        yield engine
        await engine.dispose()
        return
    schema = f"t_{uuid.uuid4().hex[:16]}"
    admin = create_engine(PG_URL, poolclass=NullPool)
    async with admin.begin() as conn:
        await conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    engine = create_engine(PG_URL, connect_args={"server_settings": {"search_path": schema}})
    try:
        yield engine
    finally:
        await engine.dispose()
        async with admin.begin() as conn:
            await conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        await admin.dispose()


@pytest.fixture
async def engine(bare_engine: AsyncEngine) -> AsyncEngine:
    """An engine on a database migrated to head."""
    await migrate(bare_engine)
    return bare_engine


@pytest.fixture
def uow_factory(engine: AsyncEngine) -> Callable[[], SqlUnitOfWork]:
    sessions = session_factory(engine)
    return lambda: SqlUnitOfWork(sessions)
