"""Shared pieces for the Telegram tests: settings pointed at the fake Bot API, databases, a running bot."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import psycopg

from bot.bootstrap import Services, bootstrap
from bot.pipeline import Pipeline
from bot.settings import Settings
from bot.telegram.runtime import TelegramRuntime
from tests.fakes.telegram_server import FakeTelegram

POSTGRES = "postgresql://postgres@127.0.0.1:5432/"
MODERATORS = -100999


@contextlib.contextmanager
def database_url(kind: str, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database: a SQLite file, or a new PostgreSQL database dropped afterwards."""
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    name = f"rahnuma_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES + "postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield POSTGRES + name
    finally:
        with psycopg.connect(POSTGRES + "postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def bot_settings(base: Settings, fake: FakeTelegram, database: str, **overrides: object) -> Settings:
    """The base settings (knowledge base, store, model) with Telegram pointed at the fake."""
    values: dict[str, object] = {
        "kb_dir": base.kb_dir,
        "data_dir": base.data_dir,
        "embedding_model": base.embedding_model,
        "database_url": database,
        "secret_key": "test-secret-key-of-enough-length",
        "telegram_token": fake.token,
        "telegram_api_url": fake.base_url,
        "moderator_chat_id": MODERATORS,
        "console_url": "https://console.example.org",
        "poll_timeout": 1,
        "delivery_retry_seconds": 0.3,
        "flood_messages": 10,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@contextlib.asynccontextmanager
async def running_bot(
    settings: Settings, pipeline: Pipeline, webhook: bool = False
) -> AsyncIterator[tuple[TelegramRuntime, Services]]:
    """Services and a started Telegram runtime; stopped and closed afterwards."""
    services = bootstrap(settings, pipeline)
    runtime = TelegramRuntime(settings, services.conversations)
    await runtime.start(webhook)
    try:
        yield runtime, services
    finally:
        await runtime.stop()
        services.conversations.close()
        services.db.close()
