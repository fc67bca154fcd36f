"""Conversations: one incoming message in, the verdict, the answer and the flags stored, replies queued.

Channel-neutral. The Telegram adapter and the terminal chat turn their input into an ``Incoming`` and
deliver what lands in the outbox; everything that must not be lost (the message, its verdict, the queue
item, the reply to send) is committed in one transaction before anything is sent.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict, deque
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar, cast

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from bot import channel_texts as T
from bot.guardrails.personal_data import redact
from bot.pipeline import Pipeline
from bot.replies import Texts
from bot.storage.db import Database
from bot.storage.models import (
    SEVERITY_RANK,
    CitationRow,
    Conversation,
    Feedback,
    InboxUpdate,
    Message,
    OutboxItem,
    QueueItem,
    User,
    utcnow,
)
from bot.storage.privacy import Keys
from bot.types import Category, Result
from knowledge_base.manifest import Source
from knowledge_base.vocabulary import TOPIC_LABELS

log = logging.getLogger(__name__)
R = TypeVar("R")

EXCERPT_CHARS = 280
ALERT_AGAIN_AFTER = timedelta(minutes=15)
OUTBOX_LEASE = timedelta(minutes=5)  # longer than any send with its retries
FEEDBACK_KINDS = ("helpful", "not_helpful", "report")
NON_TEXT_KINDS = ("voice", "photo", "sticker", "document", "video", "audio", "other")


@dataclass(frozen=True)
class Incoming:
    """A message from any channel: who, where, what. Raw ids never leave this object unencrypted."""

    user_id: int
    chat_id: int
    text: str = ""
    kind: str = "text"  # text | edited | forward | command | voice | photo | sticker | document | other
    chat_type: str = "private"
    update_id: int | None = None
    channel_message_id: int | None = None
    language_hint: str | None = (
        None  # the app's language (Telegram's language_code), used until one is chosen
    )


@dataclass
class Outcome:
    """What handling a message produced: the outbox rows to deliver now, and the pipeline's result."""

    conversation_id: int
    outbox_ids: list[int] = field(default_factory=list)
    result: Result | None = None
    paused: bool = False  # a moderator has the conversation; the bot did not answer
    message_id: int | None = None  # the stored incoming message
    queue_item_id: int | None = None


@dataclass(frozen=True)
class Delivery:
    """One outbox row, ready for a channel to send."""

    id: int
    target: str
    chat_id: int | None
    payload: dict[str, Any]
    parts_sent: int


class FloodGuard:
    """Per-user sliding window: at most ``limit`` messages per ``window`` seconds (in memory)."""

    def __init__(self, limit: int, window: float, clock: Callable[[], float] | None = None) -> None:
        self.limit, self.window = limit, window
        self._clock = clock or time.monotonic
        self._seen: dict[str, deque[float]] = defaultdict(deque)
        self._warned: dict[str, float] = {}

    def check(self, key: str) -> tuple[bool, bool]:
        """(allowed, warn): whether to process this message, and whether to send the kind note now."""
        now = self._clock()
        seen = self._seen[key]
        while seen and now - seen[0] > self.window:
            seen.popleft()
        if len(seen) < self.limit:
            seen.append(now)
            return True, False
        warned = self._warned.get(key)
        warn = warned is None or now - warned > self.window
        if warn:
            self._warned[key] = now
        return False, warn


class ConversationService:
    """Stores and answers conversations; all database work runs in a small thread pool, off the event loop."""

    def __init__(
        self,
        pipeline: Pipeline,
        db: Database,
        keys: Keys,
        *,
        retention_days: int = 30,
        sources: Sequence[Source] = (),
        moderator_alerts: bool = False,
        history_size: int = 6,
    ) -> None:
        self.pipeline, self.db, self.keys = pipeline, db, keys
        self.retention_days = retention_days
        self.sources = tuple(sources)
        self.moderator_alerts = moderator_alerts
        self.history_size = history_size
        self._db_pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="rahnuma-db")
        # Delivery bookkeeping gets its own thread: a reply Telegram took must be marked sent at once, not
        # after the queue of other work, or a crash in between sends it twice.
        self._outbox_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="rahnuma-outbox")

    async def _run(self, fn: Callable[..., R], *args: Any) -> R:
        return await asyncio.get_running_loop().run_in_executor(self._db_pool, fn, *args)

    async def _run_outbox(self, fn: Callable[..., R], *args: Any) -> R:
        return await asyncio.get_running_loop().run_in_executor(self._outbox_pool, fn, *args)

    def close(self) -> None:
        """Finish pending database work and stop the pools."""
        self._db_pool.shutdown(wait=True)
        self._outbox_pool.shutdown(wait=True)

    # ---- incoming messages -------------------------------------------------------------------------

    async def handle(self, incoming: Incoming) -> Outcome:
        """Judge and answer one message (text, edited, forwarded or non-text) and store it all."""
        if incoming.kind in NON_TEXT_KINDS or not incoming.text.strip():
            return await self._run(self._store_non_text, incoming)
        history = await self._run(self._history, incoming)
        result = await self.pipeline.ask_async(incoming.text, history, forwarded=incoming.kind == "forward")
        return await self._run(self._store_answer, incoming, result)

    def _history(self, incoming: Incoming) -> list[Category]:
        """The recent categories of this user in this conversation (context for the guardrails)."""
        chat_key = self.keys.pseudonym("chat", incoming.chat_id)
        pseudonym = self.keys.pseudonym("user", incoming.user_id)
        with self.db.read() as s:
            since = utcnow() - timedelta(hours=1)
            rows = s.scalars(
                select(Message.category)
                .join(Conversation, Conversation.id == Message.conversation_id)
                .join(User, User.id == Message.user_id)
                .where(
                    Conversation.chat_key == chat_key,
                    User.pseudonym == pseudonym,
                    Message.direction == "in",
                    Message.category.is_not(None),
                    Message.created_at >= since,
                )
                .order_by(Message.id.desc())
                .limit(self.history_size)
            ).all()
            return [cast(Category, c) for c in reversed(rows) if c]

    def _store_answer(self, incoming: Incoming, result: Result) -> Outcome:
        with self.db.session() as s:
            conversation, user = self._conversation(s, incoming)
            verdict = result.verdict
            stored_text, _ = redact(incoming.text)
            top = max((p.score for p in result.passages), default=None)
            message = Message(
                conversation_id=conversation.id,
                user_id=user.id,
                direction="in",
                author="user",
                kind=incoming.kind,
                text=stored_text,
                language=result.question.language,
                category=verdict.category,
                severity=verdict.severity,
                action=verdict.action,
                flagged=verdict.flagged,
                top_score=top,
                details={
                    "reasons": list(verdict.reasons),
                    "notes": result.notes,
                    "retrieval": result.to_contract()["retrieval"],
                    "latency_ms": round(result.latency_ms, 1),
                    "store_version": self.pipeline.store_version,
                },
                update_id=incoming.update_id,
                telegram_message_id=incoming.channel_message_id,
            )
            s.add(message)
            s.flush()
            outcome = Outcome(conversation.id, result=result, message_id=message.id)
            alerts: list[int] = []
            if verdict.flagged:
                outcome.queue_item_id = self._flag(s, conversation, user, message, stored_text, alerts)
            paused = conversation.status == "handoff"
            if paused:
                outcome.paused = True
            else:
                intro = {"forward": T.FORWARDED, "edited": T.EDITED}.get(incoming.kind)
                language = result.question.language
                answer = result.answer
                if intro is not None:
                    answer = f"{T.say(intro, language)}\n{answer}"
                reply = Message(
                    conversation_id=conversation.id,
                    direction="out",
                    author="bot",
                    kind="answer",
                    text=answer,
                    language=language,
                    reply_to_id=message.id,
                )
                reply.citations = [
                    CitationRow(n=c.n, source_id=c.source_id, title=c.title, locator=c.locator, url=c.url)
                    for c in result.citations
                ]
                s.add(reply)
                s.flush()
                payload = {
                    "kind": "answer",
                    "language": language,
                    "text": answer,
                    "citations": [
                        {"n": c.n, "title": c.title, "locator": c.locator, "url": c.url}
                        for c in result.citations
                    ],
                    "feedback": verdict.action in ("answer", "answer_and_flag") and bool(result.citations),
                    "message_id": reply.id,
                    "reply_to": incoming.channel_message_id,
                }
                outcome.outbox_ids.append(self._queue_send(s, conversation, reply.id, payload))
            self._finish_update(s, incoming.update_id)
            outcome.outbox_ids.extend(alerts)
            return outcome

    def _store_non_text(self, incoming: Incoming) -> Outcome:
        with self.db.session() as s:
            conversation, user = self._conversation(s, incoming)
            message = Message(
                conversation_id=conversation.id,
                user_id=user.id,
                direction="in",
                author="user",
                kind=incoming.kind,
                update_id=incoming.update_id,
            )
            s.add(message)
            s.flush()
            outcome = Outcome(conversation.id, message_id=message.id)
            if conversation.status == "handoff":
                outcome.paused = True
            else:
                outcome.outbox_ids.append(
                    self._note(s, conversation, T.say(T.NON_TEXT, user.language), reply_to=message.id)
                )
            self._finish_update(s, incoming.update_id)
            return outcome

    # ---- commands and buttons ----------------------------------------------------------------------

    async def note(
        self, incoming: Incoming, texts: Texts, keyboard: str | None = None, **values: object
    ) -> Outcome:
        """Store a command and answer it with a fixed note in the user's language."""
        return await self._run(self._command_note, incoming, texts, keyboard, values)

    def _command_note(
        self, incoming: Incoming, texts: Texts, keyboard: str | None, values: dict[str, object]
    ) -> Outcome:
        with self.db.session() as s:
            conversation, user = self._conversation(s, incoming)
            message = self._store_command(s, conversation, user, incoming)
            text = T.say(texts, user.language, **values)
            outcome = Outcome(conversation.id, message_id=message.id)
            outcome.outbox_ids.append(self._note(s, conversation, text, keyboard, reply_to=message.id))
            self._finish_update(s, incoming.update_id)
            return outcome

    async def list_sources(self, incoming: Incoming) -> Outcome:
        """Answer /sources: the approved sources grouped by topic."""
        return await self._run(self._sources, incoming)

    def _sources(self, incoming: Incoming) -> Outcome:
        with self.db.session() as s:
            conversation, user = self._conversation(s, incoming)
            message = self._store_command(s, conversation, user, incoming)
            language = user.language or "en"
            own = [src for src in self.sources if src.language == language]
            shown = own or [src for src in self.sources if src.language == "en"]
            groups: list[list[Any]] = []
            for topic, label in TOPIC_LABELS.items():
                items = [[src.title, src.url] for src in shown if topic in src.topics]
                if items:
                    groups.append([label.get(language) or label["en"], items])
            header = T.say(T.SOURCES_HEADER, language)
            outcome = Outcome(conversation.id, message_id=message.id)
            outcome.outbox_ids.append(
                self._note(
                    s,
                    conversation,
                    header,
                    reply_to=message.id,
                    payload={"kind": "sources", "language": language, "groups": groups},
                )
            )
            self._finish_update(s, incoming.update_id)
            return outcome

    async def set_language(self, incoming: Incoming, language: str) -> Outcome:
        """Remember the language for notes and confirm it in that language."""
        if language not in T.LANGUAGES:
            raise ValueError(f"unknown language {language!r}")
        return await self._run(self._set_language, incoming, language)

    def _set_language(self, incoming: Incoming, language: str) -> Outcome:
        with self.db.session() as s:
            conversation, user = self._conversation(s, incoming)
            user.language = language
            outcome = Outcome(conversation.id)
            outcome.outbox_ids.append(self._note(s, conversation, T.say(T.LANGUAGE_CHOSEN, language)))
            self._finish_update(s, incoming.update_id)
            return outcome

    async def request_human(self, incoming: Incoming) -> Outcome:
        """Put the conversation in the moderators' queue at the user's request, and say so honestly."""
        return await self._run(self._request_human, incoming)

    def _request_human(self, incoming: Incoming) -> Outcome:
        with self.db.session() as s:
            conversation, user = self._conversation(s, incoming)
            message = self._store_command(s, conversation, user, incoming)
            item = self._open_item(s, conversation.id)
            if item is None:
                item = QueueItem(
                    conversation_id=conversation.id,
                    message_id=message.id,
                    reason="human_request",
                    category="none",
                    severity="medium",
                    severity_rank=SEVERITY_RANK["medium"],
                    flag_count=0,
                    excerpt=None,
                )
                s.add(item)
            item.human_requested = True
            item.updated_at = utcnow()
            s.flush()
            outcome = Outcome(conversation.id, message_id=message.id, queue_item_id=item.id)
            outcome.outbox_ids.append(
                self._note(s, conversation, T.say(T.HUMAN_REQUESTED, user.language), reply_to=message.id)
            )
            self._finish_update(s, incoming.update_id)
            return outcome

    async def feedback(self, incoming: Incoming, message_id: int, kind: str) -> str:
        """Store a feedback button press against the answer it belongs to; the thanks to show."""
        if kind not in FEEDBACK_KINDS:
            raise ValueError(f"unknown feedback {kind!r}")
        return await self._run(self._feedback, incoming, message_id, kind)

    def _feedback(self, incoming: Incoming, message_id: int, kind: str) -> str:
        with self.db.session() as s:
            conversation, user = self._conversation(s, incoming)
            answer = s.get(Message, message_id)
            if answer is None or answer.conversation_id != conversation.id or answer.direction != "out":
                raise LookupError("this answer is no longer stored")
            existing = s.scalar(
                select(Feedback).where(Feedback.message_id == message_id, Feedback.user_id == user.id)
            )
            if existing is None:
                s.add(Feedback(message_id=message_id, user_id=user.id, kind=kind))
            else:
                existing.kind, existing.created_at = kind, utcnow()
            self._finish_update(s, incoming.update_id)
            return T.say(T.REPORT_THANKS if kind == "report" else T.FEEDBACK_THANKS, user.language)

    async def delete_user_data(self, incoming: Incoming) -> Outcome:
        """Erase the user's stored messages (and the bot's answers to them); say how many."""
        return await self._run(self._delete_user_data, incoming)

    def _delete_user_data(self, incoming: Incoming) -> Outcome:
        with self.db.session() as s:
            conversation, user = self._conversation(s, incoming)
            own = select(Message.id).where(Message.user_id == user.id)
            private = select(Conversation.id).where(
                Conversation.user_id == user.id, Conversation.chat_type == "private"
            )
            doomed = or_(
                Message.id.in_(own),
                Message.reply_to_id.in_(own),
                Message.conversation_id.in_(private),
            )
            count = s.scalar(select(func.count()).select_from(Message).where(doomed)) or 0
            s.execute(
                update(QueueItem)
                .where(QueueItem.conversation_id.in_(private))
                .values(excerpt=None, updated_at=utcnow())
            )
            s.execute(delete(Feedback).where(Feedback.user_id == user.id))
            s.execute(delete(Message).where(doomed).execution_options(synchronize_session=False))
            outcome = Outcome(conversation.id)
            outcome.outbox_ids.append(
                self._note(s, conversation, T.say(T.DELETE_DONE, user.language, count=count))
            )
            self._finish_update(s, incoming.update_id)
            log.info("erased %d messages at a user's request", count)
            return outcome

    async def is_paused(self, incoming: Incoming) -> bool:
        """Whether a moderator has taken this conversation over."""
        return await self._run(self._is_paused, incoming)

    def _is_paused(self, incoming: Incoming) -> bool:
        chat_key = self.keys.pseudonym("chat", incoming.chat_id)
        with self.db.read() as s:
            status = s.scalar(select(Conversation.status).where(Conversation.chat_key == chat_key))
            return status == "handoff"

    async def user_language(self, user_id: int) -> str | None:
        """The language the user chose, if any."""
        pseudonym = self.keys.pseudonym("user", user_id)

        def read() -> str | None:
            with self.db.read() as s:
                return s.scalar(select(User.language).where(User.pseudonym == pseudonym))

        return await self._run(read)

    # ---- inbox: raw updates stored before they are confirmed ---------------------------------------

    async def store_updates(self, updates: Sequence[tuple[int, str]]) -> list[int]:
        """Store raw updates (id, JSON); the ids that were new. A repeat is stored, and processed, once."""
        return await self._run(self._store_updates, updates)

    def _store_updates(self, updates: Sequence[tuple[int, str]]) -> list[int]:
        if not updates:
            return []
        with self.db.session() as s:
            ids = [u for u, _ in updates]
            known = set(s.scalars(select(InboxUpdate.update_id).where(InboxUpdate.update_id.in_(ids))))
            fresh = [(u, p) for u, p in updates if u not in known]
            s.add_all(InboxUpdate(update_id=u, payload=p) for u, p in fresh)
            return [u for u, _ in fresh]

    async def unfinished_updates(self, max_attempts: int = 3) -> list[tuple[int, str]]:
        """Updates stored but not processed (the process stopped first), oldest first."""

        def read() -> list[tuple[int, str]]:
            with self.db.read() as s:
                rows = s.execute(
                    select(InboxUpdate.update_id, InboxUpdate.payload)
                    .where(InboxUpdate.status == "received", InboxUpdate.attempts < max_attempts)
                    .order_by(InboxUpdate.update_id)
                ).all()
                return [(u, p) for u, p in rows if p]

        return await self._run(read)

    async def finish_update(self, update_id: int, error: str | None = None, max_attempts: int = 3) -> None:
        """Mark an update processed (its payload dropped), or count a failed attempt."""

        def write() -> None:
            if error is None:
                with self.db.read() as s:  # usually the handler's own transaction already finished it
                    if s.scalar(select(InboxUpdate.status).where(InboxUpdate.update_id == update_id)) in (
                        None,
                        "done",
                    ):
                        return
            with self.db.session() as s:
                row = s.get(InboxUpdate, update_id)
                if row is None or row.status == "done":
                    return
                if error is None:
                    self._finish_update(s, update_id)
                    return
                row.attempts += 1
                row.error = error[:250]
                if row.attempts >= max_attempts:
                    row.status, row.payload = "failed", None
                    log.error("update %d failed %d times and was set aside", update_id, row.attempts)

        await self._run(write)

    @staticmethod
    def _finish_update(s: Session, update_id: int | None) -> None:
        if update_id is None:
            return
        s.execute(
            update(InboxUpdate)
            .where(InboxUpdate.update_id == update_id, InboxUpdate.status != "done")
            .values(status="done", payload=None, processed_at=utcnow())
        )

    # ---- outbox: what to deliver -------------------------------------------------------------------

    async def deliveries(self, ids: Sequence[int]) -> list[Delivery]:
        """Claim the outbox rows still pending among ``ids``, in order, for this sender.

        A claim is a lease (``next_attempt_at`` moves ``OUTBOX_LEASE`` ahead), so the retry loop, or a
        second process, never sends a row someone else is sending; a sender that dies lets it lapse.
        """
        return await self._run(self._deliveries, list(ids))

    async def due_deliveries(self, limit: int = 100) -> list[Delivery]:
        """Claim pending rows whose retry time has come, oldest first."""

        def ids() -> list[int]:
            with self.db.read() as s:
                return list(
                    s.scalars(
                        select(OutboxItem.id)
                        .where(OutboxItem.status == "pending", OutboxItem.next_attempt_at <= utcnow())
                        .order_by(OutboxItem.id)
                        .limit(limit)
                    )
                )

        return await self._run(lambda: self._deliveries(ids()))

    async def release_claims(self) -> int:
        """At start, nothing is being sent: make every pending row due now (the leases of a dead process)."""

        def write() -> int:
            with self.db.session() as s:
                result = s.execute(
                    update(OutboxItem).where(OutboxItem.status == "pending").values(next_attempt_at=utcnow())
                )
                return int(getattr(result, "rowcount", 0) or 0)

        return await self._run(write)

    def _deliveries(self, ids: list[int]) -> list[Delivery]:
        if not ids:
            return []
        out = []
        now = utcnow()
        with self.db.session() as s:
            for item in s.scalars(
                select(OutboxItem).where(
                    OutboxItem.id.in_(ids), OutboxItem.status == "pending", OutboxItem.next_attempt_at <= now
                )
            ):
                chat_id = None
                if item.target == "conversation" and item.conversation_id is not None:
                    conversation = s.get(Conversation, item.conversation_id)
                    if conversation is None:
                        continue
                    chat_id = self.keys.decrypt_id(conversation.chat_id_enc)
                item.next_attempt_at = now + OUTBOX_LEASE
                out.append(Delivery(item.id, item.target, chat_id, dict(item.payload), item.parts_sent))
        return sorted(out, key=lambda d: d.id)

    async def delivered(
        self, outbox_id: int, parts_sent: int, done: bool, channel_message_id: int | None = None
    ) -> None:
        """Record progress: parts sent so far, and whether the row is complete."""

        def write() -> None:
            with self.db.session() as s:
                item = s.get(OutboxItem, outbox_id)
                if item is None:
                    return
                item.parts_sent = parts_sent
                if done:
                    item.status, item.sent_at = "sent", utcnow()
                    if item.message_id is not None and channel_message_id is not None:
                        s.execute(
                            update(Message)
                            .where(Message.id == item.message_id)
                            .values(telegram_message_id=channel_message_id)
                        )

        await self._run_outbox(write)

    async def delivery_failed(self, outbox_id: int, error: str, retry_in: float | None) -> None:
        """Count a failed attempt; ``retry_in=None`` gives up (for example, the user blocked the bot)."""

        def write() -> None:
            with self.db.session() as s:
                item = s.get(OutboxItem, outbox_id)
                if item is None:
                    return
                item.attempts += 1
                item.last_error = error[:250]
                if retry_in is None:
                    item.status = "failed"
                else:
                    item.next_attempt_at = utcnow() + timedelta(seconds=retry_in)

        await self._run_outbox(write)

    # ---- retention ---------------------------------------------------------------------------------

    async def purge(self, now: datetime | None = None) -> int:
        """Apply the retention period (see ``purge_expired``)."""
        return await self._run(purge_expired, self.db, self.retention_days, now)

    # ---- helpers -----------------------------------------------------------------------------------

    def _conversation(self, s: Session, incoming: Incoming) -> tuple[Conversation, User]:
        pseudonym = self.keys.pseudonym("user", incoming.user_id)
        user = s.scalar(select(User).where(User.pseudonym == pseudonym))
        if user is None:
            hint = incoming.language_hint if incoming.language_hint in T.LANGUAGES else None
            user = User(pseudonym=pseudonym, language=hint)
            s.add(user)
            s.flush()
        user.last_seen_at = utcnow()
        chat_key = self.keys.pseudonym("chat", incoming.chat_id)
        conversation = s.scalar(select(Conversation).where(Conversation.chat_key == chat_key))
        if conversation is None:
            conversation = Conversation(
                chat_key=chat_key,
                chat_id_enc=self.keys.encrypt_id(incoming.chat_id),
                chat_type=incoming.chat_type,
                user_id=user.id if incoming.chat_type == "private" else None,
            )
            s.add(conversation)
            s.flush()
        conversation.last_message_at = utcnow()
        return conversation, user

    @staticmethod
    def _store_command(s: Session, conversation: Conversation, user: User, incoming: Incoming) -> Message:
        message = Message(
            conversation_id=conversation.id,
            user_id=user.id,
            direction="in",
            author="user",
            kind="command",
            text=redact(incoming.text)[0][:200],
            update_id=incoming.update_id,
            telegram_message_id=incoming.channel_message_id,
        )
        s.add(message)
        s.flush()
        return message

    def _note(
        self,
        s: Session,
        conversation: Conversation,
        text: str,
        keyboard: str | None = None,
        reply_to: int | None = None,
        payload: dict[str, Any] | None = None,
    ) -> int:
        """Store a note from the bot and queue it; ``payload`` adds to (or replaces the kind of) a plain note."""
        note = Message(
            conversation_id=conversation.id,
            direction="out",
            author="bot",
            kind="note",
            text=text,
            reply_to_id=reply_to,
        )
        s.add(note)
        s.flush()
        body = {"kind": "note", "text": text, "keyboard": keyboard, "message_id": note.id, **(payload or {})}
        return self._queue_send(s, conversation, note.id, body)

    @staticmethod
    def _queue_send(s: Session, conversation: Conversation, message_id: int, payload: dict[str, Any]) -> int:
        item = OutboxItem(
            target="conversation", conversation_id=conversation.id, message_id=message_id, payload=payload
        )
        s.add(item)
        s.flush()
        return item.id

    @staticmethod
    def _open_item(s: Session, conversation_id: int) -> QueueItem | None:
        return s.scalar(
            select(QueueItem)
            .where(QueueItem.conversation_id == conversation_id, QueueItem.status != "resolved")
            .order_by(QueueItem.id.desc())
            .limit(1)
        )

    def _flag(
        self,
        s: Session,
        conversation: Conversation,
        user: User,
        message: Message,
        text: str,
        alerts: list[int],
        reason: str = "flag",
    ) -> int:
        """One open queue item per conversation, raised to the most severe flag; alerts on high and critical."""
        severity = message.severity or "medium"
        rank = SEVERITY_RANK[severity]
        excerpt = text[:EXCERPT_CHARS]
        item = self._open_item(s, conversation.id)
        now = utcnow()
        if item is None:
            item = QueueItem(
                conversation_id=conversation.id,
                message_id=message.id,
                reason=reason,
                category=message.category or "none",
                severity=severity,
                severity_rank=rank,
                flag_count=1,
                excerpt=excerpt,
            )
            s.add(item)
            s.flush()
            raised = True
        else:
            item.flag_count += 1
            raised = rank > item.severity_rank or item.reason == "human_request"
            if rank >= item.severity_rank:
                item.category, item.severity, item.severity_rank = message.category or "none", severity, rank
                item.message_id, item.excerpt, item.reason = message.id, excerpt, reason
        item.updated_at = now
        alerted = item.alerted_at
        stale = alerted is None or _aware(alerted) < now - ALERT_AGAIN_AFTER
        if self.moderator_alerts and rank >= SEVERITY_RANK["high"] and (raised or stale):
            alerts.append(self._queue_alert(s, item, user, message))
            item.alerted_at = now
        return item.id

    def _queue_alert(self, s: Session, item: QueueItem, user: User, message: Message) -> int:
        payload = {
            "kind": "alert",
            "queue_item_id": item.id,
            "pseudonym": user.pseudonym[:12],
            "category": message.category,
            "severity": message.severity,
            "excerpt": (item.excerpt or "")[:EXCERPT_CHARS],
            "language": message.language,
        }
        alert = OutboxItem(target="moderators", payload=payload)
        s.add(alert)
        s.flush()
        return alert.id


def _aware(moment: datetime) -> datetime:
    """SQLite returns naive datetimes for timezone-aware columns; they were stored in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def purge_expired(db: Database, retention_days: int, now: datetime | None = None) -> int:
    """Delete unflagged messages older than the retention period; keep flagged ones, the answers to them,
    and conversations with an open case. Processed raw updates and finished outbox rows go too."""
    now = now or utcnow()
    cutoff = now - timedelta(days=retention_days)
    with db.session() as s:
        open_cases = select(QueueItem.conversation_id).where(QueueItem.status != "resolved")
        flagged = select(Message.id).where(Message.flagged.is_(True))
        doomed = (
            Message.created_at < cutoff,
            Message.flagged.is_(False),
            Message.conversation_id.not_in(open_cases),
            or_(Message.reply_to_id.is_(None), Message.reply_to_id.not_in(flagged)),
        )
        count = s.scalar(select(func.count()).select_from(Message).where(*doomed)) or 0
        s.execute(delete(Message).where(*doomed).execution_options(synchronize_session=False))
        s.execute(
            delete(InboxUpdate).where(
                InboxUpdate.status != "received", InboxUpdate.received_at < now - timedelta(days=2)
            )
        )
        s.execute(
            delete(OutboxItem).where(
                OutboxItem.status != "pending", OutboxItem.created_at < now - timedelta(days=1)
            )
        )
    log.info("retention purge removed %d messages older than %s", count, cutoff.date())
    return count
