"""BlendAdapter with authentication ON: every bad token is a 401, never a 500.

Tokens are checked against a local OpenID/JWKS server (in a thread: the SDK fetches keys with a
blocking requests.get), wired in through settings.bot_auth_overrides.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
import pytest
from botbuilder.core import ActivityHandler, InvokeResponse
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from bot.adapter import create_adapter
from settings import Settings

ISSUER = "https://api.botframework.com"
APP_ID = "11111111-2222-3333-4444-555555555555"
SERVICE_URL = "https://smba.trafficmanager.net/emea/"  # never called: the bot only answers invokes


class InvokeBot(ActivityHandler):
    def __init__(self) -> None:
        self.calls = 0

    async def on_invoke_activity(self, turn_context):
        self.calls += 1
        return InvokeResponse(status=200, body={"ok": True})


class KeyServer:
    """OpenID metadata + JWKS on 127.0.0.1, one RSA key endorsed for msteams."""

    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        jwk = RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        jwk.update(kid="key-1", use="sig", endorsements=["msteams"])
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                docs = {
                    "/openid": {"issuer": ISSUER, "jwks_uri": f"{server.base}/keys"},
                    "/keys": {"keys": [jwk]},
                }
                body = json.dumps(docs.get(self.path, {})).encode()
                self.send_response(200 if self.path in docs else 404)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def token(self, key=None, kid="key-1", algorithm="RS256", **claims) -> str:
        now = int(time.time())
        payload = {"iss": ISSUER, "aud": APP_ID, "serviceurl": SERVICE_URL, "nbf": now - 60,
                   "exp": now + 3600, **claims}
        return jwt.encode(payload, key or self.key, algorithm=algorithm, headers={"kid": kid})


@pytest.fixture(scope="module")
def key_server():
    server = KeyServer()
    server.thread.start()
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


def auth_settings(**overrides) -> Settings:
    return Settings(app_id=APP_ID, app_password="not-a-real-secret", app_type="SingleTenant",
                    app_tenant_id="tenant-1", bot_auth_overrides=overrides)


def invoke(channel_id: str = "msteams") -> dict:
    return {
        "type": "invoke", "name": "custom/ping", "id": "act-1", "channelId": channel_id,
        "serviceUrl": SERVICE_URL, "from": {"id": "user-1"}, "recipient": {"id": f"28:{APP_ID}"},
        "conversation": {"id": "conv-1"},
    }


async def post(serve, settings, authorization=None, body=None):
    bot = InvokeBot()
    client = await serve(create_adapter(settings), bot)
    headers = {"Authorization": authorization} if authorization is not None else {}
    response = await client.post("/api/messages", json=body or invoke(), headers=headers)
    return response, bot


def unsigned(claims: dict) -> str:
    return jwt.encode(claims, "k" * 32, algorithm="HS256")


# Public-cloud configuration (no overrides): these all fail before any key download.
@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "",
        "Bearer garbage",  # jwt.DecodeError
        "Basic dXNlcjpwYXNz",  # PermissionError
        "Bearer a b",
        "Bearer " + unsigned({"aud": APP_ID}),  # no iss: KeyError inside the SDK
        "Bearer " + unsigned({"iss": "https://evil.example", "aud": APP_ID}),
    ],
    ids=["missing", "empty", "garbage", "basic", "three-parts", "no-iss", "foreign-iss"],
)
async def test_public_cloud_rejects_bad_credentials_with_401(serve, authorization):
    response, bot = await post(serve, auth_settings(), authorization)
    assert response.status == 401
    assert await response.json() == {"error": "unauthorized"}
    assert bot.calls == 0


def local_keys(key_server) -> Settings:
    return auth_settings(
        TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL=f"{key_server.base}/openid",
        TO_BOT_FROM_CHANNEL_TOKEN_ISSUER=ISSUER,
    )


async def test_valid_token_reaches_the_bot(serve, key_server):
    response, bot = await post(serve, local_keys(key_server), f"Bearer {key_server.token()}")
    assert response.status == 200
    assert await response.json() == {"ok": True}
    assert bot.calls == 1


@pytest.mark.parametrize(
    ("make_header", "body"),
    [
        (lambda ks: None, None),
        (lambda ks: "", None),  # the stock adapter crashes on "" with this configuration
        (lambda ks: "Bearer garbage", None),
        (lambda ks: f"Bearer {ks.token(exp=int(time.time()) - 3600)}", None),  # expired
        (lambda ks: f"Bearer {ks.token(key=rsa.generate_private_key(65537, 2048))}", None),
        (lambda ks: f"Bearer {ks.token(kid='unknown')}", None),  # IndexError inside the SDK
        (lambda ks: f"Bearer {ks.token(key='k' * 32, algorithm='HS256')}", None),
        (lambda ks: f"Bearer {ks.token(aud='someone-else')}", None),
        (lambda ks: f"Bearer {ks.token(serviceurl='https://attacker.example/')}", None),
        (lambda ks: f"Bearer {ks.token()}", invoke(channel_id="webchat")),  # not endorsed
    ],
    ids=["missing", "empty", "garbage", "expired", "wrong-key", "unknown-kid", "hs256",
         "wrong-aud", "wrong-serviceurl", "wrong-channel"],
)
async def test_bad_tokens_get_401(serve, key_server, make_header, body):
    response, bot = await post(serve, local_keys(key_server), make_header(key_server), body)
    assert response.status == 401
    assert bot.calls == 0


async def test_unreachable_key_server_is_503_not_401(serve, key_server):
    settings = auth_settings(
        TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL="http://127.0.0.1:9/openid",
        TO_BOT_FROM_CHANNEL_TOKEN_ISSUER=ISSUER,
    )
    response, bot = await post(serve, settings, f"Bearer {key_server.token()}")
    assert response.status == 503
    assert bot.calls == 0
