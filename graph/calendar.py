"""MeetingScheduler on Microsoft Graph: one event in the organizer's calendar; Exchange sends the
invitations, updates and cancellations (application permission Calendars.ReadWrite)."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timezone
from typing import Any, Awaitable, TypeVar
from zoneinfo import ZoneInfo

from trajectory.meetings import MeetingRequest, ScheduledMeeting, SchedulingError, SchedulingFailure

from .errors import scheduling_error

log = logging.getLogger(__name__)
T = TypeVar("T")

DEFAULT_TIMEOUT = 30.0  # one whole call, the SDK's retries included

# The IANA names Graph's calendar API accepts besides Windows names (dateTimeTimeZone resource,
# v1.0 docs). Any other zone (e.g. Europe/Brussels) is sent as its UTC instant with "UTC": the
# instant is exact and Outlook shows it in each attendee's own zone.
GRAPH_IANA_ZONES = frozenset(
    """Etc/GMT+12 Etc/GMT+11 Pacific/Honolulu America/Anchorage America/Santa_Isabel America/Los_Angeles
    America/Phoenix America/Chihuahua America/Denver America/Guatemala America/Chicago America/Mexico_City
    America/Regina America/Bogota America/New_York America/Indiana/Indianapolis America/Caracas
    America/Asuncion America/Halifax America/Cuiaba America/La_Paz America/Santiago America/St_Johns
    America/Sao_Paulo America/Argentina/Buenos_Aires America/Cayenne America/Godthab America/Montevideo
    America/Bahia Etc/GMT+2 Atlantic/Azores Atlantic/Cape_Verde Africa/Casablanca Etc/GMT Europe/London
    Atlantic/Reykjavik Europe/Berlin Europe/Budapest Europe/Paris Europe/Warsaw Africa/Lagos Africa/Windhoek
    Europe/Bucharest Asia/Beirut Africa/Cairo Asia/Damascus Africa/Johannesburg Europe/Istanbul
    Asia/Jerusalem Asia/Amman Asia/Baghdad Europe/Kaliningrad Asia/Riyadh Africa/Nairobi Asia/Tehran
    Asia/Dubai Asia/Baku Europe/Moscow Indian/Mauritius Asia/Tbilisi Asia/Yerevan Asia/Kabul Asia/Karachi
    Asia/Kolkata Asia/Colombo Asia/Kathmandu Asia/Dhaka Asia/Yekaterinburg
    Asia/Bangkok Asia/Novosibirsk Asia/Shanghai Asia/Krasnoyarsk Asia/Singapore Australia/Perth
    Asia/Taipei Asia/Ulaanbaatar Asia/Irkutsk Asia/Tokyo Asia/Seoul Australia/Adelaide Australia/Darwin
    Australia/Brisbane Australia/Sydney Pacific/Port_Moresby Australia/Hobart Asia/Yakutsk Pacific/Guadalcanal
    Asia/Vladivostok Pacific/Auckland Etc/GMT-12 Pacific/Fiji Asia/Magadan Pacific/Tongatapu Pacific/Apia
    Pacific/Kiritimati""".split()
)


def graph_time(moment: datetime, zone: str) -> tuple[str, str]:
    """(dateTime, timeZone) for Graph: wall time in ``zone`` when Graph knows it, else UTC."""
    if zone in GRAPH_IANA_ZONES:
        local = moment.astimezone(ZoneInfo(zone))
    else:
        local, zone = moment.astimezone(timezone.utc), "UTC"
    return local.replace(tzinfo=None).isoformat(timespec="seconds"), zone


def _odata_quote(value: str) -> str:
    return value.replace("'", "''")


class GraphMeetingScheduler:
    def __init__(self, client: Any, *, timeout: float = DEFAULT_TIMEOUT) -> None:
        self._client = client
        self._timeout = timeout

    def _events(self, organizer: str) -> Any:
        return self._client.users.by_user_id(organizer).events

    async def _call(self, call: Awaitable[T]) -> T:
        try:
            return await asyncio.wait_for(call, self._timeout)
        except SchedulingError:
            raise
        except Exception as error:  # mapped to the port's failures; cancellation passes through
            raise scheduling_error(error) from error

    async def schedule(self, request: MeetingRequest) -> ScheduledMeeting:
        event = _event(request, create=True)
        try:
            created = await self._call(self._events(request.organizer).post(event))
        except SchedulingError as error:
            if error.failure not in (SchedulingFailure.THROTTLED, SchedulingFailure.TIMEOUT):
                raise
            # The POST may have gone through before the failure (a retry dedupes by transactionId,
            # but we gave up): report the event if it exists rather than leave it behind unknown.
            found = await self._find(request.organizer, request.transaction_id)
            if found is None:
                raise
            log.info("event %s was created despite %s", request.transaction_id, error.failure.value)
            return found
        return _scheduled(created)

    async def _find(self, organizer: str, transaction_id: str) -> ScheduledMeeting | None:
        """The event created with this transactionId, or None (also when the lookup itself fails).

        Graph's event docs don't list transactionId among the $filter-able properties; Exchange is
        reported to accept it, but this is unverified against a real tenant. If Graph refuses the
        filter (400), the lookup finds nothing and the caller gets the original failure; retrying
        with the same transaction id is still safe, since Graph then answers the existing event."""
        from kiota_abstractions.base_request_configuration import RequestConfiguration
        from msgraph.generated.users.item.events.events_request_builder import EventsRequestBuilder

        query = EventsRequestBuilder.EventsRequestBuilderGetQueryParameters(
            filter=f"transactionId eq '{_odata_quote(transaction_id)}'",
            select=["id", "webLink", "onlineMeeting", "transactionId"],
        )
        config = RequestConfiguration(query_parameters=query)
        try:
            page = await self._call(self._events(organizer).get(request_configuration=config))
        except SchedulingError as error:
            log.warning("looking up event %s failed: %s %s", transaction_id, error.failure.value, error.detail)
            return None
        for event in (page.value if page else None) or []:
            if event.transaction_id == transaction_id and event.id:
                return _scheduled(event)
        return None

    async def reschedule(self, event_id: str, request: MeetingRequest) -> ScheduledMeeting:
        event = _event(request, create=False)
        updated = await self._call(self._events(request.organizer).by_event_id(event_id).patch(event))
        return _scheduled(updated) if updated is not None and updated.id else ScheduledMeeting(event_id=event_id)

    async def cancel(self, event_id: str, organizer: str, comment: str) -> None:
        from msgraph.generated.users.item.events.item.cancel.cancel_post_request_body import CancelPostRequestBody

        body = CancelPostRequestBody(comment=comment)
        await self._call(self._events(organizer).by_event_id(event_id).cancel.post(body))


def _event(request: MeetingRequest, *, create: bool) -> Any:
    """The SDK Event for a create (everything) or an update (what a move may change)."""
    from msgraph.generated.models.attendee import Attendee
    from msgraph.generated.models.attendee_type import AttendeeType
    from msgraph.generated.models.body_type import BodyType
    from msgraph.generated.models.date_time_time_zone import DateTimeTimeZone
    from msgraph.generated.models.email_address import EmailAddress
    from msgraph.generated.models.event import Event
    from msgraph.generated.models.item_body import ItemBody
    from msgraph.generated.models.location import Location
    from msgraph.generated.models.online_meeting_provider_type import OnlineMeetingProviderType

    def when(moment: datetime) -> DateTimeTimeZone:
        wall, zone = graph_time(moment, request.time_zone)
        return DateTimeTimeZone(date_time=wall, time_zone=zone)

    event = Event(
        subject=request.subject,
        body=ItemBody(content_type=BodyType.Html, content=request.body_html),
        start=when(request.start),
        end=when(request.end),
        location=Location(display_name=request.location),
        attendees=[
            Attendee(email_address=EmailAddress(address=a.email, name=a.name), type=AttendeeType.Required)
            for a in request.attendees
        ],
    )
    if request.online:
        event.is_online_meeting = True
        event.online_meeting_provider = OnlineMeetingProviderType.TeamsForBusiness
    if create:
        event.transaction_id = request.transaction_id
        event.allow_new_time_proposals = False
    return event


def _scheduled(event: Any) -> ScheduledMeeting:
    if event is None or not event.id:
        raise SchedulingError(SchedulingFailure.UNKNOWN, "Graph answered without an event id")
    online = event.online_meeting
    return ScheduledMeeting(
        event_id=event.id,
        join_url=(online.join_url if online else None) or None,
        web_link=event.web_link or None,
    )
