"""A local stand-in for Microsoft Graph (aiohttp on 127.0.0.1) that checks each request against
Graph's documentation and answers like Graph:

* ``POST /v1.0/users/{organizer}/events`` (event resource, "Create event"): subject, body
  {contentType, content}, start/end {dateTime without offset, timeZone}, attendees [{emailAddress
  {address, name}, type}], isOnlineMeeting + onlineMeetingProvider "teamsForBusiness",
  transactionId. 201 with id, webLink and, when online, onlineMeeting.joinUrl. Like Exchange, a
  POST with a transactionId already used answers the event created the first time.
* ``GET .../events?$filter=transactionId eq '...'``: {"value": [...]}.
* ``PATCH .../events/{id}``: 200 with the updated event; 404 for an unknown id.
* ``POST .../events/{id}/cancel`` with {"comment"}: 202, no body.
* ``GET /v1.0/teams/{group}/channels/{channel}/members``: pages linked by @odata.nextLink.
* Files (files_double.py): ``GET .../channels/{channel}/filesFolder``; ``POST /drives/{d}/items/{p}/children``
  (a folder, conflictBehavior); ``GET /drives/{d}/items/{p}:/{name}``; the simple upload ``PUT
  .../items/{p}:/{name}:/content?@microsoft.graph.conflictBehavior=`` or ``.../items/{id}/content`` (at
  most 4 MB); ``POST .../createUploadSession`` and the session's ``uploadUrl`` (PUT chunks, GET status,
  DELETE), checking Content-Range, 320 KiB multiples and that no token is sent there.
Errors use Graph's shape: {"error": {"code", "message"}}. A request the documentation doesn't allow
is answered 400 and recorded in ``problems`` (tests assert it stays empty).
"""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from multidict import CIMultiDict

from .files_double import FilesDouble

WALL_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$")  # no offset: the zone says it
ATTENDEE_TYPES = {"required", "optional", "resource"}


@dataclass
class Scripted:
    """An answer given instead of the normal one, ``times`` times (None: forever)."""

    method: str
    path_suffix: str
    status: int
    times: int | None = 1
    headers: Any = field(default_factory=dict)  # case-insensitive
    code: str = "Scripted"
    delay: float = 0.0  # seconds before answering
    after: bool = False  # do the real work first (then wait ``delay``), answer this: a lost response


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, str]
    body: Any
    headers: Any = field(default_factory=dict)  # case-insensitive


class GraphDouble:
    def __init__(self) -> None:
        self.events: dict[str, dict[str, Any]] = {}  # id -> event, per organizer below
        self.organizer_of: dict[str, str] = {}
        self.cancelled: dict[str, str] = {}  # id -> comment
        self.members: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.page_size = 2
        self.requests: list[Seen] = []
        self.problems: list[str] = []
        self.scripts: list[Scripted] = []
        self.base_url = ""
        self._runner: web.AppRunner | None = None
        self.files = FilesDouble(self)

    # ------------------------------------------------------------------ control

    def script(self, method: str, path_suffix: str, status: int, **kwargs: Any) -> Scripted:
        scripted = Scripted(method, path_suffix, status, **kwargs)
        self.scripts.append(scripted)
        return scripted

    async def start(self) -> str:
        app = web.Application(client_max_size=64 * 1024 * 1024)  # a 4 MB upload, a 60 MiB chunk
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"http://127.0.0.1:{port}/v1.0"
        return self.base_url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def calls(self, method: str, suffix: str = "") -> list[Seen]:
        return [r for r in self.requests if r.method == method and r.path.endswith(suffix)]

    # ------------------------------------------------------------------ dispatch

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        raw = await request.read() if request.can_read_body else b""
        path = request.path  # percent-decoded
        binary = self.files.takes_bytes(request.method, path)
        if binary:
            body: Any = raw
        else:
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                return self._problem(f"not JSON: {path}")
        self.requests.append(Seen(request.method, path, dict(request.query), body, CIMultiDict(request.headers)))
        json_body = request.headers.get("Content-Type", "").startswith("application/json")
        if not binary and body is not None and not json_body:
            return self._problem("a body must be sent as application/json")
        if problem := self.files.check_token(path, request.headers):
            return self._problem(problem)
        for scripted in self.scripts:
            if scripted.method == request.method and path.endswith(scripted.path_suffix) and scripted.times != 0:
                if scripted.times is not None:
                    scripted.times -= 1
                if scripted.after:
                    await self._route(request.method, path, request.query, body)
                if scripted.delay:
                    await asyncio.sleep(scripted.delay)
                return _error(scripted.status, scripted.code, headers=scripted.headers)
        return await self._route(request.method, path, request.query, body)

    async def _route(self, method: str, path: str, query, body: Any) -> web.StreamResponse:
        parts = path.strip("/").split("/")
        if parts[:1] == ["upload"]:
            return self.files.session(method, parts[1:], self._last_headers(), body)
        if parts[:1] != ["v1.0"]:
            return self._problem(f"not a v1.0 path: {path}")
        parts = parts[1:]
        if len(parts) == 3 and parts[0] == "users" and parts[2] == "events":
            if method == "POST":
                return self._create(parts[1], body)
            if method == "GET":
                return self._list(parts[1], query)
        if len(parts) == 4 and parts[0] == "users" and parts[2] == "events" and method == "PATCH":
            return self._update(parts[1], parts[3], body)
        if len(parts) == 5 and parts[0] == "users" and parts[2] == "events" and parts[4] == "cancel":
            if method == "POST":
                return self._cancel(parts[1], parts[3], body)
        if len(parts) == 5 and parts[0] == "teams" and parts[2] == "channels" and parts[4] == "members":
            if method == "GET":
                return self._members(parts[1], parts[3], query)
        if len(parts) == 5 and parts[0] == "teams" and parts[2] == "channels" and parts[4] == "filesFolder":
            if method == "GET":
                return self.files.files_folder(parts[1], parts[3])
        if len(parts) >= 4 and parts[0] == "drives" and parts[2] == "items":
            return self.files.route(method, parts[1], "/".join(parts[3:]), query, body)
        return self._problem(f"no such Graph call: {method} {path}")

    def _last_headers(self) -> Any:
        return self.requests[-1].headers

    def _problem(self, what: str) -> web.Response:
        self.problems.append(what)
        return _error(400, "DoubleRejected", what)

    # ------------------------------------------------------------------ calendar

    def _check_event(self, body: Any, *, create: bool) -> str | None:
        if not isinstance(body, dict):
            return "the event must be a JSON object"
        if create and not body.get("subject"):
            return "subject missing"
        if create and not body.get("transactionId"):
            return "transactionId missing (retried POSTs would create duplicates)"
        if not create and "transactionId" in body:
            return "transactionId can't be changed"
        for key in ("start", "end"):
            value = body.get(key)
            if create and value is None:
                return f"{key} missing"
            if value is not None:
                if set(value) != {"dateTime", "timeZone"} or not WALL_TIME.match(str(value["dateTime"])):
                    return f"{key} must be {{dateTime (local, no offset), timeZone}}: {value}"
                if not value["timeZone"]:
                    return f"{key}.timeZone empty"
        if "body" in body:
            if body["body"].get("contentType") not in ("html", "text") or "content" not in body["body"]:
                return f"body must be {{contentType html|text, content}}: {body['body']}"
        for attendee in body.get("attendees") or []:
            address = (attendee.get("emailAddress") or {}).get("address", "")
            if "@" not in address:
                return f"attendee without an e-mail address: {attendee}"
            if attendee.get("type") not in ATTENDEE_TYPES:
                return f"attendee type must be one of {sorted(ATTENDEE_TYPES)}: {attendee}"
        if body.get("isOnlineMeeting") and body.get("onlineMeetingProvider") != "teamsForBusiness":
            return "an online meeting needs onlineMeetingProvider teamsForBusiness"
        if "location" in body and not isinstance(body["location"], dict):
            return "location must be {displayName}"
        return None

    def _view(self, event_id: str) -> dict[str, Any]:
        event = dict(self.events[event_id])
        event["id"] = event_id
        event["webLink"] = f"https://outlook.office365.com/owa/?itemid={event_id}"
        if event.get("isOnlineMeeting"):
            event["onlineMeeting"] = {"joinUrl": f"https://teams.microsoft.com/l/meetup-join/{event_id}"}
        return event

    def _create(self, organizer: str, body: Any) -> web.Response:
        if problem := self._check_event(body, create=True):
            return self._problem(problem)
        for event_id, event in self.events.items():
            if event["transactionId"] == body["transactionId"] and self.organizer_of[event_id] == organizer:
                return web.json_response(self._view(event_id), status=201)  # Exchange dedupes
        event_id = f"AAMk{uuid.uuid4().hex}"
        self.events[event_id] = body
        self.organizer_of[event_id] = organizer
        return web.json_response(self._view(event_id), status=201)

    def _list(self, organizer: str, query) -> web.Response:
        match = re.fullmatch(r"transactionId eq '((?:[^']|'')*)'", query.get("$filter", ""))
        if match is None:
            return self._problem(f"unexpected $filter: {query.get('$filter')!r}")
        wanted = match.group(1).replace("''", "'")
        found = [
            self._view(i)
            for i, e in self.events.items()
            if e["transactionId"] == wanted and self.organizer_of[i] == organizer
        ]
        return web.json_response({"value": found})

    def _update(self, organizer: str, event_id: str, body: Any) -> web.Response:
        if event_id not in self.events or self.organizer_of[event_id] != organizer:
            return _error(404, "ErrorItemNotFound", "The specified object was not found in the store.")
        if problem := self._check_event(body, create=False):
            return self._problem(problem)
        self.events[event_id] = {**self.events[event_id], **body}
        return web.json_response(self._view(event_id))

    def _cancel(self, organizer: str, event_id: str, body: Any) -> web.Response:
        if event_id not in self.events or self.organizer_of[event_id] != organizer:
            return _error(404, "ErrorItemNotFound", "The specified object was not found in the store.")
        # Graph reads parameter names case-insensitively; its own example (and the SDK) send "Comment".
        params = {k.lower(): v for k, v in body.items()} if isinstance(body, dict) else None
        if params is None or set(params) - {"comment"}:
            return self._problem(f"cancel takes {{comment}}: {body}")
        self.cancelled[event_id] = params.get("comment", "")
        del self.events[event_id]  # a cancelled meeting leaves the organizer's calendar
        return web.Response(status=202)

    # ------------------------------------------------------------------ members

    def _members(self, team: str, channel: str, query) -> web.Response:
        if (team, channel) not in self.members:
            return _error(404, "NotFound", "No team found with Group Id")
        members = self.members[(team, channel)]
        start = int(query.get("$skiptoken", "0"))
        page = members[start : start + self.page_size]
        answer: dict[str, Any] = {
            "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#teams('x')/channels('y')/members",
            "value": [
                {
                    "@odata.type": "#microsoft.graph.aadUserConversationMember",
                    "id": m.get("id", uuid.uuid4().hex),
                    "roles": [],
                    "displayName": m["displayName"],
                    "userId": m.get("userId"),
                    "email": m.get("email"),
                    "tenantId": "tenant-1",
                }
                for m in page
            ],
        }
        if start + self.page_size < len(members):
            answer["@odata.nextLink"] = (
                f"{self.base_url}/teams/{team}/channels/{channel}/members?$skiptoken={start + self.page_size}"
            )
        return web.json_response(answer)


def _error(status: int, code: str, message: str = "", headers: dict[str, str] | None = None) -> web.Response:
    return web.json_response({"error": {"code": code, "message": message or code}}, status=status, headers=headers)
