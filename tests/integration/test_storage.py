"""The database on SQLite and PostgreSQL: migrations match the models, the audit log cannot be edited,
retention keeps what it must, repeats are stored once, and SQLite is crash-safe."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import exc, func, select, text, update

from bot.conversations import ConversationService, Incoming
from bot.pipeline import Pipeline, build_pipeline
from bot.settings import Settings
from bot.storage.db import Database
from bot.storage.models import AuditEntry, Base, Message, QueueItem, utcnow
from bot.storage.privacy import Keys
from tests.conftest import ingest
from tests.telegram_harness import database_url

pytestmark = pytest.mark.integration


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A migrated, empty database of each kind."""
    with database_url(str(request.param), tmp_path) as url:
        database = Database(url)
        database.migrate()
        yield database
        database.close()


@pytest.fixture
def pipeline(small_settings: Settings) -> Pipeline:
    """The pipeline over the small knowledge base with the hashing embedder."""
    ingest(small_settings)
    return build_pipeline(small_settings)


@pytest.fixture
def service(db: Database, pipeline: Pipeline) -> Iterator[ConversationService]:
    """The conversation service on that database."""
    svc = ConversationService(pipeline, db, Keys(b"storage-test-secret-123456"), retention_days=30)
    yield svc
    svc.close()


def test_migrations_match_the_models(db: Database) -> None:
    """Alembic's head schema is exactly what the models describe (no missing migration)."""
    with db.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == []
    assert db.current_revision() is not None
    db.migrate()  # running again is harmless


def test_audit_log_is_append_only(db: Database) -> None:
    """The database itself refuses to change or delete an audit entry."""
    with db.session() as s:
        s.add(AuditEntry(actor="amina", action="claim", target_type="queue_item", target_id="1"))
    with pytest.raises(exc.DBAPIError, match="append-only"), db.session() as s:
        s.execute(update(AuditEntry).values(actor="someone else"))
    with pytest.raises(exc.DBAPIError, match="append-only"), db.session() as s:
        s.execute(text("DELETE FROM audit_log"))
    with db.session() as s:
        assert s.scalar(select(AuditEntry.actor)) == "amina"


def test_sqlite_is_in_wal_mode_with_full_sync(tmp_path: Path) -> None:
    """A committed flag survives a crash: WAL journal, synchronous=FULL, foreign keys on."""
    database = Database(f"sqlite:///{tmp_path / 'x.db'}")
    with database.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    database.close()


async def test_a_repeated_update_is_stored_once(service: ConversationService) -> None:
    """Storing the same update twice keeps one row and reports it new only the first time."""
    assert await service.store_updates([(1, "{}"), (2, "{}")]) == [1, 2]
    assert await service.store_updates([(2, "{}"), (3, "{}")]) == [3]
    await service.finish_update(1)
    assert [u for u, _ in await service.unfinished_updates()] == [2, 3]


async def test_retention_purges_only_old_unflagged_messages(
    service: ConversationService, db: Database
) -> None:
    """Old ordinary messages go; flagged ones, the answers to them and open cases stay."""
    await service.handle(Incoming(1, 1, "Who may declare jihad?"))
    await service.handle(Incoming(2, 2, "Who may declare jihad?"))
    await service.handle(Incoming(2, 2, "I want to kill myself"))
    await service.handle(Incoming(3, 3, "Who may declare jihad?"))
    with db.session() as s:
        s.execute(update(Message).values(created_at=utcnow() - timedelta(days=31)))
        # user 2's case is resolved, user 3 has a case still open
        s.execute(update(QueueItem).values(status="resolved"))
        conversation_3 = s.scalar(
            select(Message.conversation_id).where(Message.direction == "in").order_by(Message.id.desc())
        )
        s.add(
            QueueItem(
                conversation_id=conversation_3,
                reason="human_request",
                category="none",
                severity="medium",
                severity_rank=2,
            )
        )
    removed = await service.purge()
    with db.session() as s:
        kept = s.execute(select(Message.direction, Message.flagged, Message.conversation_id)).all()
        total = s.scalar(select(func.count()).select_from(Message))
    assert removed == 4  # users 1 and 2's ordinary question and answer
    assert total == 4
    assert sum(1 for d, f, _ in kept if d == "in" and f) == 1, "the flagged message is kept"
    assert sum(1 for d, f, _ in kept if d == "out" and not f) == 2, "its answer and user 3's answer are kept"


async def test_only_the_users_own_data_is_deleted(service: ConversationService, db: Database) -> None:
    """/delete erases one user's messages and the answers to them, nobody else's."""
    await service.handle(Incoming(1, 1, "Who may declare jihad?"))
    await service.handle(Incoming(2, 2, "Who may declare jihad?"))
    outcome = await service.delete_user_data(Incoming(1, 1, "", kind="callback"))
    with db.session() as s:
        remaining = s.scalars(select(Message.conversation_id).where(Message.kind != "note")).all()
    assert set(remaining) == {2} and outcome.outbox_ids


async def test_the_conversation_so_far_is_the_guardrails_context(service: ConversationService) -> None:
    """Sympathy that keeps coming back in one conversation is raised to high; another chat starts fresh."""
    text = "The Taliban are right, I support their jihad"
    severities = [(await service.handle(Incoming(7, 7, text))).result for _ in range(3)]
    assert [r.verdict.category for r in severities if r] == ["extremist_sympathy"] * 3
    assert [r.verdict.severity for r in severities if r] == ["medium", "medium", "high"]
    fresh = (await service.handle(Incoming(8, 8, text))).result
    assert fresh is not None and fresh.verdict.severity == "medium"


async def test_notes_use_the_apps_language_until_one_is_chosen(service: ConversationService) -> None:
    """A new user whose Telegram app is in Urdu is welcomed in Urdu; choosing Roman Urdu switches the notes."""
    from bot import channel_texts as T

    first = await service.note(Incoming(9, 9, "/start", kind="command", language_hint="ur"), T.HELP)
    (note,) = await service.deliveries(first.outbox_ids)
    assert note.payload["text"] == T.say(T.HELP, "ur")
    await service.set_language(Incoming(9, 9, "", kind="callback"), "roman_ur")
    second = await service.note(Incoming(9, 9, "/help", kind="command", language_hint="ur"), T.HELP)
    (note,) = await service.deliveries(second.outbox_ids)
    assert note.payload["text"] == T.say(T.HELP, "roman_ur")


async def test_an_outbox_row_is_claimed_by_one_sender_at_a_time(service: ConversationService) -> None:
    """A reply being sent is leased: nobody else picks it up until it fails, is released, or the lease ends."""
    outcome = await service.handle(Incoming(1, 1, "Who may declare jihad?"))
    assert len(await service.deliveries(outcome.outbox_ids)) == 1
    assert await service.deliveries(outcome.outbox_ids) == []
    assert await service.due_deliveries() == []
    await service.delivery_failed(outcome.outbox_ids[0], "502", retry_in=0)
    assert [d.id for d in await service.due_deliveries()] == outcome.outbox_ids
    assert await service.release_claims() == 1, "at start, the lease of a dead process is released"
    (again,) = await service.due_deliveries()
    await service.delivered(again.id, 1, True, channel_message_id=5)
    assert await service.release_claims() == 0
