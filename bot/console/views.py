"""The console's views: thin handlers that read the form, call the moderation service in a thread, render.

Capabilities: ``console`` (any account), ``moderate`` (moderators, admins), ``maintain`` (maintainers,
admins), ``admin`` (admins).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections import Counter
from collections.abc import Callable
from typing import Any, TypeVar

import aiohttp_jinja2
from aiohttp import web

from bot import moderation as mod
from bot.console import auth
from bot.console.charts import bar_chart, column_chart
from bot.console.security import (
    LOGIN_COOKIE,
    SESSION_COOKIE,
    current,
    login_csrf_ok,
    new_login_token,
    requires,
    set_cookie,
)
from bot.conversations import FloodGuard
from bot.web.app import SERVICES, TELEGRAM
from knowledge_base.manifest import ManifestError, load_manifest

log = logging.getLogger(__name__)
R = TypeVar("R")
LOGIN_GUARD = web.AppKey("console_login_guard", FloodGuard)
LOGIN_ERROR = "Wrong username or password, or the account is locked or disabled. Try again later."
DONE = {
    "claim": "You hold this item now.",
    "release": "The item is back in the queue.",
    "note": "Note added.",
    "resolve": "Item resolved.",
    "takeover": "You have the conversation: the bot stays silent until you hand it back.",
    "reply": "Reply stored and sent to the bot for delivery.",
    "handback": "The bot has the conversation again.",
}


async def run(fn: Callable[..., R], *args: Any, **kwargs: Any) -> R:
    """Run a synchronous service call off the event loop."""
    return await asyncio.to_thread(fn, *args, **kwargs)


def _id(request: web.Request) -> int:
    try:
        return int(request.match_info["id"])
    except ValueError:
        raise web.HTTPNotFound() from None


async def _form(request: web.Request) -> dict[str, str]:
    form = await request.post()
    return {k: v for k, v in form.items() if isinstance(v, str)}


# ---- login ---------------------------------------------------------------------------------------------


def _login_page(request: web.Request, error: str | None = None, status: int = 200) -> web.Response:
    token = request.cookies.get(LOGIN_COOKIE) or new_login_token()
    response = aiohttp_jinja2.render_template(
        "login.html", request, {"error": error, "login_csrf": token}, status=status
    )
    set_cookie(request, response, LOGIN_COOKIE, token, 3600)
    return response


def _see_other(location: str) -> web.Response:
    return web.Response(status=303, headers={"Location": location})


async def login_form(request: web.Request) -> web.Response:
    """The login form."""
    return _login_page(request)


async def login_submit(request: web.Request) -> web.Response:
    """Check the password, start a session; the same error for every failure."""
    services = request.app[SERVICES]
    settings = services.settings
    allowed, _ = request.app[LOGIN_GUARD].check(request.remote or "unknown")
    form = await _form(request)
    if not allowed:
        return _login_page(request, LOGIN_ERROR, status=429)
    if not login_csrf_ok(request, form.get("csrf")):
        return _login_page(request, "The form expired. Please try again.", status=403)
    done = await run(
        auth.login,
        services.db,
        form.get("username", "").strip().lower(),
        form.get("password", ""),
        max_failures=settings.login_max_failures,
        lockout=dt.timedelta(minutes=settings.login_lockout_minutes),
        session_length=dt.timedelta(hours=settings.session_hours),
    )
    if done is None:
        return _login_page(request, LOGIN_ERROR, status=401)
    token, principal = done
    response = _see_other("/")
    set_cookie(request, response, SESSION_COOKIE, token, int(settings.session_hours * 3600))
    response.del_cookie(LOGIN_COOKIE, path="/")
    log.info("console login (role %s)", principal.role)
    return response


@requires("console")
async def logout(request: web.Request) -> web.Response:
    """End the session."""
    me = current(request)
    await run(auth.logout, request.app[SERVICES].db, request.cookies.get(SESSION_COOKIE, ""), me.username)
    response = _see_other("/login")
    response.del_cookie(SESSION_COOKIE, path="/")
    return response


@requires("console")
async def index(request: web.Request) -> web.Response:
    """Start where the role works: the queue, or the sources."""
    raise web.HTTPFound("/queue" if current(request).may("moderate") else "/sources")


# ---- moderators ----------------------------------------------------------------------------------------


@requires("moderate")
@aiohttp_jinja2.template("queue.html")
async def queue(request: web.Request) -> dict[str, Any]:
    """The queue: most severe first, then oldest; counts per category and severity."""
    view = request.query.get("view", "open")
    if view not in mod.QUEUE_VIEWS:
        raise web.HTTPNotFound()
    page = await run(mod.list_queue, request.app[SERVICES].db, view, current(request).username)
    return {"page": page, "views": mod.QUEUE_VIEWS}


@requires("moderate")
@aiohttp_jinja2.template("transcript.html")
async def item(request: web.Request) -> dict[str, Any]:
    """One queue item: the transcript, its verdicts, answers and citations, the notes and the actions."""
    me = current(request)
    found = await run(mod.transcript, request.app[SERVICES].db, item_id=_id(request), actor=me.username)
    return {"t": found, "outcomes": mod.OUTCOMES, "done": DONE.get(request.query.get("done", ""))}


@requires("moderate")
@aiohttp_jinja2.template("transcript.html")
async def conversation(request: web.Request) -> dict[str, Any]:
    """A conversation's transcript without a queue item (e.g. one that cited a retracted source)."""
    me = current(request)
    found = await run(
        mod.transcript, request.app[SERVICES].db, conversation_id=_id(request), actor=me.username
    )
    return {"t": found, "outcomes": mod.OUTCOMES, "done": None}


def _back(item_id: int, done: str) -> web.HTTPSeeOther:
    return web.HTTPSeeOther(f"/queue/{item_id}?done={done}#actions")


@requires("moderate")
async def claim(request: web.Request) -> web.Response:
    """Claim an item; fails clearly when someone else holds it."""
    await run(mod.claim, request.app[SERVICES].db, _id(request), current(request).username)
    raise _back(_id(request), "claim")


@requires("moderate")
async def release(request: web.Request) -> web.Response:
    """Give an item back to the queue."""
    me = current(request)
    await run(mod.release, request.app[SERVICES].db, _id(request), me.username, admin=me.is_admin)
    raise _back(_id(request), "release")


@requires("moderate")
async def note(request: web.Request) -> web.Response:
    """Add a note."""
    form = await _form(request)
    await run(
        mod.add_note, request.app[SERVICES].db, _id(request), current(request).username, form.get("text", "")
    )
    raise _back(_id(request), "note")


@requires("moderate")
async def resolve(request: web.Request) -> web.Response:
    """Resolve with an outcome."""
    me, form = current(request), await _form(request)
    await run(
        mod.resolve,
        request.app[SERVICES].db,
        _id(request),
        me.username,
        form.get("outcome", ""),
        admin=me.is_admin,
    )
    raise _back(_id(request), "resolve")


@requires("moderate")
async def take_over(request: web.Request) -> web.Response:
    """Take the conversation over: the bot goes silent in it."""
    me = current(request)
    await run(mod.take_over, request.app[SERVICES].db, _id(request), me.username, admin=me.is_admin)
    raise _back(_id(request), "takeover")


@requires("moderate")
async def reply(request: web.Request) -> web.Response:
    """Store a reply and have the bot deliver it now (or its retry loop, soon)."""
    me, form = current(request), await _form(request)
    outbox_id = await run(
        mod.reply,
        request.app[SERVICES].db,
        _id(request),
        me.username,
        form.get("text", ""),
        admin=me.is_admin,
    )
    if TELEGRAM in request.app:
        try:
            await request.app[TELEGRAM].deliver([outbox_id])
        except Exception:  # stored: the retry loop sends it
            log.exception("a moderator reply could not be sent now; it stays queued")
    raise _back(_id(request), "reply")


@requires("moderate")
async def hand_back(request: web.Request) -> web.Response:
    """Give the conversation back to the bot."""
    me = current(request)
    await run(mod.hand_back, request.app[SERVICES].db, _id(request), me.username, admin=me.is_admin)
    raise _back(_id(request), "handback")


# ---- everyone ------------------------------------------------------------------------------------------


@requires("console")
@aiohttp_jinja2.template("dashboard.html")
async def dashboard(request: web.Request) -> dict[str, Any]:
    """Messages per day, flags per category and severity, feedback, time to claim and resolve."""
    figures = await run(mod.dashboard, request.app[SERVICES].db, 14)
    per_day = [(d.strftime("%d %b"), float(n)) for d, n in figures.messages_per_day]
    severities = list(figures.flags_per_severity.items())
    return {
        "d": figures,
        "messages_chart": column_chart(per_day, "Incoming messages per day"),
        "category_chart": bar_chart(
            [(k, float(v)) for k, v in figures.flags_per_category.items()], "Flags per category"
        ),
        "severity_chart": bar_chart(
            [(k, float(v)) for k, v in severities],
            "Flags per severity",
            css=[f"sev-{k}" for k, _ in severities],
        ),
        "feedback_chart": bar_chart([(k, float(v)) for k, v in figures.feedback.items()], "Feedback"),
    }


# ---- maintainers ---------------------------------------------------------------------------------------


def _version_time(version: str | None) -> dt.datetime | None:
    if not version:
        return None
    try:
        return dt.datetime.strptime(version[1:16], "%Y%m%dT%H%M%S").replace(tzinfo=dt.UTC)
    except ValueError:
        return None


def _chunk_counts(retriever: Any) -> Counter[str]:
    try:
        got = retriever.collection.get(include=["metadatas"])
        metadatas = got.get("metadatas") or []
    except Exception:  # the in-memory copy the retriever loaded at start
        log.exception("could not read the live collection; counting the loaded chunks")
        metadatas = [c.metadata for c in retriever.chunks]
    return Counter(str((m or {}).get("source_id")) for m in metadatas)


@requires("maintain")
@aiohttp_jinja2.template("sources.html")
async def sources(request: web.Request) -> dict[str, Any]:
    """The sources with status, reviewer, chunk count, and the live store version."""
    services = request.app[SERVICES]
    error = None
    try:
        manifest = await run(load_manifest, services.settings.kb_dir)
        entries = list(manifest.sources)
    except ManifestError as exc:
        entries, error = [], str(exc)
    counts = await run(_chunk_counts, services.pipeline.retriever)
    version = services.pipeline.store_version
    return {
        "sources": entries,
        "counts": counts,
        "version": version,
        "ingested": _version_time(version),
        "error": error,
        "retracted": sum(1 for s in entries if s.status == "retracted"),
    }


@requires("maintain")
@aiohttp_jinja2.template("retracted.html")
async def retracted(request: web.Request) -> dict[str, Any]:
    """Conversations whose answers cited a source that is now retracted, for review."""
    services = request.app[SERVICES]
    manifest = await run(load_manifest, services.settings.kb_dir)
    ids = [s.id for s in manifest.sources if s.status == "retracted"]
    uses = await run(mod.retracted_uses, services.db, ids)
    return {"ids": ids, "uses": uses}


@requires("maintain")
@aiohttp_jinja2.template("unanswered.html")
async def unanswered(request: web.Request) -> dict[str, Any]:
    """Questions the bot could not answer well, grouped by language and nearest topic."""
    services = request.app[SERVICES]
    weak = await run(mod.weak_questions, services.db, services.settings.min_score)
    return {"groups": mod.group_weak(weak), "total": len(weak), "min_score": services.settings.min_score}


@requires("maintain")
async def export(request: web.Request) -> web.Response:
    """Download feedback and flagged examples as a JSON-lines evaluation set."""
    services = request.app[SERVICES]
    try:
        topics = {s.id: tuple(s.topics) for s in (await run(load_manifest, services.settings.kb_dir)).sources}
    except ManifestError:
        topics = {}
    lines = await run(lambda: list(mod.export_eval_set(services.db, topics)))
    await run(
        mod.record, services.db, current(request).username, "export", "evaluation_set", None, lines=len(lines)
    )
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M")
    return web.Response(
        body="".join(lines).encode(),
        content_type="application/jsonl",
        headers={"Content-Disposition": f'attachment; filename="rahnuma-console-{stamp}.jsonl"'},
    )


@requires("maintain")
@aiohttp_jinja2.template("try.html")
async def try_form(request: web.Request) -> dict[str, Any]:
    """The "try it" form."""
    return {"result": None, "text": ""}


@requires("maintain")
@aiohttp_jinja2.template("try.html")
async def try_submit(request: web.Request) -> dict[str, Any]:
    """Show retrieval, classification and the answer for a question; nothing is stored but the audit entry."""
    services = request.app[SERVICES]
    text = (await _form(request)).get("text", "").strip()[: services.settings.max_input_chars]
    if not text:
        return {"result": None, "text": ""}
    result = await run(services.pipeline.ask, text)
    await run(mod.record, services.db, current(request).username, "try_it", None, None)
    return {"result": result, "contract": result.to_contract(), "text": text}


# ---- admins --------------------------------------------------------------------------------------------


@requires("admin")
@aiohttp_jinja2.template("accounts.html")
async def accounts(request: web.Request) -> dict[str, Any]:
    """Accounts and roles."""
    rows = await run(auth.list_accounts, request.app[SERVICES].db)
    return {"accounts": rows, "roles": auth.ROLES, "done": request.query.get("done")}


@requires("admin")
async def account_create(request: web.Request) -> web.Response:
    """Create an account."""
    form = await _form(request)
    await run(
        auth.create_account,
        request.app[SERVICES].db,
        form.get("username", "").strip().lower(),
        form.get("password", ""),
        form.get("role", ""),
        current(request).username,
    )
    raise web.HTTPSeeOther("/accounts?done=created")


def _account_name(request: web.Request) -> str:
    return request.match_info["name"]


@requires("admin")
async def account_role(request: web.Request) -> web.Response:
    """Change an account's role."""
    form = await _form(request)
    me = current(request)
    name = _account_name(request)
    if name == me.username:
        raise auth.AccountError("you cannot change your own role; ask another admin")
    await run(auth.set_role, request.app[SERVICES].db, name, form.get("role", ""), me.username)
    raise web.HTTPSeeOther("/accounts?done=role")


@requires("admin")
async def account_disable(request: web.Request) -> web.Response:
    """Disable an account and end its sessions."""
    me = current(request)
    name = _account_name(request)
    if name == me.username:
        raise auth.AccountError("you cannot disable your own account")
    await run(auth.set_disabled, request.app[SERVICES].db, name, True, me.username)
    raise web.HTTPSeeOther("/accounts?done=disabled")


@requires("admin")
async def account_enable(request: web.Request) -> web.Response:
    """Enable (and unlock) an account."""
    await run(
        auth.set_disabled, request.app[SERVICES].db, _account_name(request), False, current(request).username
    )
    raise web.HTTPSeeOther("/accounts?done=enabled")


@requires("admin")
@aiohttp_jinja2.template("audit.html")
async def audit(request: web.Request) -> dict[str, Any]:
    """The audit log, newest first; it can be read, never edited."""
    before = request.query.get("before")
    actor = request.query.get("actor") or None
    rows = await run(
        mod.audit_log,
        request.app[SERVICES].db,
        200,
        int(before) if before and before.isdigit() else None,
        actor,
    )
    return {"rows": rows, "actor": actor or ""}


def setup_routes(app: web.Application) -> None:
    """The console's routes."""
    r = app.router
    r.add_get("/login", login_form)
    r.add_post("/login", login_submit)
    r.add_post("/logout", logout)
    r.add_get("/", index)
    r.add_get("/queue", queue)
    r.add_get(r"/queue/{id:\d+}", item)
    r.add_post(r"/queue/{id:\d+}/claim", claim)
    r.add_post(r"/queue/{id:\d+}/release", release)
    r.add_post(r"/queue/{id:\d+}/note", note)
    r.add_post(r"/queue/{id:\d+}/resolve", resolve)
    r.add_post(r"/queue/{id:\d+}/takeover", take_over)
    r.add_post(r"/queue/{id:\d+}/reply", reply)
    r.add_post(r"/queue/{id:\d+}/handback", hand_back)
    r.add_get(r"/conversations/{id:\d+}", conversation)
    r.add_get("/dashboard", dashboard)
    r.add_get("/sources", sources)
    r.add_get("/sources/retracted", retracted)
    r.add_get("/unanswered", unanswered)
    r.add_get("/export/evaluation.jsonl", export)
    r.add_get("/try", try_form)
    r.add_post("/try", try_submit)
    r.add_get("/accounts", accounts)
    r.add_post("/accounts", account_create)
    r.add_post(r"/accounts/{name}/role", account_role)
    r.add_post(r"/accounts/{name}/disable", account_disable)
    r.add_post(r"/accounts/{name}/enable", account_enable)
    r.add_get("/audit", audit)
