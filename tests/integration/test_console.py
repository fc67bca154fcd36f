"""The console over HTTP (aiohttp test client): every route guarded, roles enforced, forms CSRF-checked,
moderator replies delivered, text rendered inert, security headers on every page."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from bot import moderation as mod
from bot.bootstrap import Services, bootstrap
from bot.console import realert_once, security, setup_console
from bot.console.auth import create_account
from bot.conversations import Incoming
from bot.settings import Settings
from bot.storage.models import OutboxItem, QueueItem
from bot.web.app import TELEGRAM, make_app
from tests.conftest import ingest

pytestmark = pytest.mark.integration
PASSWORD = "a long enough password"
ACCOUNTS = {"mod": "moderator", "maint": "maintainer", "root": "admin"}
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


class RecordingTelegram:
    """Stands in for the Telegram runtime: records what it was asked to deliver."""

    def __init__(self) -> None:
        self.delivered: list[int] = []

    async def deliver(self, outbox_ids: list[int]) -> None:
        """Record the ids."""
        self.delivered.extend(outbox_ids)


@pytest.fixture
def services(small_settings: Settings) -> Iterator[Services]:
    """The real services over the small knowledge base, with one account per role."""
    ingest(small_settings)
    built = bootstrap(small_settings.model_copy(update={"moderator_chat_id": -100123}))
    for name, role in ACCOUNTS.items():
        create_account(built.db, name, PASSWORD, role)
    yield built
    built.close()


def build_app(services: Services, telegram: object | None = None) -> web.Application:
    """The application as `rahnuma serve` builds it, with the console mounted."""
    app = make_app(services)
    if telegram is not None:
        app[TELEGRAM] = telegram  # type: ignore[assignment]
    setup_console(app, services)
    return app


@pytest.fixture
async def telegram() -> RecordingTelegram:
    """A recording stand-in for the bot."""
    return RecordingTelegram()


@pytest.fixture
async def client(services: Services, telegram: RecordingTelegram) -> AsyncIterator[TestClient[Any, Any]]:
    """A test client for the console application."""
    async with TestClient(TestServer(build_app(services, telegram))) as test_client:
        yield test_client


async def login(client: TestClient[Any, Any], name: str, password: str = PASSWORD) -> str:
    """Log in through the form; the session's CSRF token."""
    page = await client.get("/login")
    token = CSRF.search(await page.text())
    assert token is not None
    done = await client.post(
        "/login",
        data={"username": name, "password": password, "csrf": token.group(1)},
        allow_redirects=False,
    )
    assert done.status == 303, await done.text()
    home = await client.get("/dashboard")
    found = CSRF.search(await home.text())
    assert found is not None, (home.status, await home.text())
    return found.group(1)


async def flag(services: Services, text: str = "I want to kill myself", user_id: int = 4242) -> int:
    """A young person's message through the real conversation service; the queue item it raised."""
    outcome = await services.conversations.handle(Incoming(user_id=user_id, chat_id=user_id, text=text))
    assert outcome.queue_item_id is not None, outcome
    return outcome.queue_item_id


def concrete(path: str) -> str:
    """A route's path with its variables filled in."""
    return re.sub(r"\{(\w+)(:[^}]*)?\}", lambda m: "1" if m.group(1) == "id" else "someone", path)


def console_routes(app: web.Application) -> list[tuple[str, str, Any]]:
    """Every (method, path, handler) in the whole route table that needs a session."""
    routes = []
    for route in app.router.routes():
        info = route.resource.get_info() if route.resource is not None else {}
        path = info.get("path") or info.get("formatter") or info.get("prefix", "")
        if route.method == "HEAD" or security.is_public(path) or path.startswith("/static"):
            continue
        routes.append((route.method, concrete(path), route.handler))
    return routes


async def test_every_route_rejects_anonymous_and_too_small_roles(
    services: Services, client: TestClient[Any, Any]
) -> None:
    """Walk the whole route table: anonymous GETs go to /login, other methods get 401; a role without the
    route's capability gets 403."""
    routes = console_routes(client.app)
    assert len(routes) >= 20
    for method, path, _ in routes:
        response = await client.request(method, path, allow_redirects=False)
        if method == "GET":
            assert response.status == 302 and response.headers["Location"] == "/login", (method, path)
        else:
            assert response.status in (401, 403), (method, path, response.status)
    roles_without = {
        "moderate": ["maint"],
        "maintain": ["mod"],
        "admin": ["mod", "maint"],
        "console": [],
    }
    checked = 0
    for name in ("mod", "maint"):
        client.session.cookie_jar.clear()
        csrf = await login(client, name)
        for method, path, handler in routes:
            capability = security.capability_of(handler)
            if name in roles_without[capability]:
                data = {"csrf": csrf} if method == "POST" else None
                response = await client.request(method, path, data=data, allow_redirects=False)
                assert response.status == 403, (name, method, path, response.status)
                checked += 1
    assert checked >= 20


async def test_public_paths_and_security_headers(client: TestClient[Any, Any]) -> None:
    """/healthz, /login and the stylesheet need no session; pages carry CSP and friends and are not cached."""
    assert (await client.get("/healthz")).status == 200
    assert (await client.get("/static/console.css")).status == 200
    page = await client.get("/login")
    assert page.status == 200
    headers = page.headers
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert "unsafe-inline" not in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["Cache-Control"] == "no-store"
    assert "<script" not in await page.text()


async def test_login_cookie_flags_lockout_and_generic_error(
    services: Services, client: TestClient[Any, Any]
) -> None:
    """The session cookie is HttpOnly and SameSite=Strict (Secure behind TLS); failures look alike; lockout."""
    page = await client.get("/login")
    token = CSRF.search(await page.text())
    assert token is not None
    wrong = await client.post("/login", data={"username": "mod", "password": "nope", "csrf": token.group(1)})
    unknown = await client.post(
        "/login", data={"username": "ghost", "password": "nope", "csrf": token.group(1)}
    )
    assert wrong.status == unknown.status == 401
    assert "Wrong username or password" in await wrong.text()
    assert "Wrong username or password" in await unknown.text()
    no_csrf = await client.post("/login", data={"username": "mod", "password": PASSWORD})
    assert no_csrf.status == 403
    done = await client.post(
        "/login",
        data={"username": "mod", "password": PASSWORD, "csrf": token.group(1)},
        headers={"X-Forwarded-Proto": "https"},
        allow_redirects=False,
    )
    cookie = done.headers.getall("Set-Cookie")
    session = next(c for c in cookie if c.startswith(security.SESSION_COOKIE))
    assert "HttpOnly" in session and "SameSite=Strict" in session and "Secure" in session
    client.session.cookie_jar.clear()
    token = CSRF.search(await (await client.get("/login")).text())
    assert token is not None
    for _ in range(services.settings.login_max_failures):
        await client.post("/login", data={"username": "maint", "password": "nope", "csrf": token.group(1)})
    locked = await client.post(
        "/login", data={"username": "maint", "password": PASSWORD, "csrf": token.group(1)}
    )
    assert locked.status == 401


async def test_post_without_csrf_is_refused(services: Services, client: TestClient[Any, Any]) -> None:
    """A logged-in POST without the session's CSRF token changes nothing."""
    item = await flag(services)
    await login(client, "mod")
    response = await client.post(f"/queue/{item}/claim", data={"csrf": "forged"})
    assert response.status == 403
    assert mod.list_queue(services.db).rows[0].status == "open"


async def test_moderator_flow_with_delivery_and_conflict(
    services: Services, client: TestClient[Any, Any], telegram: RecordingTelegram
) -> None:
    """Queue, claim, transcript, take over, reply (delivered at once), hand back, resolve; a second
    moderator's claim fails clearly; the audit log shows it all to an admin."""
    item = await flag(services)
    csrf = await login(client, "mod")
    queue = await client.get("/queue")
    text = await queue.text()
    assert f"/queue/{item}" in text and "self_harm" in text and "critical" in text
    assert (await client.post(f"/queue/{item}/claim", data={"csrf": csrf})).status == 200
    page = await (await client.get(f"/queue/{item}")).text()
    assert "I want to kill myself" in page and "support_and_escalate" in page
    assert "4242" not in page  # never the raw Telegram id
    await client.post(f"/queue/{item}/takeover", data={"csrf": csrf})
    await client.post(f"/queue/{item}/reply", data={"csrf": csrf, "text": "I am a person from the team."})
    assert len(telegram.delivered) == 1
    with services.db.session() as s:
        outbox = s.get(OutboxItem, telegram.delivered[0])
        assert outbox is not None and outbox.payload["text"] == "I am a person from the team."
    paused = await services.conversations.handle(Incoming(user_id=4242, chat_id=4242, text="thank you"))
    assert paused.paused and not paused.outbox_ids
    await client.post(f"/queue/{item}/handback", data={"csrf": csrf})

    create_account(services.db, "mod2", PASSWORD, "moderator")
    client.session.cookie_jar.clear()
    csrf2 = await login(client, "mod2")
    refused = await client.post(f"/queue/{item}/claim", data={"csrf": csrf2})
    assert refused.status == 409
    assert "already claimed by mod" in await refused.text()
    client.session.cookie_jar.clear()
    csrf = await login(client, "mod")
    await client.post(f"/queue/{item}/resolve", data={"csrf": csrf, "outcome": "supported"})
    with services.db.session() as s:
        stored = s.get(QueueItem, item)
        assert stored is not None and stored.status == "resolved" and stored.outcome == "supported"
    client.session.cookie_jar.clear()
    csrf_root = await login(client, "root")
    audit = await (await client.get("/audit")).text()
    for action in ("claim", "take_over", "reply", "hand_back", "resolve", "view_transcript", "login"):
        assert f"<b>{action}</b>" in audit
    assert csrf_root


async def test_message_text_is_rendered_inert(services: Services, client: TestClient[Any, Any]) -> None:
    """Script and event-handler markup in a young person's message is shown escaped, never as HTML."""
    item = await flag(
        services, "I want to kill myself <script>alert(1)</script> <img src=x onerror=alert(1)>"
    )
    await login(client, "mod")
    for path in ("/queue", f"/queue/{item}"):
        page = await (await client.get(path)).text()
        assert "<script>alert(1)</script>" not in page
        assert "<img src=x onerror=alert(1)>" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
        assert "&lt;img src=x onerror=alert(1)&gt;" in page


async def test_maintainer_pages_and_export(services: Services, client: TestClient[Any, Any]) -> None:
    """Sources with chunk counts, weak questions, the JSON-lines export, and "try it"."""
    await flag(services)
    await services.conversations.handle(Incoming(user_id=7, chat_id=7, text="what is the best cricket bat?"))
    csrf = await login(client, "maint")
    sources = await (await client.get("/sources")).text()
    assert "polio-note" in sources and "approved" in sources
    assert re.search(r'<td class="num">[1-9]\d*</td>', sources)
    unanswered = await (await client.get("/unanswered")).text()
    assert "cricket" in unanswered
    export = await client.get("/export/evaluation.jsonl")
    assert export.status == 200 and "attachment" in export.headers["Content-Disposition"]
    assert '"expect"' in await export.text()
    tried = await (await client.post("/try", data={"csrf": csrf, "text": "Who may declare jihad?"})).text()
    assert "jihad-authority-note" in tried and "Classification" in tried
    assert (await client.get("/sources/retracted")).status == 200


async def test_admin_manages_accounts(services: Services, client: TestClient[Any, Any]) -> None:
    """An admin creates an account, changes a role and disables it; each is audited."""
    csrf = await login(client, "root")
    made = await client.post(
        "/accounts", data={"csrf": csrf, "username": "sara", "password": PASSWORD, "role": "moderator"}
    )
    assert made.status == 200 and "sara" in await made.text()
    await client.post("/accounts/sara/role", data={"csrf": csrf, "role": "maintainer"})
    await client.post("/accounts/sara/disable", data={"csrf": csrf})
    actions = [r.action for r in mod.audit_log(services.db, actor="root")]
    assert {"account_create", "account_role", "account_disable"} <= set(actions)
    mine = await client.post("/accounts/root/disable", data={"csrf": csrf})
    assert mine.status == 400


async def test_realert_job_queues_and_delivers(services: Services, telegram: RecordingTelegram) -> None:
    """The background job re-alerts an unclaimed critical item once it is overdue, through the bot."""
    item = await flag(services)
    app = build_app(services, telegram)
    assert await realert_once(app) == []
    with services.db.session() as s:
        stored = s.get(QueueItem, item)
        assert stored is not None
        stored.created_at = stored.created_at - timedelta(minutes=30)
    ids = await realert_once(app)
    assert len(ids) == 1 and telegram.delivered == ids
    with services.db.session() as s:
        alert = s.scalars(select(OutboxItem).where(OutboxItem.id == ids[0])).one()
        assert alert.payload["realert"] is True and alert.payload["queue_item_id"] == item
