"""The moderator and maintainer console (aiohttp + jinja2), mounted on the same application as the webhook."""

from __future__ import annotations

from aiohttp import web

from bot.bootstrap import Services


def setup_console(app: web.Application, services: Services) -> None:
    """Add the console's routes, middlewares and background jobs to the application."""
