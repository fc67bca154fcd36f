"""The moderator and maintainer console (aiohttp + jinja2), mounted on the same application as the webhook.

Server-rendered pages, no JavaScript. Roles: moderators work the queue (claim, read, note, take over,
reply, hand back, resolve); maintainers look after the knowledge base (sources, unanswered questions,
the evaluation export, "try it", retracted sources); admins can do all of that and manage accounts and
read the audit log. Every page but ``/login``, ``/healthz`` and ``/static`` needs a session.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web

from bot import moderation as mod
from bot.bootstrap import Services
from bot.console import security
from bot.console.auth import AccountError
from bot.console.views import LOGIN_GUARD, setup_routes
from bot.conversations import FloodGuard
from bot.web.app import SERVICES, TELEGRAM

log = logging.getLogger(__name__)
HERE = Path(__file__).parent
LOGIN_ATTEMPTS, LOGIN_WINDOW = 20, 300.0  # per client address, on top of the per-account lockout
REALERT_TASK = web.AppKey("console_realert_task", asyncio.Task[None])


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else "—"


def _ago(minutes: int) -> str:
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h {minutes % 60} min"
    return f"{minutes // 1440} days"


async def _context(request: web.Request) -> dict[str, object]:
    principal = request.get(security.PRINCIPAL)
    return {
        "me": principal,
        "csrf": getattr(principal, "csrf_token", ""),
        "path": request.path,
    }


@web.middleware
async def errors(request: web.Request, handler: security.Handler) -> web.StreamResponse:
    """Show a refused action (held by someone else, already resolved, bad input) as a clear page."""
    try:
        return await handler(request)
    except (mod.ModerationError, AccountError) as exc:
        status = exc.status if isinstance(exc, mod.ModerationError) else 400
        parts = request.path.strip("/").split("/")
        back = "/" + "/".join(parts[:2] if parts[0] == "queue" else parts[:1])
        return aiohttp_jinja2.render_template(
            "error.html", request, {"message": str(exc), "back": back}, status=status
        )


async def realert_once(app: web.Application) -> list[int]:
    """Queue re-alerts for critical items nobody claimed in time, and deliver them when the bot runs."""
    services = app[SERVICES]
    ids = await asyncio.to_thread(mod.realert_due, services.db, services.settings.critical_realert_minutes)
    if ids and TELEGRAM in app:
        await app[TELEGRAM].deliver(ids)
    return ids


async def _realert_loop(app: web.Application) -> None:
    every = min(60.0, app[SERVICES].settings.critical_realert_minutes * 60 / 2)
    while True:
        await asyncio.sleep(every)
        try:
            count = len(await realert_once(app))
            if count:
                log.warning("re-alerted the moderators about %d unclaimed critical items", count)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("the re-alert job failed; it runs again later")


async def realert_job(app: web.Application) -> AsyncIterator[None]:
    """Run the re-alert loop while the application runs (only when a moderators' chat is set)."""
    if app[SERVICES].settings.moderator_chat_id is None:
        log.info("no moderators' chat configured: critical items are not re-alerted")
        yield
        return
    app[REALERT_TASK] = asyncio.create_task(_realert_loop(app), name="rahnuma-realert")
    yield
    app[REALERT_TASK].cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await app[REALERT_TASK]


def setup_console(app: web.Application, services: Services) -> None:
    """Add the console's routes, middlewares and background jobs to the application."""
    # the guard runs before jinja's context processors, so pages see who is logged in
    app.middlewares.extend([errors, security.guard])
    env = aiohttp_jinja2.setup(
        app,
        loader=jinja2.FileSystemLoader(str(HERE / "templates")),
        autoescape=True,
        context_processors=[_context],
        undefined=jinja2.StrictUndefined,
    )
    env.filters["when"] = _when
    env.filters["ago"] = _ago
    env.globals["outcome_label"] = mod.OUTCOMES
    app[LOGIN_GUARD] = FloodGuard(LOGIN_ATTEMPTS, LOGIN_WINDOW)
    app.on_response_prepare.append(security.security_headers)
    setup_routes(app)
    app.router.add_static("/static", HERE / "static", name="static")
    app.cleanup_ctx.append(realert_job)
