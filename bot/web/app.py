"""The one aiohttp application ``rahnuma serve`` runs: ``/healthz``, the Telegram webhook, the console."""

from __future__ import annotations

import logging

from aiohttp import web
from sqlalchemy import text

from bot.bootstrap import Services
from bot.telegram.runtime import TelegramRuntime

log = logging.getLogger(__name__)
SERVICES = web.AppKey("services", Services)
TELEGRAM = web.AppKey("telegram", TelegramRuntime)
MAX_BODY = 1024 * 1024  # Telegram updates and console forms are far smaller
WEBHOOK_PATH = "/telegram/webhook"


async def healthz(request: web.Request) -> web.Response:
    """Whether the database answers, and which store version answers questions."""
    services = request.app[SERVICES]
    try:
        with services.db.session() as s:
            s.execute(text("SELECT 1"))
        database = "ok"
    except Exception:
        log.exception("health check: the database does not answer")
        database = "error"
    body = {
        "status": "ok" if database == "ok" else "error",
        "database": database,
        "store_version": services.pipeline.store_version,
        "telegram": TELEGRAM in request.app,
    }
    return web.json_response(body, status=200 if database == "ok" else 503)


async def telegram_webhook(request: web.Request) -> web.Response:
    """Store the update, then answer 200; a wrong or missing secret is refused and nothing is processed."""
    runtime = request.app[TELEGRAM]
    if not runtime.check_secret(request.headers.get("X-Telegram-Bot-Api-Secret-Token")):
        log.warning("refused a webhook request without the right secret")
        return web.json_response({"ok": False, "error": "forbidden"}, status=403)
    body = await request.text()
    try:
        await runtime.accept_webhook(body)
    except ValueError:
        return web.json_response({"ok": False, "error": "not an update"}, status=400)
    except Exception:  # not stored: a non-200 answer makes Telegram send it again
        log.exception("could not store a webhook update")
        return web.json_response({"ok": False, "error": "try again"}, status=500)
    return web.json_response({"ok": True})


def make_app(
    services: Services, telegram: TelegramRuntime | None = None, webhook: bool = False
) -> web.Application:
    """The application: health check, the webhook when Telegram runs in webhook mode, and the console."""
    app = web.Application(client_max_size=MAX_BODY)
    app[SERVICES] = services
    app.router.add_get("/healthz", healthz)
    if telegram is not None:
        app[TELEGRAM] = telegram
        if webhook:
            app.router.add_post(WEBHOOK_PATH, telegram_webhook)
    return app
