"""botbuilder's CloudAdapter with clean HTTP status codes and the 4.17.1 fixes.

The stock ``CloudAdapter.process`` answers malformed input, bad bearer tokens and every
successful ``on_adaptive_card_invoke`` with HTTP 500 (the invoke body is serialised twice). Here the
request is validated and authenticated first, and only then handed to the SDK's turn pipeline, or,
for messages and card actions, to the direct path (bot/direct.py), which skips that pipeline.
"""

from __future__ import annotations

import asyncio
import logging
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Optional

import jwt
import orjson
import requests
from aiohttp import web
from botbuilder.core import Bot, TurnContext, serializer_helper
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from botbuilder.schema import Activity
from msrest.serialization import Model

if TYPE_CHECKING:
    from settings import Settings

from cards.texts import language_of, translate
from dialogs import log_context

from .activity import auth_activity, is_valid_activity, tenant_of
from .connector_cache import CachingAuthentication
from .service_urls import TEAMS_SERVICE_HOSTS, ServiceUrlPolicy

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 256 * 1024  # Teams messages are <= 100 KB; leave room for invokes with card data


def apology(locale: object) -> str:
    """The catalog's error.internal, in the language of whoever is waiting for an answer."""
    return translate(language_of(locale if isinstance(locale, str) else None), "error.internal")


APOLOGY = apology(None)  # English: activities without a locale
APOLOGY_TIMEOUT_S = 5.0
# Only user-initiated activities get an apology; a failed conversationUpdate should stay silent.
_APOLOGISE_FOR = frozenset({"message", "invoke"})
_TURN_ERROR_KEY = "blend.turn_error"


class _Reject(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class _TurnFailed(Exception):
    """The bot's turn raised and on_turn_error handled it; the HTTP answer is still 500."""


def json_answer(data: Any, status: int = 200) -> web.Response:
    """A JSON answer serialised with orjson: the invoke's card is ~25 KB, and json.dumps of it was the
    largest single cost of a click (issue 9)."""
    return web.Response(body=orjson.dumps(data), status=status, content_type="application/json")


def error_response(status: int, message: str, **headers: str) -> web.Response:
    return web.json_response({"error": message}, status=status, headers=headers or None)



async def _read_body(request: web.Request, limit: int) -> bytes:
    if request.content_length is not None and request.content_length > limit:
        raise _Reject(413, "body too large")
    body = bytearray()
    # Read incrementally: a chunked body has no Content-Length to check up front.
    async for chunk in request.content.iter_chunked(64 * 1024):
        body += chunk
        if len(body) > limit:
            raise _Reject(413, "body too large")
    return bytes(body)


async def _read_json(request: web.Request, limit: int) -> dict[str, Any]:
    if request.content_type != "application/json":
        raise _Reject(415, "expected application/json")
    raw = await _read_body(request, limit)
    try:
        data = orjson.loads(raw)  # a few times quicker than json on a ~2 KB activity
    except (ValueError, RecursionError):  # orjson.JSONDecodeError is a ValueError: bad UTF-8 and bad JSON
        raise _Reject(400, "body is not valid JSON") from None
    if not isinstance(data, dict):
        raise _Reject(400, "body must be a JSON object")
    return data


def _check_activity(data: dict[str, Any], full: bool) -> Activity:
    """The Activity for the SDK (``full``) or, for the direct path, just what authentication reads;
    either way a body msrest would refuse, or one without a type or conversation, is a 400."""
    if full:
        try:
            activity = Activity().deserialize(data)
        except Exception:  # msrest DeserializationError and friends: wrongly typed fields
            raise _Reject(400, "body is not a valid activity") from None
    elif is_valid_activity(data):
        activity = auth_activity(data)
    else:
        raise _Reject(400, "body is not a valid activity")
    kind = data.get("type")
    if not isinstance(kind, str) or not kind:
        raise _Reject(400, "activity has no type")
    conversation = data.get("conversation")
    conversation_id = conversation.get("id") if isinstance(conversation, dict) else None
    if not isinstance(conversation_id, str) or not conversation_id:
        # Nowhere to answer (the SDK would fail on the reply): refused before the bot runs.
        raise _Reject(400, "activity has no conversation")
    return activity


def bind_activity(data: dict[str, Any]) -> None:
    """The activity's ids on every log line of this request (ids only: never its text or value)."""
    channel_data = data.get("channelData") if isinstance(data.get("channelData"), dict) else {}
    channel = channel_data.get("channel") if isinstance(channel_data.get("channel"), dict) else {}
    conversation = data.get("conversation") if isinstance(data.get("conversation"), dict) else {}
    log_context.bind(
        activity_id=data.get("id") if isinstance(data.get("id"), str) else None, activity_type=data.get("type"),
        conversation_id=conversation.get("id"),
        channel_id=channel.get("id") if isinstance(channel.get("id"), str) else None,
    )


def _serialise_body(body: Any) -> Any:
    """Serialise exactly once: ActivityHandler already turns on_adaptive_card_invoke's answer
    into a dict, while an InvokeResponse built by hand usually carries an msrest model."""
    if isinstance(body, Model):
        return serializer_helper(body)
    return body


class BlendAdapter(CloudAdapter):
    max_body_bytes = MAX_BODY_BYTES

    def __init__(
        self, bot_framework_authentication=None, service_urls: ServiceUrlPolicy | None = None,
        allowed_tenants: tuple[str, ...] = (),
    ) -> None:
        apply_msrest_speedup()
        if bot_framework_authentication is not None:  # reuse connector clients (bot/connector_cache.py)
            bot_framework_authentication = CachingAuthentication(bot_framework_authentication)
        super().__init__(bot_framework_authentication)
        self.service_urls = service_urls or ServiceUrlPolicy()
        self.allowed_tenants = frozenset(t.lower() for t in allowed_tenants)
        # Messages and card actions answered straight from the JSON (bot/direct.py); app.py sets it.
        self.direct = None

    async def process(
        self, request: web.Request, bot: Bot, ws_response: Optional[web.WebSocketResponse] = None
    ) -> web.Response:
        # ws_response is accepted for signature compatibility; streaming is not supported.
        if bot is None:
            raise TypeError("bot can't be None")
        if request.method != "POST":
            return error_response(405, "method not allowed", Allow="POST")
        try:
            data = await _read_json(request, self.max_body_bytes)
            direct = self.direct if self.direct is not None and self.direct.handles(data) else None
            activity = _check_activity(data, full=direct is None)
        except _Reject as reject:
            return error_response(reject.status, reject.message)
        bind_activity(data)
        if not self.service_urls.allows(data.get("serviceUrl")):
            # Replies go to the activity's serviceUrl: never relay to a host that isn't Teams'.
            return error_response(403, "serviceUrl not allowed")

        auth_result = await self._authenticate(request, activity)
        if isinstance(auth_result, web.Response):
            return auth_result
        if self.allowed_tenants and tenant_of(data) not in self.allowed_tenants:
            # Refused before the bot sees it: nothing is read, stored or sent.
            log.info("refused an activity from a tenant not allowed: type=%s", data["type"])
            return error_response(403, "tenant not allowed")
        if direct is not None:
            return await direct.process(data, auth_result)

        try:
            invoke_response = await self.process_activity(auth_result, activity, bot.on_turn)
        except _TurnFailed:
            log.warning("answered 500: the %s turn failed", activity.type)
            return error_response(500, "internal error")
        except Exception:  # a bug in the bot (or the SDK); the sender only needs to know it failed
            log.exception("unhandled error processing a %s activity", activity.type)
            return error_response(500, "internal error")

        if invoke_response is None:
            return web.Response(status=201)
        return json_answer(_serialise_body(invoke_response.body), int(invoke_response.status))

    async def _authenticate(self, request: web.Request, activity: Activity):
        # None, not "": the parameterized auth path treats "" as a token and crashes on it.
        auth_header = request.headers.get("Authorization") or None
        try:
            return await self.bot_framework_authentication.authenticate_request(activity, auth_header)
        except requests.RequestException as error:  # the OpenID/JWKS endpoint is unreachable
            log.error("cannot fetch token signing keys: %s", type(error).__name__)
            return error_response(503, "authentication unavailable")
        except (PermissionError, jwt.PyJWTError) as error:
            log.info("rejected request: %s: %.200s", type(error).__name__, error)
            return error_response(401, "unauthorized")
        except Exception as error:  # SDK raises KeyError/IndexError/AttributeError/Exception on odd tokens
            log.warning("rejected request, malformed token: %s", type(error).__name__)
            return error_response(401, "unauthorized")

    async def run_pipeline(self, context: TurnContext, callback=None):
        # BotAdapter.run_pipeline, but remembers the error: on_turn_error swallows it, and
        # process() must still answer 500 (an invoke would otherwise get the SDK's 501).
        if context.activity is None:
            return await super().run_pipeline(context, callback)
        try:
            return await self._middleware.receive_activity_with_status(context, callback)
        except Exception as error:
            context.turn_state[_TURN_ERROR_KEY] = error
            if self.on_turn_error is None:
                raise
            await self.on_turn_error(context, error)
            return None

    def _process_turn_results(self, context: TurnContext):
        if _TURN_ERROR_KEY in context.turn_state:
            raise _TurnFailed() from context.turn_state[_TURN_ERROR_KEY]
        return super()._process_turn_results(context)


async def report_turn_error(
    error: Exception, activity: dict[str, Any], send_text: Callable[[str], Awaitable[Any]]
) -> None:
    """A failed turn: logged with its traceback, and a member waiting for an answer gets an apology in
    their language (``send_text``: a reply in the activity's conversation)."""
    # Type/name/ids only: the activity text and value are user content.
    log.error(
        "turn failed: type=%s name=%s channel=%s activity_id=%s",
        activity.get("type"), activity.get("name"), activity.get("channelId"), activity.get("id"),
        exc_info=(type(error), error, error.__traceback__),
    )
    if activity.get("type") not in _APOLOGISE_FOR:
        return
    try:
        await asyncio.wait_for(send_text(apology(activity.get("locale"))), APOLOGY_TIMEOUT_S)
    except Exception as send_error:  # the connector may be what failed in the first place
        log.warning("could not send the apology: %s", type(send_error).__name__)


async def _on_turn_error(context: TurnContext, error: Exception) -> None:
    activity = context.activity
    fields = {"type": activity.type, "name": activity.name, "channelId": activity.channel_id,
              "id": activity.id, "locale": activity.locale}
    await report_turn_error(error, fields, context.send_activity)


def _auth_config(settings: "Settings") -> SimpleNamespace:
    local = settings.local_mode
    base = {
        "APP_ID": settings.app_id,
        "APP_PASSWORD": settings.app_password,
        # The SDK's SingleTenant factory raises without an app id; with no app id the
        # MultiTenant factory is the one that turns authentication off.
        "APP_TYPE": "MultiTenant" if local else settings.app_type,
        "APP_TENANTID": settings.app_tenant_id,
    }
    return SimpleNamespace(**{**settings.bot_auth_overrides, **base})


def create_adapter(settings: "Settings") -> BlendAdapter:
    policy = ServiceUrlPolicy(hosts=settings.service_url_hosts or TEAMS_SERVICE_HOSTS, loopback_only=settings.local_mode)
    adapter = BlendAdapter(
        ConfigurationBotFrameworkAuthentication(_auth_config(settings)), policy, settings.allowed_tenants
    )
    adapter.on_turn_error = _on_turn_error
    return adapter


# msrest 0.7.1: ClientRetryPolicy.__init__ runs `i not in self.safe_codes` for i in range(999)
# against a 500-item list (~3.5 ms), and botbuilder builds two such clients per turn. The same
# codes as a frozenset give an identical status_forcelist in ~30 us.
def apply_msrest_speedup() -> None:
    from msrest.universal_http.requests import ClientRetryPolicy

    if not isinstance(ClientRetryPolicy.safe_codes, frozenset):
        ClientRetryPolicy.safe_codes = frozenset(ClientRetryPolicy.safe_codes)
