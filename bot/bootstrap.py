"""Wire the real parts once per process: settings → database (migrated) → keys → pipeline → conversations."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.conversations import ConversationService
from bot.pipeline import Pipeline, build_pipeline
from bot.settings import Settings
from bot.storage.db import Database
from bot.storage.privacy import Keys, load_secret
from knowledge_base.manifest import load_manifest

log = logging.getLogger(__name__)


@dataclass
class Services:
    """What the channels (Telegram, the console, the terminal chat) share."""

    settings: Settings
    db: Database
    keys: Keys
    pipeline: Pipeline
    conversations: ConversationService

    def close(self) -> None:
        """Finish work in flight and release the database."""
        self.conversations.close()
        self.pipeline.close()
        self.db.close()


def bootstrap(settings: Settings, pipeline: Pipeline | None = None) -> Services:
    """Open and migrate the database, load the keys and the pipeline (or use the one given)."""
    db = Database(settings.database())
    db.migrate()
    secret = settings.secret_key.get_secret_value() if settings.secret_key is not None else None
    keys = Keys(load_secret(secret, settings.data_dir))
    pipeline = pipeline or build_pipeline(settings)
    conversations = ConversationService(
        pipeline,
        db,
        keys,
        retention_days=settings.retention_days,
        sources=load_manifest(settings.kb_dir).approved(),
        moderator_alerts=settings.moderator_chat_id is not None,
    )
    log.info("database %s ready; store version %s", db.description, pipeline.store_version)
    return Services(settings, db, keys, pipeline, conversations)
