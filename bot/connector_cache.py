"""Connector clients reused per service URL instead of built on every turn.

botbuilder 4.17.1 builds a ConnectorClient (and a UserTokenClient) for every activity and every
proactive call: msrest configuration, credentials, a retry policy and a fresh ``requests`` session
each time, a few milliseconds of CPU per turn. The clients hold no per-turn state, so one per
(app id, service URL, audience) serves every turn; credentials then also keep their token cache.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any, Hashable

from botframework.connector.auth import BotFrameworkAuthentication, ClaimsIdentity, ConnectorFactory

MAX_CLIENTS = 256  # distinct service URLs seen by one process: a handful per cloud region


class _Lru:
    def __init__(self, size: int = MAX_CLIENTS) -> None:
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._size = size

    def get(self, key: Hashable) -> Any:
        value = self._items.get(key)
        if value is not None:
            self._items.move_to_end(key)
        return value

    def put(self, key: Hashable, value: Any) -> None:
        self._items[key] = value
        while len(self._items) > self._size:
            self._items.popitem(last=False)


class CachingConnectorFactory(ConnectorFactory):
    def __init__(self, inner: ConnectorFactory, cache: _Lru) -> None:
        self._inner, self._cache = inner, cache

    async def create(self, service_url: str, audience: str = None):  # noqa: RUF013 - the SDK's signature
        # The app id is part of the key: a client carries that app's credentials.
        key = ("connector", getattr(self._inner, "_app_id", None), type(self._inner), service_url, audience)
        client = self._cache.get(key)
        if client is None:
            client = await self._inner.create(service_url, audience)
            self._cache.put(key, client)
        return client


class CachingAuthentication(BotFrameworkAuthentication):
    """BotFrameworkAuthentication whose connector factories and user token clients are cached."""

    def __init__(self, inner: BotFrameworkAuthentication) -> None:
        self._inner = inner
        self._cache = _Lru()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def _caching(self, factory: ConnectorFactory | None) -> ConnectorFactory | None:
        if factory is None or isinstance(factory, CachingConnectorFactory):
            return factory
        return CachingConnectorFactory(factory, self._cache)

    async def authenticate_request(self, activity, auth_header: str):
        result = await self._inner.authenticate_request(activity, auth_header)
        result.connector_factory = self._caching(result.connector_factory)
        return result

    async def authenticate_streaming_request(self, auth_header: str, channel_id_header: str):
        return await self._inner.authenticate_streaming_request(auth_header, channel_id_header)

    def create_connector_factory(self, claims_identity: ClaimsIdentity) -> ConnectorFactory:
        return self._caching(self._inner.create_connector_factory(claims_identity))

    async def create_user_token_client(self, claims_identity: ClaimsIdentity):
        claims = (claims_identity.claims or {}) if claims_identity else {}
        key = ("token", claims.get("appid") or claims.get("azp") or claims.get("aud"))
        client = self._cache.get(key)
        if client is None:
            client = await self._inner.create_user_token_client(claims_identity)
            self._cache.put(key, client)
        return client

    def create_bot_framework_client(self):
        return self._inner.create_bot_framework_client()

    def get_originating_audience(self) -> str:
        return self._inner.get_originating_audience()

    async def authenticate_channel_request(self, auth_header: str) -> ClaimsIdentity:
        return await self._inner.authenticate_channel_request(auth_header)
