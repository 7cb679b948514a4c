"""The Bot Connector's REST API over one shared aiohttp session: how the direct path (bot/direct.py)
answers and posts.

botbuilder sends every outgoing activity through msrest serialisation and ``requests`` in a thread
pool; here a body is a dict (cards are JSON already), written once with orjson and sent on the event
loop. The requests are the ones botbuilder makes (same paths, same JSON keys), so Teams and the
local test doubles see no difference. Authorization is botbuilder's: the bearer token of the app
credentials its connector factory builds, cached here and fetched in a worker thread (MSAL blocks);
without an app id (local mode) no header at all, as botbuilder does.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, Callable
from urllib.parse import quote

import aiohttp
import jwt
import orjson
from botframework.connector.auth import AuthenticationConstants
from yarl import URL

log = logging.getLogger(__name__)

Json = dict[str, Any]
TIMEOUT = aiohttp.ClientTimeout(total=30, connect=10)
REFRESH_BEFORE_S = 300.0  # a token is renewed in the background this long before it expires
FALLBACK_LIFETIME_S = 600.0  # a token whose expiry can't be read (MSAL caches it anyway)


class ConnectorResponse:
    """What bot/sending.py reads from a failed call (``status_of``, ``retry_after_of``)."""

    def __init__(self, status: int, headers: Any) -> None:
        self.status = self.status_code = status
        self.headers = headers


class ConnectorError(Exception):
    def __init__(self, method: str, status: int, headers: Any) -> None:
        super().__init__(f"{method} answered HTTP {status}")
        self.response = ConnectorResponse(status, headers)


def _expiry(token: str, now: float) -> float:
    try:
        exp = jwt.decode(token, options={"verify_signature": False}).get("exp")
    except jwt.PyJWTError:
        exp = None
    return float(exp) if isinstance(exp, (int, float)) else now + FALLBACK_LIFETIME_S


class BotTokens:
    """Bearer headers for botbuilder's app credentials (MicrosoftAppCredentials and its kin)."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._tokens: dict[tuple, tuple[str, float]] = {}  # (app id, scope) -> (header, expires at)
        self._pending: dict[tuple, asyncio.Future[str]] = {}

    async def header(self, credentials: Any) -> str | None:
        app_id = getattr(credentials, "microsoft_app_id", None)
        if not app_id or app_id == AuthenticationConstants.ANONYMOUS_SKILL_APP_ID:
            return None  # authentication off: botbuilder sends no Authorization header either
        key = (app_id, getattr(credentials, "oauth_scope", None))
        cached = self._tokens.get(key)
        left = cached[1] - self._clock() if cached else 0.0
        if cached and left > REFRESH_BEFORE_S:
            return cached[0]
        refresh = self._refresh(key, credentials)
        if cached and left > 30:
            return cached[0]  # still good: the refresh runs in the background
        return await asyncio.shield(refresh)

    def _refresh(self, key: tuple, credentials: Any) -> asyncio.Future[str]:
        pending = self._pending.get(key)
        if pending is None:
            pending = asyncio.ensure_future(self._fetch(key, credentials))
            self._pending[key] = pending
            pending.add_done_callback(lambda done: self._forget(key, done))
        return pending

    def _forget(self, key: tuple, done: asyncio.Future[str]) -> None:
        self._pending.pop(key, None)
        if not done.cancelled() and done.exception() is not None:
            log.warning("could not get a Bot Connector token: %s", type(done.exception()).__name__)

    async def _fetch(self, key: tuple, credentials: Any) -> str:
        token = await asyncio.get_running_loop().run_in_executor(None, credentials.get_access_token)
        header = f"Bearer {token}"
        self._tokens[key] = (header, _expiry(token, self._clock()))
        return header


def conversation_path(conversation_id: str, *rest: str) -> str:
    """/v3/conversations/{id}/..., each segment percent-encoded as botbuilder does ("19:x;messageid=1")."""
    return "/".join(["/v3/conversations", quote(conversation_id, safe=""), *(quote(part, safe="") for part in rest)])


def post_into(conversation_id: str, message: Json, reply_to: object) -> str:
    """Where ``message`` is posted: as a reply to ``reply_to`` when there is one (its replyToId set),
    else as a new activity of the conversation."""
    if isinstance(reply_to, str) and reply_to:
        message["replyToId"] = reply_to
        return conversation_path(conversation_id, "activities", reply_to)
    return conversation_path(conversation_id, "activities")


class ConnectorHttp:
    """One aiohttp session for every Bot Connector call of the process: opened at start-up, closed at shutdown."""

    def __init__(self, tokens: BotTokens | None = None) -> None:
        self.tokens = tokens or BotTokens()
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=TIMEOUT, connector=aiohttp.TCPConnector(limit=256))

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def call(
        self, method: str, service_url: str, path: str, credentials: Any, body: Json | None = None,
        params: dict[str, str] | None = None,
    ) -> Json:
        """One REST call; the answer's JSON ({} for an empty body). A 4xx/5xx raises ConnectorError."""
        if self._session is None:
            raise RuntimeError("the connector session is not open (app start-up opens it)")
        headers = {"Content-Type": "application/json; charset=utf-8"} if body is not None else {}
        authorization = await self.tokens.header(credentials)
        if authorization:
            headers["Authorization"] = authorization
        url = URL(service_url.rstrip("/") + path, encoded=True)
        if params:
            url = url.with_query(params)
        data = orjson.dumps(body) if body is not None else None  # UTF-8, written once (a card is ~25 KB)
        async with self._session.request(method, url, data=data, headers=headers) as response:
            raw = await response.read()
            if response.status >= 400:
                raise ConnectorError(method, response.status, response.headers)
        try:
            answer = orjson.loads(raw) if raw else {}
        except ValueError:
            answer = {}
        return answer if isinstance(answer, dict) else {}
