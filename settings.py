"""Configuration from the environment and an optional ``.env`` file."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./data/blend.db"


@dataclass(frozen=True)
class Settings:
    app_id: str = ""
    app_password: str = ""
    app_type: str = "SingleTenant"
    app_tenant_id: str = ""
    database_url: str = DEFAULT_DATABASE_URL
    # PostgreSQL connections an instance keeps open; a unit of work waits its turn for one.
    database_pool_size: int = 20
    host: str = ""
    port: int = 3978
    # Host patterns of the Bot Connector service URLs Blend may call (empty: Teams' own hosts).
    service_url_hosts: tuple[str, ...] = ()
    # Azure AD tenants whose activities Blend accepts (empty: any tenant).
    allowed_tenants: tuple[str, ...] = ()
    # How often the background runner looks for due deadlines and reminders (seconds).
    job_interval_seconds: float = 5.0
    # Connector requests per second for proactive sends (reminders, deadline posts); Teams allows ~50.
    send_rate_per_second: int = 48
    # Extra keys botbuilder's ConfigurationBotFrameworkAuthentication understands
    # (e.g. TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL for tests with a local key server).
    bot_auth_overrides: dict[str, str] = field(default_factory=dict)
    # Microsoft Graph (calendar invitations, channel members): "" = none, invitations go to outbox_dir.
    graph_auth: str = ""  # secret | certificate | managed_identity | default
    graph_tenant_id: str = ""
    graph_client_id: str = ""
    graph_client_secret: str = field(default="", repr=False)
    graph_certificate_path: str = ""
    outbox_dir: str = "./outbox"

    @property
    def local_mode(self) -> bool:
        """No app id: authentication is off, so the bot must only listen on loopback."""
        return not self.app_id

    @property
    def bind_host(self) -> str:
        if self.local_mode:
            return "127.0.0.1"
        return self.host or "0.0.0.0"


_AUTH_OVERRIDE_KEYS = (
    "TO_BOT_FROM_CHANNEL_TOKEN_ISSUER",
    "TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL",
    "TO_CHANNEL_FROM_BOT_LOGIN_URL",
    "TO_CHANNEL_FROM_BOT_OAUTH_SCOPE",
)


def _number(key: str, raw: str, default, kind):
    """A positive number from the setting ``key`` (``raw``), or ``default`` when unset; else a clear error."""
    raw = raw.strip()
    if not raw:
        return default
    try:
        value = kind(raw)
    except ValueError:
        raise ValueError(f"{key} must be a number, not {raw!r}") from None
    if value <= 0:
        raise ValueError(f"{key} must be positive, not {raw!r}")
    return value


def load_settings(env: Mapping[str, str] | None = None, dotenv: Path | None = Path(".env")) -> Settings:
    """Read settings; values already in the environment win over the ``.env`` file."""
    if env is None:
        env = dict(os.environ)
        if dotenv is not None and dotenv.exists():
            from dotenv import dotenv_values

            env = {**{k: v or "" for k, v in dotenv_values(dotenv).items()}, **env}
    return Settings(
        app_id=env.get("APP_ID", "").strip(),
        app_password=env.get("APP_PASSWORD", ""),
        app_type=env.get("APP_TYPE", "SingleTenant").strip() or "SingleTenant",
        app_tenant_id=env.get("APP_TENANTID", "").strip(),
        database_url=env.get("DATABASE_URL", "").strip() or DEFAULT_DATABASE_URL,
        database_pool_size=_number("BLEND_DATABASE_POOL_SIZE", env.get("BLEND_DATABASE_POOL_SIZE", ""), 20, int),
        host=env.get("HOST", "").strip(),
        port=int(env.get("PORT", "3978") or 3978),
        bot_auth_overrides={k: env[k] for k in _AUTH_OVERRIDE_KEYS if env.get(k)},
        job_interval_seconds=_number("BLEND_JOB_INTERVAL_SECONDS", env.get("BLEND_JOB_INTERVAL_SECONDS", ""), 5.0, float),
        send_rate_per_second=_number("BLEND_SEND_RATE_PER_SECOND", env.get("BLEND_SEND_RATE_PER_SECOND", ""), 48, int),
        graph_auth=env.get("GRAPH_AUTH", "").strip().lower(),
        graph_tenant_id=env.get("GRAPH_TENANT_ID", "").strip(),
        graph_client_id=env.get("GRAPH_CLIENT_ID", "").strip(),
        graph_client_secret=env.get("GRAPH_CLIENT_SECRET", ""),
        graph_certificate_path=env.get("GRAPH_CERTIFICATE_PATH", "").strip(),
        outbox_dir=env.get("BLEND_OUTBOX_DIR", "").strip() or "./outbox",
        service_url_hosts=tuple(h.strip().lower() for h in env.get("BLEND_SERVICE_URL_HOSTS", "").split(",") if h.strip()),
        allowed_tenants=tuple(t.strip().lower() for t in env.get("BLEND_ALLOWED_TENANTS", "").split(",") if t.strip()),
    )
