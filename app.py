"""Blend's composition root: settings, database, adapter and bot wired into one aiohttp app.
Nothing imports this module; run it with ``python app.py``."""

from __future__ import annotations

import asyncio
import gc
import importlib
import logging
import time
from typing import AsyncIterator

from aiohttp import web

from settings import Settings, load_settings
from trajectory.files import FileStore
from trajectory.meetings import MeetingScheduler, MemberDirectory

log = logging.getLogger("blend")

ENGINE = web.AppKey("engine", object)
SETTINGS = web.AppKey("settings", Settings)
JOBS = web.AppKey("jobs", object)  # the dialogs.jobs.JobLoop, while the app runs
# The calendar ports (graph/): Microsoft Graph when GRAPH_AUTH is set, else the local .ics outbox.
SCHEDULER = web.AppKey("scheduler", MeetingScheduler)
DIRECTORY = web.AppKey("directory", MemberDirectory)
FILES = web.AppKey("files", FileStore)  # the channel's Files (graph/): SharePoint, or <outbox>/files


def create_app(settings: Settings) -> web.Application:
    # botbuilder and SQLAlchemy load here, not at import, so `--help`-style tooling stays fast.
    from bot.adapter import create_adapter
    from bot.connector_http import ConnectorHttp
    from bot.direct import DirectTurns
    from bot.handler import BlendBot, utc_now
    from bot.http import messages_route
    from bot.messenger import paced_turn_messenger, turn_sender
    from bot.proactive import ProactiveChannels
    from bot.sending import Sender
    from dialogs.jobs import JobLoop, JobRunner
    from graph.factory import create_calendar
    from storage.database import create_engine, ping, session_factory
    from storage.migrate import migrate
    from storage.sqlite_on_loop import statements_on_thread
    from storage.unit_of_work import SqlUnitOfWork

    engine = create_engine(settings.database_url, pool_size=settings.database_pool_size)
    sessions = session_factory(engine)
    adapter = create_adapter(settings)
    uows = lambda: SqlUnitOfWork(sessions)  # noqa: E731
    calendar = create_calendar(settings, uows)  # a GRAPH_* mistake fails here, at start-up
    turn_sends = turn_sender()  # one Sender for both ways a turn sends (SDK pipeline and direct path)
    bot = BlendBot(
        uows,
        messenger_for=paced_turn_messenger(settings.app_id, turn_sends),
        scheduler=calendar.scheduler,
        directory=calendar.directory,
        files=calendar.files,
    )
    # Messages and card actions skip botbuilder's turn pipeline (bot/direct.py); they and the jobs'
    # proactive messages share one HTTP session for the Bot Connector, open while the app runs.
    connector = ConnectorHttp()
    adapter.direct = DirectTurns(bot, connector, turn_sends)

    async def connector_session(_: web.Application) -> AsyncIterator[None]:
        await connector.start()
        yield
        await connector.close()

    async def healthz(_: web.Request) -> web.Response:
        if await ping(engine):
            return web.json_response({"status": "ok"})
        return web.json_response({"status": "database unavailable"}, status=503)

    async def database(_: web.Application) -> AsyncIterator[None]:
        await migrate(engine)
        yield

    # Deadlines and reminders: stored jobs, run in the background by whichever instance claims them.
    sender = Sender(time.monotonic, tenant_per_second=settings.send_rate_per_second)
    runner = JobRunner(
        uows,
        ProactiveChannels(adapter, sender, settings.app_id, connector),
        clock=utc_now,
        scheduler=calendar.scheduler,
        directory=calendar.directory,
        files=calendar.files,
    )
    job_loop = JobLoop(runner, settings.job_interval_seconds)

    async def jobs(_: web.Application) -> AsyncIterator[None]:
        # outputs/ (openpyxl, python-docx, Pillow: ~0.2-0.3 s of imports) loads on a worker thread
        # while Blend starts answering, so the first filing doesn't hold every click for its imports.
        warming = asyncio.get_running_loop().run_in_executor(None, importlib.import_module, "outputs.registry")
        warming.add_done_callback(lambda done: not done.cancelled() and done.exception() and log.warning("outputs/ did not load"))
        # The jobs' SQLite statements (files, reports, fan-outs: bulk reads) stay on aiosqlite's
        # thread; a turn's run on the loop (storage/sqlite_on_loop.py).
        with statements_on_thread():
            job_loop.start()
        settle_heap()
        warming.add_done_callback(lambda _: gc.freeze())  # outputs/ too, once it has loaded
        yield
        await job_loop.stop()  # a job cut short is taken up again once its lease runs out

    async def on_cleanup(_: web.Application) -> None:
        try:
            await calendar.close()  # Graph's HTTP connections (the upload client's too) and credential
        finally:
            await engine.dispose()

    app = web.Application(client_max_size=1024 * 1024)
    app[SETTINGS] = settings
    app[ENGINE] = engine
    app[JOBS] = job_loop
    app[SCHEDULER] = calendar.scheduler
    app[DIRECTORY] = calendar.directory
    app[FILES] = calendar.files
    app.router.add_post("/api/messages", messages_route(adapter, bot))
    app.router.add_get("/healthz", healthz)
    # In this order: the runner starts on a migrated database and stops before the engine closes
    # (on_cleanup runs after the cleanup contexts have closed).
    app.cleanup_ctx.append(connector_session)
    app.cleanup_ctx.append(database)
    app.cleanup_ctx.append(jobs)
    app.on_cleanup.append(on_cleanup)
    return app


def settle_heap() -> None:
    """What start-up loaded (modules, SQLAlchemy's, botbuilder's and Babel's tables, the catalogs)
    lives as long as the process: frozen out of the cyclic collector's sight, so the full collections
    that traffic triggers walk only what was made since, and young collections every 10,000 new
    objects instead of 700. On PostgreSQL at 16 concurrent clicks the full collections were the
    p99 (~100 ms against a p50 of 35 ms); frozen, 35-90 ms and ~10% more clicks per second (issue 9)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 20, 20)


def main() -> None:
    from bot.logs import configure

    configure(logging.INFO)  # key=value lines with the request's ids; no user text, no tokens
    settings = load_settings()
    if settings.local_mode:
        log.warning(
            "\n" + "!" * 72 + "\n"
            "  LOCAL MODE: APP_ID is not set, so AUTHENTICATION IS OFF.\n"
            "  Blend accepts unsigned requests and listens on 127.0.0.1 only.\n"
            "  Set APP_ID, APP_PASSWORD and APP_TENANTID for a real Teams deployment.\n"
            + "!" * 72
        )
    # access_log=None: bot/http.py logs every answer with its ids and time instead.
    web.run_app(create_app(settings), host=settings.bind_host, port=settings.port, print=None, access_log=None)


if __name__ == "__main__":
    main()
