"""Blend's composition root: settings, database, adapter and bot wired into one aiohttp app.
Nothing imports this module; run it with ``python app.py``."""

from __future__ import annotations

import logging

from aiohttp import web

from settings import Settings, load_settings

log = logging.getLogger("blend")

ENGINE = web.AppKey("engine", object)
SETTINGS = web.AppKey("settings", Settings)


def create_app(settings: Settings) -> web.Application:
    # botbuilder and SQLAlchemy load here, not at import, so `--help`-style tooling stays fast.
    from bot.adapter import create_adapter
    from bot.handler import BlendBot
    from bot.http import messages_route
    from storage.database import create_engine, ping, session_factory
    from storage.migrate import migrate
    from storage.unit_of_work import SqlUnitOfWork

    engine = create_engine(settings.database_url)
    sessions = session_factory(engine)
    adapter = create_adapter(settings)
    bot = BlendBot(lambda: SqlUnitOfWork(sessions), bot_app_id=settings.app_id)

    async def healthz(_: web.Request) -> web.Response:
        if await ping(engine):
            return web.json_response({"status": "ok"})
        return web.json_response({"status": "database unavailable"}, status=503)

    async def on_startup(_: web.Application) -> None:
        await migrate(engine)

    async def on_cleanup(_: web.Application) -> None:
        await engine.dispose()

    app = web.Application(client_max_size=1024 * 1024)
    app[SETTINGS] = settings
    app[ENGINE] = engine
    app.router.add_post("/api/messages", messages_route(adapter, bot))
    app.router.add_get("/healthz", healthz)
    app.on_startup.append(on_startup)
    app.on_cleanup.append(on_cleanup)
    return app


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = load_settings()
    if settings.local_mode:
        log.warning(
            "\n" + "!" * 72 + "\n"
            "  LOCAL MODE: APP_ID is not set, so AUTHENTICATION IS OFF.\n"
            "  Blend accepts unsigned requests and listens on 127.0.0.1 only.\n"
            "  Set APP_ID, APP_PASSWORD and APP_TENANTID for a real Teams deployment.\n"
            + "!" * 72
        )
    web.run_app(create_app(settings), host=settings.bind_host, port=settings.port, print=None)


if __name__ == "__main__":
    main()
