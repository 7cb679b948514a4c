"""Channels (where to post later) and the team roster cache."""

from __future__ import annotations

import sqlalchemy as sa

from storage import models as m
from trajectory.model import Person
from trajectory.ports import ChannelInfo

from .conftest import ANN, BOB, channel

REFERENCE = {"conversation": {"id": "19:chan@thread.tacv2"}, "serviceUrl": "https://smba.example/emea/"}


def info(**changes) -> ChannelInfo:
    values = dict(ref=channel(), service_url="https://smba.example/emea/", conversation_reference=REFERENCE,
                  team_name="Team A", channel_name="General")  # fmt: skip
    return ChannelInfo(**{**values, **changes})


async def test_upsert_inserts_then_updates(uow_factory):
    async with uow_factory() as uow:
        assert await uow.channels.get(channel().channel_id) is None
        await uow.channels.upsert(info())
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.channels.get(channel().channel_id) == info()
        # Activities without names must not erase the names we know.
        moved = {**REFERENCE, "serviceUrl": "https://smba.example/amer/"}
        await uow.channels.upsert(
            info(service_url="https://smba.example/amer/", conversation_reference=moved, team_name="", channel_name="")
        )
        await uow.commit()
    async with uow_factory() as uow:
        stored = await uow.channels.get(channel().channel_id)
        team = (await uow.session.execute(sa.select(m.teams))).one()
    assert stored == info(service_url="https://smba.example/amer/", conversation_reference=moved)
    assert (team.id, team.tenant_id, team.name, team.aad_group_id) == (channel().team_id, "tenant-1", "Team A", None)


async def test_renames_are_kept(uow_factory):
    async with uow_factory() as uow:
        await uow.channels.upsert(info())
        await uow.channels.upsert(info(channel_name="Renamed", team_name="Team B"))
        await uow.commit()
        assert (await uow.channels.get(channel().channel_id)).channel_name == "Renamed"
        assert (await uow.session.execute(sa.select(m.teams.c.name))).scalar_one() == "Team B"


async def test_replace_members_and_list_by_name(uow_factory):
    team = channel().team_id
    zed = Person(aad_id="aad-zed", name="Zed")
    async with uow_factory() as uow:
        await uow.channels.replace_members(team, [zed, BOB, ANN, ANN])  # a duplicate is harmless
        await uow.channels.replace_members("other-team", [zed])
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.channels.members(team) == [ANN, BOB, zed]
        assert await uow.channels.member_count(team) == 3 and await uow.channels.member_count("no-team") == 0
        await uow.channels.replace_members(team, [BOB])
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.channels.members(team) == [BOB]
        assert await uow.channels.members("other-team") == [zed]
        await uow.channels.replace_members(team, [])
        assert await uow.channels.members(team) == []


async def test_user_ids_for_a_refresh_list_read_at_most_limit_rows_and_count_everyone(uow_factory):
    team = channel().team_id
    with_ids = [Person(aad_id=f"aad-{i:02d}", name=f"Member {i:02d}", user_id=f"29:m{i:02d}") for i in range(5)]
    without = [Person(aad_id=f"aad-x{i}", name=f"A no-id {i}", user_id="") for i in range(3)]  # sort first by name
    async with uow_factory() as uow:
        await uow.channels.replace_members(team, [*without, *with_ids])
        await uow.channels.replace_members("other-team", [Person(aad_id="aad-o", name="O", user_id="29:o")])
        await uow.commit()
    async with uow_factory() as uow:
        # All five ids fit in six rows although three members without one sort before them by name.
        assert await uow.channels.user_ids(team, 6) == ([p.user_id for p in with_ids], 8)
        ids, members = await uow.channels.user_ids(team, 3)  # more than fit: a prefix, and still every member counted
        assert ids == [p.user_id for p in with_ids[:3]] and members == 8
        assert await uow.channels.user_ids("no-team", 61) == ([], 0)
