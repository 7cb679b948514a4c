"""GraphMemberDirectory against the double: paging, members without e-mail, errors."""

from __future__ import annotations

import pytest

from graph.directory import GraphMemberDirectory
from trajectory.meetings import Attendee, SchedulingError, SchedulingFailure

GROUP = "6f1a3f0c-7d2e-4b8a-9c61-2f5d0e4b7a10"
CHANNEL = "19:a1b2c3@thread.tacv2"


async def test_members_with_an_e_mail_across_pages(client, double):
    double.members[(GROUP, CHANNEL)] = [
        {"displayName": "Ann Example", "email": "ann@contoso.com"},
        {"displayName": "Guest Without Mail", "email": None},
        {"displayName": "Bob", "email": "bob@contoso.com"},
        {"displayName": "Bob again", "email": "BOB@contoso.com"},  # the same mailbox twice
        {"displayName": "Cleo", "email": "cleo@contoso.com"},
    ]
    double.page_size = 2

    attendees = await GraphMemberDirectory(client).channel_attendees(GROUP, CHANNEL)

    assert attendees == [
        Attendee("Ann Example", "ann@contoso.com"),
        Attendee("Bob", "bob@contoso.com"),
        Attendee("Cleo", "cleo@contoso.com"),
    ]
    pages = double.calls("GET", "/members")
    assert [p.path for p in pages] == [f"/v1.0/teams/{GROUP}/channels/{CHANNEL}/members"] * 3
    assert [p.query.get("$skiptoken") for p in pages] == [None, "2", "4"]


async def test_teams_thread_id_is_refused_before_any_request(client, double):
    with pytest.raises(SchedulingError) as raised:
        await GraphMemberDirectory(client).channel_attendees("19:team@thread.tacv2", CHANNEL)
    assert raised.value.failure is SchedulingFailure.INVALID
    assert not double.requests


@pytest.mark.parametrize(
    ("status", "failure"), [(403, SchedulingFailure.CONSENT), (404, SchedulingFailure.NOT_FOUND)]
)
async def test_errors_are_mapped(client, double, status, failure):
    double.script("GET", "/members", status, code="Forbidden" if status == 403 else "NotFound")
    with pytest.raises(SchedulingError) as raised:
        await GraphMemberDirectory(client).channel_attendees(GROUP, CHANNEL)
    assert raised.value.failure is failure


async def test_a_slow_directory_times_out(client, double):
    double.members[(GROUP, CHANNEL)] = []
    double.script("GET", "/members", 200, delay=5)
    with pytest.raises(SchedulingError) as raised:
        await GraphMemberDirectory(client, timeout=0.3).channel_attendees(GROUP, CHANNEL)
    assert raised.value.failure is SchedulingFailure.TIMEOUT
