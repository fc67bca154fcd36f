"""The console's guards: who may reach which route, CSRF on every form, cookies, and security headers.

Every route needs a session except the public ones below; each console view declares the capability it
needs with ``@requires``, and a route that declares none needs ``admin`` (closed by default).
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import secrets
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from aiohttp import web

from bot.console import auth
from bot.web.app import SERVICES, WEBHOOK_PATH

log = logging.getLogger(__name__)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
H = TypeVar("H", bound=Callable[..., Any])

SESSION_COOKIE = "rahnuma_session"
LOGIN_COOKIE = "rahnuma_login"
CAPABILITY_ATTR = "rahnuma_capability"
PUBLIC_PATHS = frozenset({"/login", "/healthz", WEBHOOK_PATH})  # the webhook checks its own secret
STATIC_PREFIX = "/static/"
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
}
PRINCIPAL = web.RequestKey("rahnuma_principal", auth.Principal)


def requires(capability: str) -> Callable[[H], H]:
    """Mark a view with the capability (``console``, ``moderate``, ``maintain``, ``admin``) it needs."""
    if capability not in {c for grants in auth.GRANTS.values() for c in grants}:
        raise ValueError(f"unknown capability {capability!r}")

    def mark(handler: H) -> H:
        setattr(handler, CAPABILITY_ATTR, capability)
        return handler

    return mark


def capability_of(handler: object) -> str:
    """The capability a handler declared; ``admin`` for one that declared none."""
    return str(getattr(handler, CAPABILITY_ATTR, "admin"))


def is_public(path: str) -> bool:
    """Paths that need no session."""
    return path in PUBLIC_PATHS or path.startswith(STATIC_PREFIX)


def current(request: web.Request) -> auth.Principal:
    """The logged-in principal (the middleware put it there)."""
    principal = request.get(PRINCIPAL)
    if not isinstance(principal, auth.Principal):
        raise web.HTTPUnauthorized(text="log in first")
    return principal


def is_https(request: web.Request) -> bool:
    """Whether the request came over TLS (directly, or through a proxy that says so)."""
    return request.secure or request.headers.get("X-Forwarded-Proto", "").lower() == "https"


def set_cookie(
    request: web.Request, response: web.StreamResponse, name: str, value: str, max_age: int
) -> None:
    """A cookie scripts cannot read, never sent cross-site, and Secure behind TLS."""
    secure = request.app[SERVICES].settings.secure_cookies or is_https(request)
    response.set_cookie(
        name, value, max_age=max_age, path="/", httponly=True, samesite="Strict", secure=secure
    )


def new_login_token() -> str:
    """A fresh double-submit token for the login form (there is no session yet to hold one)."""
    return secrets.token_urlsafe(32)


def login_csrf_ok(request: web.Request, submitted: object) -> bool:
    """Whether the login form carried the token its cookie holds."""
    expected = request.cookies.get(LOGIN_COOKIE, "")
    return bool(expected) and isinstance(submitted, str) and hmac.compare_digest(expected, submitted)


@web.middleware
async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Require a session with the route's capability, and a valid CSRF token on every POST."""
    if is_public(request.path) or request.match_info.http_exception is not None:
        return await handler(request)
    services = request.app[SERVICES]
    token = request.cookies.get(SESSION_COOKIE)
    principal = await asyncio.to_thread(auth.principal, services.db, token) if token else None
    if principal is None:
        if request.method in ("GET", "HEAD"):
            raise web.HTTPFound("/login")
        raise web.HTTPUnauthorized(text="log in first")
    if not principal.may(capability_of(request.match_info.handler)):
        raise web.HTTPForbidden(text="your role does not allow this")
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        form = await request.post()
        submitted = form.get("csrf")
        if not isinstance(submitted, str) or not hmac.compare_digest(submitted, principal.csrf_token):
            log.warning("refused a form without a valid CSRF token")
            raise web.HTTPForbidden(text="the form has expired; go back, reload the page and try again")
    request[PRINCIPAL] = principal
    return await handler(request)


async def security_headers(request: web.Request, response: web.StreamResponse) -> None:
    """Add the security headers to every response; pages are never cached."""
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if not request.path.startswith(STATIC_PREFIX):
        response.headers["Cache-Control"] = "no-store"
