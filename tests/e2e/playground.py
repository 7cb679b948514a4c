"""Headless driver for the Microsoft 365 Agents Playground (npm @microsoft/m365agentsplayground 0.2.28).

``Playground`` starts the simulator in a scratch directory with the mock tenant ``playground.yml``
(beside this file), listens on both websockets and offers the user-side actions the tests need.
See /work/shared/docs/playground.md for the routes.

Observed on 0.2.28, beyond or differing from playground.md:
* The activity ``id`` of a user message is a random UUID, not the Teams message id (the route's
  ``messageId`` / the ``;messageid=`` suffix of the thread id) as in real Teams. Invokes do carry
  ``replyToId`` = the card's messageId. The "as another user" messages built here use the messageId
  as activity id (Teams-like).
* channelData of channel messages = {teamsChannelId, teamsTeamId, tenant{id}, team{id}, channel{id}}:
  no team name/aadGroupId, no channel name. Invokes: {source{name:"message"}, tenant, team{id},
  channel{id}} (no teamsChannelId/teamsTeamId). Personal chat: {tenant} only.
* Invokes and submits honour ``from.id`` AND fill ``from.name`` and ``from.aadObjectId`` from the yml.
* The invoke route forwards ``value`` verbatim. The web UI sends ``{action:{type,title,verb,data}}``
  with NO ``trigger`` (Teams sends ``trigger:"manual"``); ``invoke(..., trigger=...)`` can add it.
* The message route requires ``textFormat`` (without it: 400 BadArgument "Invalid input").
* An invoke must name the thread (``<channel>;messageid=<n>``) that holds the card; the bare channel
  id gives 400 ActivityNotFoundInConversation.
* A channel post the bot creates with POST /v3/conversations gives createMessage with
  ``actionConversationId`` = the *channel* id (+ ``postConversationId`` = new thread id); its
  updateMessage also names the channel id, whichever conversation id the PUT used. Replies in a thread
  (create and update) name the thread id. Bot messages carry ``from`` = {id} only.
* testConfig ``teams[].members`` / ``groupChats[].members`` list only the 5 ``users`` (not
  currentUser); the connector's members route returns all 6.
* A log item for an activity sent to the bot is emitted after the bot answered, hence after the
  bot's own connector calls made while handling it.
* Bot unreachable: no "bot" log item, only ``{type:"text",level:"warning",displayText:"Cannot connect
  to your app..."}`` (with ``conversationId`` for route messages, without for customActivities).
* customActivities forwards the body verbatim, ``id`` and ``serviceUrl`` included, so re-posting a
  recorded activity is an exact duplicate delivery.
* The customActivities template has ``from`` = {id, aadObjectId} (no name) and no channelData.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import shutil
import signal
import socket
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, TypeVar

import aiohttp
from aiohttp import web
from yarl import URL

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[1]
DEFAULT_YML = HERE / "playground.yml"
CLI_JS = REPO_ROOT / "node_modules" / "@microsoft" / "m365agentsplayground" / "cli.js"
CONFIG_NAME = ".m365agentsplayground.yml"

ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"
_PLAYGROUND = "Microsoft 365 Agents Playground"  # log item from/to names
_BOT_APP = "User Application"
# Env vars that would silently override our command line / config file.
_OVERRIDING_ENV = (
    "M365_AGENTS_PLAYGROUND_CONFIG_PATH", "BOT_ENDPOINT", "TEAMSAPPTESTER_PORT",
    "M365_AGENTS_PLAYGROUND_SERVICE_URL", "DEFAULT_CHANNEL_ID", "M365_AGENTS_PLAYGROUND_LOGFILE",
)

T = TypeVar("T")


class PlaygroundError(RuntimeError):
    pass


def free_port() -> int:
    """A TCP port free on all interfaces (the Playground binds ``*``)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("", 0))
        return s.getsockname()[1]


def unavailable_reason() -> str | None:
    """Why the Playground cannot run here (for pytest.skip), or None."""
    if shutil.which("node") is None:
        return "node is not installed"
    if not CLI_JS.is_file():
        return f"{CLI_JS.relative_to(REPO_ROOT)} missing (run `npm ci`)"
    return None


@dataclass
class Sent:
    """What a user-side send produced."""

    conversation_id: str  # where the bot sees it (the thread id for channel messages)
    message_id: str | None  # Playground message id (for a top-level post: the thread root)
    activity: dict | None = None  # the activity delivered to the bot (None if not waited/delivered)
    status: int | None = None  # the bot's HTTP status for it
    response: Any = None  # the bot's HTTP response body


@dataclass
class BotRequest:
    """An activity the Playground sent to the bot (from the log stream)."""

    activity: dict
    status: int | None
    response: Any
    conversation_id: str | None
    log: dict


class LocaleRelay:
    """Between the Playground and the bot: forwards every request, setting the activity's locale
    (and its clientInfo's) to ``locale`` — the Playground 0.2.28 hard-codes "en-US" in the activities
    its message, invoke and submit routes build."""

    def __init__(self, target: str, locale: str) -> None:
        self.target, self.locale = target, locale
        self._runner: web.AppRunner | None = None
        self._client: aiohttp.ClientSession | None = None

    async def start(self) -> str:
        app = web.Application(client_max_size=1 << 22)
        app.router.add_route("*", "/{path:.*}", self._forward)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        port = free_port()
        await web.TCPSite(self._runner, "127.0.0.1", port).start()
        self._client = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60))
        return f"http://127.0.0.1:{port}{URL(self.target).path}"

    async def _forward(self, request: web.Request) -> web.Response:
        assert self._client is not None
        body = await request.read()
        if body and request.content_type == "application/json":
            activity = json.loads(body)
            if isinstance(activity, dict):
                activity["locale"] = self.locale
                for entity in activity.get("entities") or []:
                    if isinstance(entity, dict) and entity.get("type") == "clientInfo":
                        entity["locale"] = self.locale
                body = json.dumps(activity).encode()
        headers = {k: v for k, v in request.headers.items() if k.lower() in ("content-type", "authorization")}
        async with self._client.request(request.method, self.target, data=body or None, headers=headers) as answer:
            content = await answer.read()
            return web.Response(status=answer.status, body=content,
                                content_type=answer.content_type if content else None)

    async def stop(self) -> None:
        if self._client is not None:
            await self._client.close()
        if self._runner is not None:
            await self._runner.cleanup()


class Playground:
    """``async with Playground(bot_port=3978) as pg: ...`` - one fresh simulator per use."""

    def __init__(
        self,
        bot_port: int | None = None,
        *,
        bot_endpoint: str | None = None,
        port: int | None = None,
        config_yml: str | Path = DEFAULT_YML,
        start_timeout: float = 30.0,
        keep_workdir: bool = False,
        locale: str | None = None,
    ) -> None:
        if bot_endpoint is None:
            if bot_port is None:
                raise ValueError("give bot_port or bot_endpoint")
            bot_endpoint = f"http://127.0.0.1:{bot_port}/api/messages"
        self.bot_endpoint = bot_endpoint
        # The members' Teams locale (e.g. "nl-BE"); None: the Playground's own ("en-US").
        self.locale = locale
        self._relay: LocaleRelay | None = None
        self.requested_port = port or free_port()
        self.port: int | None = None  # the port it really listens on
        self.config_yml = Path(config_yml)
        self.start_timeout = start_timeout
        self.keep_workdir = keep_workdir
        self.workdir: Path | None = None
        self.conversation_events: list[dict] = []  # /_ws_conversation/... messages, in order
        self.log_events: list[dict] = []  # /_ws/log/stream messages, in order
        self.stdout_lines: list[str] = []
        self._proc: asyncio.subprocess.Process | None = None
        self._session: aiohttp.ClientSession | None = None
        self._sockets: list[aiohttp.ClientWebSocketResponse] = []
        self._tasks: list[asyncio.Task] = []
        self._changed: asyncio.Future | None = None
        self._listening: asyncio.Future | None = None
        self._config: dict | None = None

    # ------------------------------------------------------------------ lifecycle
    async def __aenter__(self) -> "Playground":
        try:
            await self.start()
        except BaseException:
            await self.stop()
            raise
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.stop()

    async def start(self) -> None:
        reason = unavailable_reason()
        if reason:
            raise PlaygroundError(reason)
        loop = asyncio.get_running_loop()
        self._changed = loop.create_future()
        self._listening = loop.create_future()
        self.workdir = Path(tempfile.mkdtemp(prefix="blend-playground-"))
        shutil.copyfile(self.config_yml, self.workdir / CONFIG_NAME)
        env = {k: v for k, v in os.environ.items() if k not in _OVERRIDING_ENV}
        env["TEAMSAPPTESTER_BROWSER"] = "none"
        endpoint = self.bot_endpoint
        if self.locale:
            # internalConfig.locale is Node's default locale; the message and invoke routes still
            # say "en-US", so a relay in front of the bot gives every activity this locale.
            env["LC_ALL"] = env["LANG"] = f"{self.locale.replace('-', '_')}.UTF-8"
            self._relay = LocaleRelay(self.bot_endpoint, self.locale)
            endpoint = await self._relay.start()
        self._proc = await asyncio.create_subprocess_exec(
            "node", str(CLI_JS), "-e", endpoint, "-c", "msteams", "--dt",
            "-p", str(self.requested_port),
            cwd=self.workdir, env=env, stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,  # own process group: stop() kills it with its children
        )
        self._tasks.append(asyncio.create_task(self._read_stdout()))
        try:
            self.port = await asyncio.wait_for(asyncio.shield(self._listening), self.start_timeout)
        except asyncio.TimeoutError:
            raise PlaygroundError(f"no 'Listening on' within {self.start_timeout}s\n{self.log_tail()}")
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
        await self._wait_ping()
        await self.config()
        for path, sink in (("/_ws_conversation/v1/conversations/stream", self.conversation_events),
                           ("/_ws/log/stream", self.log_events)):
            ws = await self._session.ws_connect(self.ws_url + path, heartbeat=None)
            self._sockets.append(ws)
            self._tasks.append(asyncio.create_task(self._read_ws(ws, sink)))

    async def stop(self) -> None:
        for ws in self._sockets:
            with contextlib.suppress(Exception):
                await ws.close()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(BaseException):
                await task
        self._sockets.clear()
        self._tasks.clear()
        if self._session is not None:
            await self._session.close()
            self._session = None
        proc, self._proc = self._proc, None
        if proc is not None and proc.returncode is None:
            for sig in (signal.SIGTERM, signal.SIGKILL):
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, sig)
                try:
                    await asyncio.wait_for(proc.wait(), 5)
                    break
                except asyncio.TimeoutError:
                    continue
        if proc is not None:
            with contextlib.suppress(ProcessLookupError):  # stray children of the group
                os.killpg(proc.pid, signal.SIGKILL)
        if self._relay is not None:
            await self._relay.stop()
            self._relay = None
        if self.workdir is not None and not self.keep_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)

    @property
    def process_id(self) -> int | None:
        return self._proc.pid if self._proc else None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    @property
    def service_url(self) -> str:
        """The serviceUrl the Playground puts in activities (localhost, as it does itself)."""
        return f"http://localhost:{self.port}/_connector"

    @property
    def log_path(self) -> Path | None:
        return self.workdir / "devTools" / "m365agentsplayground.log" if self.workdir else None

    def log_tail(self, lines: int = 40) -> str:
        path = self.log_path
        text = path.read_text(errors="replace") if path and path.exists() else ""
        out = "\n".join(text.splitlines()[-lines:])
        return f"--- stdout ---\n{chr(10).join(self.stdout_lines[-10:])}\n--- {path} ---\n{out}"

    async def _read_stdout(self) -> None:
        assert self._proc and self._proc.stdout
        async for raw in self._proc.stdout:
            line = raw.decode(errors="replace").rstrip()
            self.stdout_lines.append(line)
            m = re.search(r"Listening on (\d+)", line)
            if m and not self._listening.done():
                self._listening.set_result(int(m.group(1)))
        await self._proc.wait()
        if not self._listening.done():
            self._listening.set_exception(PlaygroundError(
                f"Playground exited with {self._proc.returncode} before listening\n{self.log_tail()}"))

    async def _wait_ping(self) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.start_timeout
        while True:
            with contextlib.suppress(aiohttp.ClientError):
                async with self._session.get(self.base_url + "/_debug/ping") as r:
                    if r.status == 200 and (await r.text()).strip() == "pong":
                        return
            if loop.time() > deadline or (self._proc and self._proc.returncode is not None):
                raise PlaygroundError(f"/_debug/ping never answered pong\n{self.log_tail()}")
            await asyncio.sleep(0.1)

    async def _read_ws(self, ws: aiohttp.ClientWebSocketResponse, sink: list[dict]) -> None:
        async for msg in ws:
            if msg.type == aiohttp.WSMsgType.TEXT:
                try:
                    sink.append(json.loads(msg.data))
                except ValueError:
                    sink.append({"raw": msg.data})
                self._notify()

    def _notify(self) -> None:
        fut, self._changed = self._changed, asyncio.get_running_loop().create_future()
        if fut is not None and not fut.done():
            fut.set_result(None)

    async def _wait(self, find: Callable[[], T | None], timeout: float, what: str) -> T:
        """Re-run ``find`` on every websocket event until it returns non-None."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            found = find()
            if found is not None:
                return found
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"timed out after {timeout}s waiting for {what}\n{self._recent()}")
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(asyncio.shield(self._changed), remaining)

    def _recent(self) -> str:
        conv = [json.dumps(e)[:300] for e in self.conversation_events[-5:]]
        logs = [f"{l.get('type')} {l.get('activityName')} {l.get('from')}->{l.get('to')} "
                f"{(l.get('response') or {}).get('statusCode')} {l.get('displayText', '')[:120]}"
                for l in (e.get("log", {}) for e in self.log_events[-8:])]
        return "recent conversation events:\n  " + "\n  ".join(conv) + "\nrecent log:\n  " + "\n  ".join(logs)

    # ------------------------------------------------------------------ http helpers
    async def request(self, method: str, path: str, json_body: Any = None,
                      params: dict | None = None) -> tuple[int, Any]:
        """Raw call to the Playground; returns (status, parsed JSON or text or None)."""
        async with self._session.request(method, self.base_url + path, json=json_body, params=params) as r:
            text = await r.text()
            try:
                body = json.loads(text) if text else None
            except ValueError:
                body = text
            return r.status, body

    async def _ok(self, method: str, path: str, json_body: Any = None, params: dict | None = None) -> Any:
        status, body = await self.request(method, path, json_body, params)
        if status != 200:
            raise PlaygroundError(f"{method} {path} -> {status} {body}")
        return body

    # ------------------------------------------------------------------ tenant
    async def config(self) -> dict:
        """GET /_internal/v1/testConfig (also cached for the sync helpers below)."""
        self._config = await self._ok("GET", "/_internal/v1/testConfig")
        return self._config

    @property
    def tenant(self) -> dict:
        return self._config["config"]

    @property
    def tenant_id(self) -> str:
        return self.tenant["tenantId"]

    @property
    def bot(self) -> dict:
        return self.tenant["bot"]

    @property
    def current_user(self) -> dict:
        return self.tenant["currentUser"]

    @property
    def personal_chat_id(self) -> str:
        return self.tenant["personalChat"]["id"]

    @property
    def team(self) -> dict:
        return self.tenant["teams"][0]

    def channel(self, name: str = "Dev") -> dict:
        for ch in self.team["channels"]:
            if ch["name"].lower() == name.lower() or ch["id"] == name:
                return ch
        raise KeyError(f"no channel {name!r}")

    def users(self) -> list[dict]:
        """All 6 people: currentUser first."""
        return [self.current_user, *self.tenant["users"]]

    def user(self, who: str | dict) -> dict:
        """A user by id, full name or given name (case-insensitive); dicts pass through."""
        if isinstance(who, dict):
            return who
        key = who.lower()
        for u in self.users():
            if key in (u["id"].lower(), u["name"].lower(), u.get("givenName", "").lower()):
                return u
        raise KeyError(f"no user {who!r}")

    @staticmethod
    def channel_account(user: dict) -> dict:
        return {"id": user["id"], "name": user["name"], "aadObjectId": user["aadObjectId"]}

    # ------------------------------------------------------------------ user actions
    def _mention(self) -> tuple[str, dict]:
        tag = f"<at>{self.bot['name']}</at>"
        return tag, {"mentioned": {"id": self.bot["id"], "name": self.bot["name"]}, "text": tag}

    async def post_to_channel(self, text: str, *, as_user: str | dict | None = None,
                              mention_bot: bool = True, thread_id: str | None = None,
                              channel: str = "Dev", wait: bool = True, timeout: float = 10) -> Sent:
        """Post in the channel (new thread) or in ``thread_id``, mentioning the bot.

        currentUser goes through the message route. Another user: the message is stored through the
        route WITHOUT a bot mention (so the bot is not called), then a Teams-shaped activity from that
        user is sent through customActivities. With ``wait`` it returns once the bot has answered.
        """
        user = self.user(as_user) if as_user is not None else self.current_user
        tag, mention = self._mention()
        if mention_bot and tag not in text:
            text = f"{tag} {text}"
        conv = thread_id or self.channel(channel)["id"]
        native = user["id"] == self.current_user["id"] or not mention_bot
        mark = len(self.log_events)
        body = await self._ok("POST", f"/_conversation/v1/conversations/{conv}/messages", {
            "from": {"id": user["id"]}, "text": text, "textFormat": "plain",
            "mentions": [mention] if (mention_bot and native) else []})
        sent = Sent(conversation_id=body.get("postConversationId") or conv, message_id=body["messageId"])
        if not mention_bot:
            return sent
        if native:
            if wait:
                await self._fill_delivery(sent, mark, timeout, lambda a: a.get("type") == "message"
                                          and a.get("text") == text
                                          and a.get("conversation", {}).get("id") == sent.conversation_id)
            return sent
        activity = await self._user_channel_activity(sent.conversation_id, sent.message_id, user, text,
                                                     self.channel(conv.split(";")[0]))
        sent.activity = activity
        await self.send_raw_activity(activity, wait=False)
        if wait:
            await self._fill_delivery(sent, mark, timeout, lambda a: a.get("id") == activity["id"])
        return sent

    async def _user_channel_activity(self, conversation_id: str, activity_id: str, user: dict,
                                     text: str, channel: dict) -> dict:
        """A Teams channel message from ``user`` (built on the Playground's activity template)."""
        act = await self._ok("GET", "/_internal/v1/customActivities/template",
                             params={"conversationId": conversation_id})
        now = datetime.now(timezone.utc)
        _, mention = self._mention()
        team = self.team
        act.update({
            "type": "message",
            "id": activity_id,
            "text": text,
            "textFormat": "plain",
            "from": self.channel_account(user),
            "timestamp": now.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "localTimestamp": now.isoformat(timespec="milliseconds"),
            "localTimezone": "UTC",
            "locale": self._config["internalConfig"].get("locale", "en-US"),
            "entities": [{"type": "mention", **mention},
                         {"type": "clientInfo", "locale": self._config["internalConfig"].get("locale", "en-US"),
                          "country": "US", "timezone": "UTC"}],
            "channelData": {
                "teamsChannelId": channel["id"], "teamsTeamId": team["id"],
                "tenant": {"id": self.tenant_id},
                "team": {"id": team["id"], "name": team["name"], "aadGroupId": team["aadGroupId"]},
                "channel": {"id": channel["id"], "name": channel["name"]},
            },
            "channelId": "msteams",
        })
        act.setdefault("serviceUrl", self.service_url)
        act.setdefault("recipient", {"id": self.bot["id"], "name": self.bot["name"]})
        return act

    async def personal_message(self, text: str, *, wait: bool = True, timeout: float = 10) -> Sent:
        """currentUser writes to the bot in the personal chat."""
        conv = self.personal_chat_id
        mark = len(self.log_events)
        body = await self._ok("POST", f"/_conversation/v1/conversations/{conv}/messages", {
            "from": {"id": self.current_user["id"]}, "text": text, "textFormat": "plain", "mentions": []})
        sent = Sent(conversation_id=conv, message_id=body["messageId"])
        if wait:
            await self._fill_delivery(sent, mark, timeout, lambda a: a.get("type") == "message"
                                      and a.get("text") == text and a["conversation"]["id"] == conv)
        return sent

    async def invoke(self, conversation_id: str, reply_to_id: str, from_user: str | dict, verb: str,
                     data: dict | None = None, *, title: str | None = None, trigger: str | None = None,
                     name: str = "adaptiveCard/action") -> tuple[int, Any]:
        """A click on an Action.Execute button of the card ``reply_to_id`` (a messageId) in
        ``conversation_id`` (the thread holding it). Returns (status, JSON body): 200 with the bot's
        invoke-response {type, value}, or 502 UserBotError etc. Like the web UI it sends no
        ``trigger`` unless given (Teams: "manual" for a click, "automatic" for a refresh)."""
        action = {"type": "Action.Execute", "verb": verb, "data": data or {}}
        if title is not None:
            action["title"] = title
        value: dict = {"action": action}
        if trigger is not None:
            value["trigger"] = trigger
        return await self.request("POST", "/_conversation/v1/invoke", {
            "name": name, "conversation": {"id": conversation_id}, "replyToId": reply_to_id,
            "from": {"id": self.user(from_user)["id"]}, "value": value})

    async def submit(self, conversation_id: str, reply_to_id: str, from_user: str | dict,
                     value: dict) -> tuple[int, Any]:
        """An Action.Submit click (arrives as a message with ``value``)."""
        return await self.request("POST", "/_conversation/v1/submit", {
            "conversation": {"id": conversation_id}, "replyToId": reply_to_id,
            "from": {"id": self.user(from_user)["id"]}, "value": value})

    async def install(self, conversation_id: str) -> None:
        """What the UI does when a chat is first opened (installationUpdate + membersAdded)."""
        await self._ok("POST", f"/_debug/conversation/{conversation_id}/installation", {})

    async def send_raw_activity(self, activity: dict, *, wait: bool = True,
                                timeout: float = 10) -> BotRequest | None:
        """POST the activity verbatim to the bot (customActivities). With ``wait`` (needs an ``id``)
        returns the resulting delivery."""
        mark = len(self.log_events)
        await self._ok("POST", "/_internal/v1/customActivities", activity)
        if not wait:
            return None
        return await self.wait_for_bot_request(lambda r: r.activity.get("id") == activity["id"],
                                               timeout=timeout, since=mark)

    async def resend_last_activity_to_bot(self, predicate: Callable[[BotRequest], bool] | None = None,
                                          *, timeout: float = 10) -> BotRequest:
        """Deliver again, byte for byte (same ``id``), the last activity the bot received
        (optionally the last one matching ``predicate``): a duplicate delivery as Teams does on retry."""
        matches = [r for r in self.bot_requests() if predicate is None or predicate(r)]
        if not matches:
            raise PlaygroundError("no activity was delivered to the bot yet")
        return await self.send_raw_activity(matches[-1].activity, timeout=timeout)

    # ------------------------------------------------------------------ observing the bot
    def bot_requests(self, since: int = 0) -> list[BotRequest]:
        """Activities the Playground delivered to the bot, with the bot's HTTP answer."""
        out = []
        for ev in self.log_events[since:]:
            log = ev.get("log") or {}
            if log.get("type") == "bot" and log.get("from") == _PLAYGROUND and log.get("to") == _BOT_APP:
                resp = log.get("response") or {}
                out.append(BotRequest(activity=(log.get("request") or {}).get("body") or {},
                                      status=resp.get("statusCode"), response=resp.get("body"),
                                      conversation_id=log.get("conversationId"), log=log))
        return out

    def connector_calls(self, since: int = 0) -> list[dict]:
        """The bot's calls to the mock connector (log items: activityName, request, response...)."""
        return [ev["log"] for ev in self.log_events[since:]
                if (ev.get("log") or {}).get("type") == "bot" and ev["log"].get("from") == _BOT_APP]

    def warnings(self, since: int = 0) -> list[dict]:
        return [ev["log"] for ev in self.log_events[since:]
                if (ev.get("log") or {}).get("type") == "text" and ev["log"].get("level") in ("warning", "error")]

    async def wait_for_bot_request(self, predicate: Callable[[BotRequest], bool], *, timeout: float = 10,
                                   since: int = 0) -> BotRequest:
        """Wait for a delivery to the bot (logged once the bot answered). Raises PlaygroundError
        at once if the Playground reports it could not connect to the bot."""
        def find() -> BotRequest | None:
            for req in self.bot_requests(since):
                if predicate(req):
                    return req
            for w in self.warnings(since):
                if "Cannot connect to your app" in w.get("displayText", ""):
                    raise PlaygroundError(f"the Playground cannot reach the bot at {self.bot_endpoint}")
            return None
        return await self._wait(find, timeout, "a delivery to the bot")

    async def _fill_delivery(self, sent: Sent, mark: int, timeout: float,
                             match: Callable[[dict], bool]) -> None:
        req = await self.wait_for_bot_request(lambda r: match(r.activity), timeout=timeout, since=mark)
        sent.activity, sent.status, sent.response = req.activity, req.status, req.response

    def bot_messages(self, since: int = 0,
                     actions: tuple[str, ...] = ("createMessage", "updateMessage")) -> list[dict]:
        """Websocket events for messages from the bot."""
        return [ev for ev in self.conversation_events[since:]
                if ev.get("action") in actions
                and (ev.get("message") or {}).get("from", {}).get("id") == self.bot["id"]]

    async def wait_for_bot_message(self, predicate: Callable[[dict], bool] | None = None,
                                   timeout: float = 10, *, since: int = 0,
                                   actions: tuple[str, ...] = ("createMessage", "updateMessage")) -> dict:
        """First bot createMessage/updateMessage event (from index ``since`` of
        ``conversation_events``) satisfying ``predicate``."""
        def find() -> dict | None:
            return next((ev for ev in self.bot_messages(since, actions)
                         if predicate is None or predicate(ev)), None)
        return await self._wait(find, timeout, f"a bot message ({', '.join(actions)})")

    @staticmethod
    def adaptive_cards(event: dict) -> list[dict]:
        return [a.get("content") or {} for a in (event.get("message") or {}).get("attachments") or []
                if a.get("contentType") == ADAPTIVE_CARD]

    @classmethod
    def card_contains(cls, event: dict, text: str) -> bool:
        return any(text in json.dumps(card, ensure_ascii=False) for card in cls.adaptive_cards(event))

    def find_card_message(self, text: str, *, since: int = 0,
                          actions: tuple[str, ...] = ("createMessage", "updateMessage")) -> dict | None:
        """Latest bot message whose adaptive card JSON contains ``text``."""
        found = [ev for ev in self.bot_messages(since, actions) if self.card_contains(ev, text)]
        return found[-1] if found else None

    async def wait_for_card(self, text: str, timeout: float = 10, *, since: int = 0,
                            actions: tuple[str, ...] = ("createMessage", "updateMessage")) -> dict:
        return await self.wait_for_bot_message(lambda ev: self.card_contains(ev, text), timeout,
                                               since=since, actions=actions)

    @staticmethod
    def thread_of(event: dict) -> str:
        """Thread id of a bot message event: its new thread for a channel post, else its conversation."""
        return event["message"].get("postConversationId") or event["actionConversationId"]
