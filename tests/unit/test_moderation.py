"""The moderation service without HTTP: the queue, claims, take-over and replies, audit, figures, export."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.exc import DBAPIError

from bot import moderation as mod
from bot.console import auth
from bot.storage.db import Database
from bot.storage.models import (
    SEVERITY_RANK,
    Account,
    AuditEntry,
    CitationRow,
    Conversation,
    Feedback,
    Message,
    OutboxItem,
    QueueItem,
    User,
    WebSession,
    utcnow,
)
from evals.runner import load_dataset

PSEUDONYM = "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6"


@pytest.fixture
def db(tmp_path: Path) -> Database:
    """A migrated SQLite database in a temporary folder."""
    database = Database(f"sqlite:///{tmp_path / 'mod.db'}")
    database.migrate()
    return database


def seed(
    db: Database,
    text_in: str = "I want to kill myself",
    category: str = "self_harm",
    severity: str = "critical",
    action: str = "support_and_escalate",
    age_minutes: float = 0,
    pseudonym: str = PSEUDONYM,
) -> int:
    """One conversation with a flagged message, the bot's answer, and its open queue item; the item's id."""
    created = utcnow() - timedelta(minutes=age_minutes)
    with db.session() as s:
        user = User(pseudonym=pseudonym, language="en")
        s.add(user)
        s.flush()
        conversation = Conversation(chat_key=pseudonym[::-1], chat_id_enc=b"sealed", user_id=user.id)
        s.add(conversation)
        s.flush()
        question = Message(
            conversation_id=conversation.id,
            user_id=user.id,
            direction="in",
            author="user",
            text=text_in,
            language="en",
            category=category,
            severity=severity,
            action=action,
            flagged=True,
            top_score=0.5,
            details={"reasons": ["pattern"], "notes": [], "retrieval": []},
            created_at=created,
        )
        s.add(question)
        s.flush()
        answer = Message(
            conversation_id=conversation.id,
            direction="out",
            author="bot",
            kind="answer",
            text="You are not alone [1].",
            reply_to_id=question.id,
            created_at=created,
        )
        answer.citations = [CitationRow(n=1, source_id="polio-note", title="Sample polio-note")]
        s.add(answer)
        s.flush()
        item = QueueItem(
            conversation_id=conversation.id,
            message_id=question.id,
            reason="flag",
            category=category,
            severity=severity,
            severity_rank=SEVERITY_RANK[severity],
            excerpt=text_in,
            created_at=created,
        )
        s.add(item)
        s.flush()
        return item.id


def test_queue_is_sorted_by_severity_then_age_with_counts(db: Database) -> None:
    """Critical before medium; among equals the oldest first; counts per category and severity."""
    medium = seed(db, "they are right", "extremist_sympathy", "medium", "answer_and_flag", 60, "p" * 32)
    old = seed(db, age_minutes=30, pseudonym="q" * 32)
    new = seed(db, age_minutes=1, pseudonym="r" * 32)
    page = mod.list_queue(db)
    assert [r.id for r in page.rows] == [old, new, medium]
    assert page.per_category == {"self_harm": 2, "extremist_sympathy": 1}
    assert list(page.per_severity) == ["critical", "medium"]
    assert page.rows[0].pseudonym == "q" * 12
    assert page.rows[0].age_minutes >= 29


def test_claim_by_someone_else_fails_clearly(db: Database) -> None:
    """A claimed item cannot be claimed, resolved or replied to by another moderator."""
    item = seed(db)
    mod.claim(db, item, "amina")
    mod.claim(db, item, "amina")  # claiming again is harmless
    with pytest.raises(mod.Conflict, match="already claimed by amina"):
        mod.claim(db, item, "bilal")
    with pytest.raises(mod.Conflict, match="claimed by amina"):
        mod.resolve(db, item, "bilal", "no_concern")
    mod.resolve(db, item, "bilal", "no_concern", admin=True)
    assert mod.list_queue(db, "resolved").rows[0].outcome == "no_concern"


def test_take_over_reply_and_hand_back(db: Database) -> None:
    """Take-over silences the bot; a reply is an out message plus a pending outbox note; hand back restores."""
    item = seed(db)
    with pytest.raises(mod.Conflict, match="take the conversation over"):
        mod.reply(db, item, "amina", "hello")
    mod.take_over(db, item, "amina")
    outbox_id = mod.reply(db, item, "amina", "I am here with you. Can you tell me more?")
    with db.session() as s:
        outbox = s.get(OutboxItem, outbox_id)
        assert outbox is not None
        message = s.get(Message, outbox.message_id)
        assert message is not None
        assert (message.direction, message.author, message.kind) == ("out", "moderator:amina", "moderator")
        assert outbox.target == "conversation" and outbox.status == "pending"
        assert outbox.payload == {
            "kind": "note",
            "text": "I am here with you. Can you tell me more?",
            "keyboard": None,
            "message_id": message.id,
        }
        conversation = s.get(Conversation, outbox.conversation_id)
        assert conversation is not None and conversation.status == "handoff"
        assert conversation.handoff_by == "amina"
    with pytest.raises(mod.Conflict):
        mod.hand_back(db, item, "bilal")
    mod.hand_back(db, item, "amina")
    assert mod.transcript(db, item_id=item).status == "bot"


def test_resolve_needs_a_known_outcome_and_hands_back(db: Database) -> None:
    """Outcomes are the four documented ones; resolving a handed-off conversation gives it back to the bot."""
    item = seed(db)
    with pytest.raises(mod.ModerationError, match="outcome must be one of"):
        mod.resolve(db, item, "amina", "shrug")
    mod.take_over(db, item, "amina")
    mod.resolve(db, item, "amina", "reported")
    t = mod.transcript(db, item_id=item)
    assert t.status == "bot"
    assert t.item is not None and t.item.status == "resolved" and t.item.outcome == "reported"
    with pytest.raises(mod.Conflict, match="already resolved"):
        mod.claim(db, item, "amina")


def test_transcript_shows_verdicts_citations_notes(db: Database) -> None:
    """The transcript carries each message's verdict, the answer's citations and the notes."""
    item = seed(db)
    mod.add_note(db, item, "amina", "Called the helpline partner.")
    with pytest.raises(mod.ModerationError):
        mod.add_note(db, item, "amina", "   ")
    t = mod.transcript(db, item_id=item, actor="amina")
    question, answer = t.messages
    assert (question.category, question.severity, question.action) == (
        "self_harm",
        "critical",
        "support_and_escalate",
    )
    assert answer.citations[0].source_id == "polio-note"
    assert [n.text for n in t.notes] == ["Called the helpline partner."]
    assert t.pseudonym == PSEUDONYM[:12]
    with pytest.raises(mod.NotFound):
        mod.transcript(db, item_id=999)


def test_every_action_is_audited_and_the_log_is_append_only(db: Database) -> None:
    """Claim, note, take-over, reply, hand back, resolve and viewing each leave an entry; edits are refused."""
    item = seed(db)
    mod.claim(db, item, "amina")
    mod.add_note(db, item, "amina", "note")
    mod.take_over(db, item, "amina")
    mod.reply(db, item, "amina", "hi")
    mod.hand_back(db, item, "amina")
    mod.transcript(db, item_id=item, actor="amina")
    mod.resolve(db, item, "amina", "supported")
    actions = [r.action for r in reversed(mod.audit_log(db))]
    assert actions == ["claim", "note", "take_over", "reply", "hand_back", "view_transcript", "resolve"]
    assert all(r.actor == "amina" for r in mod.audit_log(db))
    with pytest.raises(DBAPIError), db.session() as s:
        s.execute(update(AuditEntry).values(actor="someone else"))
    with pytest.raises(DBAPIError), db.session() as s:
        s.execute(text("DELETE FROM audit_log"))


def test_critical_items_are_realerted_once_per_period(db: Database) -> None:
    """An unclaimed critical item older than the period gets one re-alert; claimed or fresh ones do not."""
    due = seed(db, age_minutes=15)
    seed(db, age_minutes=2, pseudonym="f" * 32)
    claimed = seed(db, age_minutes=30, pseudonym="c" * 32)
    mod.claim(db, claimed, "amina")
    first = mod.realert_due(db, 10)
    assert len(first) == 1
    with db.session() as s:
        alert = s.get(OutboxItem, first[0])
        assert alert is not None and alert.target == "moderators"
        assert alert.payload["queue_item_id"] == due and alert.payload["realert"] is True
        assert alert.payload["pseudonym"] == PSEUDONYM[:12]
        assert alert.payload["severity"] == "critical"
    assert mod.realert_due(db, 10) == []
    assert len(mod.realert_due(db, 10, now=utcnow() + timedelta(minutes=11))) == 2


def test_dashboard_figures(db: Database) -> None:
    """Messages per day, flags per category and severity, the feedback ratio and median times."""
    item = seed(db, age_minutes=20)
    seed(db, "they are right", "extremist_sympathy", "medium", "answer_and_flag", pseudonym="p" * 32)
    mod.claim(db, item, "amina")
    mod.resolve(db, item, "amina", "supported")
    with db.session() as s:
        answers = s.scalars(select(Message).where(Message.direction == "out")).all()
        s.add(Feedback(message_id=answers[0].id, kind="helpful"))
        s.add(Feedback(message_id=answers[1].id, kind="not_helpful"))
    d = mod.dashboard(db, days=7)
    assert len(d.messages_per_day) == 7 and d.messages_per_day[-1][1] == 2
    assert d.flags_per_category == {"self_harm": 1, "extremist_sympathy": 1}
    assert d.flags_per_severity == {"medium": 1, "critical": 1}
    assert d.helpful_ratio == 0.5
    assert d.median_claim_minutes is not None and d.median_claim_minutes >= 19
    assert d.open_items == 1


def test_weak_questions_are_grouped_by_language_and_topic(db: Database) -> None:
    """Low scores, no relevant passage and not-helpful answers are listed, the same text merged."""
    for n, words in enumerate(["Who may declare JIHAD?", "who may declare jihad", "polio drops safe?"]):
        with db.session() as s:
            user = User(pseudonym=f"u{n}".ljust(32, "0"))
            s.add(user)
            s.flush()
            conversation = Conversation(chat_key=f"c{n}".ljust(32, "0"), chat_id_enc=b"x", user_id=user.id)
            s.add(conversation)
            s.flush()
            topics = ["polio_vaccination"] if "polio" in words else ["jihad_authority"]
            question = Message(
                conversation_id=conversation.id,
                direction="in",
                author="user",
                text=words,
                language="en",
                category="none",
                top_score=0.1 if "polio" not in words else 0.9,
                details={"notes": [], "retrieval": [{"source_id": "x", "topics": topics}]},
            )
            s.add(question)
            s.flush()
            answer = Message(
                conversation_id=conversation.id, direction="out", author="bot", reply_to_id=question.id
            )
            s.add(answer)
            s.flush()
            if "polio" in words:
                s.add(Feedback(message_id=answer.id, kind="not_helpful"))
    weak = mod.weak_questions(db, min_score=0.32)
    assert len(weak) == 3
    groups = mod.group_weak(weak)
    assert (groups[0].language, groups[0].topic, groups[0].count) == ("en", "jihad_authority", 2)
    assert len(groups[0].texts) == 1 and groups[0].texts[0][1] == 2
    assert groups[1].reasons == {"marked not helpful": 1}


def test_export_is_a_valid_evaluation_set(db: Database, tmp_path: Path) -> None:
    """Flags and rated answers become contract-form JSON lines that the evaluation harness loads."""
    kept = seed(db)
    dismissed = seed(
        db, "they are right", "extremist_sympathy", "medium", "answer_and_flag", pseudonym="p" * 32
    )
    mod.resolve(db, dismissed, "amina", "no_concern")
    lines = list(mod.export_eval_set(db, {"polio-note": ("polio_vaccination",)}))
    path = tmp_path / "set.jsonl"
    path.write_text("".join(lines), encoding="utf-8")
    items = {i["text"]: i for i in load_dataset(path)}
    assert items["I want to kill myself"]["expect"] == {
        "category": "self_harm",
        "action": "support_and_escalate",
        "flagged": True,
    }
    assert items["they are right"]["expect"] == {"flagged": False}
    assert all(set(json.loads(line)) >= {"id", "text", "language", "expect"} for line in lines)
    assert kept


def test_retracted_sources_list_the_answers_that_cited_them(db: Database) -> None:
    """Every answer citing a retracted source is listed with its conversation."""
    seed(db)
    uses = mod.retracted_uses(db, ["polio-note"])
    assert len(uses) == 1 and uses[0].source_id == "polio-note"
    assert mod.retracted_uses(db, ["other"]) == [] and mod.retracted_uses(db, []) == []


def test_accounts_hash_passwords_lock_out_and_hash_session_tokens(db: Database) -> None:
    """argon2 hashes, lockout after repeated failures, only a SHA-256 of the session token stored."""
    auth.create_account(db, "amina", "correct horse battery", "moderator")
    with pytest.raises(auth.AccountError, match="already exists"):
        auth.create_account(db, "amina", "correct horse battery", "moderator")
    with pytest.raises(auth.AccountError, match="at least 12"):
        auth.create_account(db, "bilal", "short", "moderator")
    kwargs = {"max_failures": 3, "lockout": timedelta(minutes=5), "session_length": timedelta(hours=1)}
    done = auth.login(db, "amina", "correct horse battery", **kwargs)  # type: ignore[arg-type]
    assert done is not None
    token, principal = done
    assert principal.may("moderate") and not principal.may("maintain")
    with db.session() as s:
        stored = s.scalars(select(WebSession)).one()
        assert stored.token_hash == auth.hash_token(token) and token not in stored.token_hash
        assert s.scalars(select(Account)).one().password_hash.startswith("$argon2")
    assert auth.principal(db, token) == principal
    for _ in range(3):
        assert auth.login(db, "amina", "wrong", **kwargs) is None  # type: ignore[arg-type]
    assert auth.login(db, "amina", "correct horse battery", **kwargs) is None  # type: ignore[arg-type]
    assert auth.list_accounts(db)[0].locked
    auth.set_disabled(db, "amina", True)
    assert auth.principal(db, token) is None
