"""``rahnuma serve``: the web application (health check, webhook, console) and the Telegram bot, together.

Polling or webhook; without a token only the web application runs. SIGTERM or Ctrl-C stops it gracefully:
no new updates are taken, those in flight finish, then the store and the database close.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Awaitable, Callable, Sequence

from aiohttp import web

from bot.bootstrap import Services
from bot.pipeline import refresh_pipeline
from bot.telegram.runtime import TelegramRuntime
from bot.web.app import make_app

log = logging.getLogger(__name__)
PURGE_EVERY = 3600.0
STORE_CHECK_EVERY = 60.0
Extension = Callable[[web.Application, Services], None]


async def serve(
    services: Services,
    mode: str | None = None,
    stop: asyncio.Event | None = None,
    extensions: Sequence[Extension] = (),
) -> None:
    """Run until ``stop`` is set (or a signal arrives); ``extensions`` add routes (the console)."""
    settings = services.settings
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)

    telegram: TelegramRuntime | None = None
    webhook = False
    if settings.telegram_token is not None:
        webhook = mode == "webhook" or (mode is None and settings.webhook_url is not None)
        telegram = TelegramRuntime(settings, services.conversations)
    elif mode is not None:
        raise ValueError(
            "RAHNUMA_TELEGRAM_TOKEN is not set; `rahnuma serve` without it serves the console only"
        )

    app = make_app(services, telegram, webhook)
    for extend in extensions:
        extend(app, services)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, settings.web_host, settings.web_port)
    await site.start()
    log.warning("web application on http://%s:%d", settings.web_host, settings.web_port)
    store = settings.open_store()  # opened once; checked every minute for a newly promoted version
    tasks = [
        asyncio.create_task(_every(PURGE_EVERY, services.conversations.purge), name="rahnuma-purge"),
        asyncio.create_task(
            _every(
                STORE_CHECK_EVERY,
                lambda: asyncio.to_thread(refresh_pipeline, services.pipeline, settings, store),
            ),
            name="rahnuma-store-check",
        ),
    ]
    try:
        if telegram is not None:
            await telegram.start(webhook)
            log.warning("Telegram bot running (%s)", "webhook" if webhook else "long polling")
        await stop.wait()
    finally:
        log.warning("stopping: finishing the updates in flight")
        await site.stop()
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if telegram is not None:
            await telegram.stop()
        await runner.cleanup()
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(sig)


async def _every(seconds: float, job: Callable[[], Awaitable[object]]) -> None:
    while True:
        try:
            await job()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("a scheduled job failed; it runs again later")
        await asyncio.sleep(seconds)
