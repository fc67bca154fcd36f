"""Moderation: what the console (or any other channel) does to the queue, conversations and the audit log.

Plain, synchronous functions over a ``Database``; each is one transaction, and each action that changes
something writes an append-only audit entry in that same transaction. The web views run them in a thread.
Text shown here was redacted of personal data before it was stored; there is nothing to reveal.
"""

from __future__ import annotations

import json
import re
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.normalise import normalise
from bot.storage.db import Database
from bot.storage.models import (
    SEVERITY_RANK,
    AuditEntry,
    CitationRow,
    Conversation,
    Feedback,
    Message,
    Note,
    OutboxItem,
    QueueItem,
    utcnow,
)

OUTCOMES: dict[str, str] = {
    "no_concern": "No concern",
    "supported": "Supported the young person",
    "referred": "Referred to a support service",
    "reported": "Reported to authorities per the organisation's protocol",
}
PSEUDONYM_CHARS = 12
EXCERPT_CHARS = 280
REPLY_MAX_CHARS = 3500
NOTE_MAX_CHARS = 4000
QUEUE_VIEWS = ("open", "mine", "claimed", "resolved")
WORD = re.compile(r"\w+", re.UNICODE)


class ModerationError(Exception):
    """An action that cannot be done; the message says why, in words for the moderator."""

    status = 400


class NotFound(ModerationError):
    """No such item."""

    status = 404


class Conflict(ModerationError):
    """Someone else holds the item, or it is already resolved."""

    status = 409


def aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes for timezone-aware columns; they were stored in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def short_pseudonym(conversation: Conversation) -> str:
    """The first 12 characters of the user's pseudonym (or of the chat's key for a group)."""
    if conversation.user is not None:
        return conversation.user.pseudonym[:PSEUDONYM_CHARS]
    return conversation.chat_key[:PSEUDONYM_CHARS]


def audit(
    s: Session,
    actor: str,
    action: str,
    target_type: str | None = None,
    target_id: object = None,
    **detail: object,
) -> None:
    """Append one entry to the audit log (in the caller's transaction)."""
    s.add(
        AuditEntry(
            actor=actor,
            action=action,
            target_type=target_type,
            target_id=None if target_id is None else str(target_id),
            detail=detail or None,
        )
    )


def record(
    db: Database,
    actor: str,
    action: str,
    target_type: str | None = None,
    target_id: object = None,
    **detail: object,
) -> None:
    """Append one audit entry in its own transaction."""
    with db.session() as s:
        audit(s, actor, action, target_type, target_id, **detail)


# ---- the queue -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueRow:
    """One queue item as the list shows it."""

    id: int
    conversation_id: int
    pseudonym: str
    category: str
    severity: str
    reason: str
    flag_count: int
    human_requested: bool
    excerpt: str
    status: str
    claimed_by: str | None
    created_at: datetime
    age_minutes: int
    conversation_status: str
    outcome: str | None


@dataclass
class QueuePage:
    """The items of one view of the queue, and how many open items there are per category and severity."""

    view: str
    rows: list[QueueRow]
    per_category: dict[str, int]
    per_severity: dict[str, int]
    total_open: int


def _row(item: QueueItem, now: datetime) -> QueueRow:
    created = aware(item.created_at)
    return QueueRow(
        id=item.id,
        conversation_id=item.conversation_id,
        pseudonym=short_pseudonym(item.conversation),
        category=item.category,
        severity=item.severity,
        reason=item.reason,
        flag_count=item.flag_count,
        human_requested=item.human_requested,
        excerpt=(item.excerpt or "")[:EXCERPT_CHARS],
        status=item.status,
        claimed_by=item.claimed_by,
        created_at=created,
        age_minutes=max(0, int((now - created).total_seconds() // 60)),
        conversation_status=item.conversation.status,
        outcome=item.outcome,
    )


def list_queue(db: Database, view: str = "open", actor: str = "", limit: int = 200) -> QueuePage:
    """Queue items, most severe first, then oldest first; ``view`` is open, mine, claimed or resolved."""
    if view not in QUEUE_VIEWS:
        raise ModerationError(f"unknown queue view {view!r}")
    now = utcnow()
    with db.session() as s:
        query = select(QueueItem)
        if view == "open":
            query = query.where(QueueItem.status != "resolved")
        elif view == "mine":
            query = query.where(QueueItem.status == "claimed", QueueItem.claimed_by == actor)
        elif view == "claimed":
            query = query.where(QueueItem.status == "claimed")
        else:
            query = query.where(QueueItem.status == "resolved")
        if view == "resolved":
            query = query.order_by(QueueItem.resolved_at.desc())
        else:
            query = query.order_by(QueueItem.severity_rank.desc(), QueueItem.created_at, QueueItem.id)
        rows = [_row(item, now) for item in s.scalars(query.limit(limit))]
        active = QueueItem.status != "resolved"
        per_category = dict(
            s.execute(
                select(QueueItem.category, func.count())
                .where(active)
                .group_by(QueueItem.category)
                .order_by(func.count().desc())
            ).all()
        )
        per_severity = dict(
            s.execute(
                select(QueueItem.severity, func.count()).where(active).group_by(QueueItem.severity)
            ).all()
        )
    ordered = {k: per_severity[k] for k in sorted(per_severity, key=lambda k: -SEVERITY_RANK.get(k, 0))}
    return QueuePage(view, rows, per_category, ordered, sum(per_category.values()))


def _item(s: Session, item_id: int) -> QueueItem:
    item = s.get(QueueItem, item_id)
    if item is None:
        raise NotFound(f"queue item {item_id} does not exist")
    return item


def _hold(item: QueueItem, actor: str, *, admin: bool = False) -> None:
    """The actor must hold the item (an open item is claimed for them on the way)."""
    if item.status == "resolved":
        raise Conflict(f"item {item.id} is already resolved")
    if item.status == "claimed" and item.claimed_by != actor and not admin:
        raise Conflict(
            f"item {item.id} is claimed by {item.claimed_by}; ask them, or an admin, to release it"
        )
    if item.status == "open":
        item.status, item.claimed_by, item.claimed_at = "claimed", actor, utcnow()


def claim(db: Database, item_id: int, actor: str) -> None:
    """Claim an item so nobody else answers the same young person; fails if someone else holds it."""
    with db.session() as s:
        item = _item(s, item_id)
        if item.status == "resolved":
            raise Conflict(f"item {item_id} is already resolved")
        if item.status == "claimed":
            if item.claimed_by == actor:
                return
            raise Conflict(f"item {item_id} is already claimed by {item.claimed_by}")
        item.status, item.claimed_by, item.claimed_at, item.updated_at = "claimed", actor, utcnow(), utcnow()
        audit(s, actor, "claim", "queue_item", item_id)


def release(db: Database, item_id: int, actor: str, *, admin: bool = False) -> None:
    """Give a claimed item back to the queue (its holder, or an admin)."""
    with db.session() as s:
        item = _item(s, item_id)
        if item.status != "claimed":
            raise Conflict(f"item {item_id} is not claimed")
        if item.claimed_by != actor and not admin:
            raise Conflict(f"item {item_id} is claimed by {item.claimed_by}, not by you")
        previous = item.claimed_by
        item.status, item.claimed_by, item.claimed_at, item.updated_at = "open", None, None, utcnow()
        audit(s, actor, "release", "queue_item", item_id, previous_holder=previous)


def add_note(db: Database, item_id: int, actor: str, text: str) -> int:
    """Add a moderator's note to an item; the note's id."""
    text = text.strip()
    if not text:
        raise ModerationError("a note needs some text")
    with db.session() as s:
        _item(s, item_id)
        note = Note(queue_item_id=item_id, author=actor, text=text[:NOTE_MAX_CHARS])
        s.add(note)
        s.flush()
        audit(s, actor, "note", "queue_item", item_id, note_id=note.id)
        return note.id


def resolve(db: Database, item_id: int, actor: str, outcome: str, *, admin: bool = False) -> None:
    """Close an item with an outcome; a conversation still handed off goes back to the bot."""
    if outcome not in OUTCOMES:
        raise ModerationError(f"outcome must be one of {', '.join(OUTCOMES)}")
    with db.session() as s:
        item = _item(s, item_id)
        _hold(item, actor, admin=admin)
        now = utcnow()
        item.status, item.outcome, item.resolved_by, item.resolved_at, item.updated_at = (
            "resolved",
            outcome,
            actor,
            now,
            now,
        )
        handed_back = item.conversation.status == "handoff"
        if handed_back:
            item.conversation.status = "bot"
        audit(s, actor, "resolve", "queue_item", item_id, outcome=outcome, handed_back=handed_back)


def take_over(db: Database, item_id: int, actor: str, *, admin: bool = False) -> None:
    """Hand the conversation to the moderator: the bot stays silent in it until it is handed back."""
    with db.session() as s:
        item = _item(s, item_id)
        _hold(item, actor, admin=admin)
        conversation = item.conversation
        if conversation.status == "handoff" and conversation.handoff_by not in (None, actor) and not admin:
            raise Conflict(f"{conversation.handoff_by} has already taken over this conversation")
        conversation.status, conversation.handoff_by, conversation.handoff_at = "handoff", actor, utcnow()
        item.updated_at = utcnow()
        audit(s, actor, "take_over", "conversation", conversation.id, queue_item_id=item_id)


def reply(db: Database, item_id: int, actor: str, text: str, *, admin: bool = False) -> int:
    """Store a moderator's reply to the young person and queue it for delivery; the outbox row's id."""
    text = text.strip()
    if not text:
        raise ModerationError("a reply needs some text")
    if len(text) > REPLY_MAX_CHARS:
        raise ModerationError(f"a reply may be at most {REPLY_MAX_CHARS} characters")
    with db.session() as s:
        item = _item(s, item_id)
        _hold(item, actor, admin=admin)
        conversation = item.conversation
        if conversation.status != "handoff":
            raise Conflict("take the conversation over before replying, so the bot stays silent")
        message = Message(
            conversation_id=conversation.id,
            direction="out",
            author=f"moderator:{actor}"[:64],
            kind="moderator",
            text=text,
        )
        s.add(message)
        s.flush()
        payload = {"kind": "note", "text": text, "keyboard": None, "message_id": message.id}
        outbox = OutboxItem(
            target="conversation", conversation_id=conversation.id, message_id=message.id, payload=payload
        )
        s.add(outbox)
        conversation.last_message_at = utcnow()
        item.updated_at = utcnow()
        s.flush()
        audit(
            s, actor, "reply", "conversation", conversation.id, queue_item_id=item_id, message_id=message.id
        )
        return outbox.id


def hand_back(db: Database, item_id: int, actor: str, *, admin: bool = False) -> None:
    """Give the conversation back to the bot."""
    with db.session() as s:
        item = _item(s, item_id)
        conversation = item.conversation
        if conversation.status != "handoff":
            raise Conflict("the bot already has this conversation")
        if conversation.handoff_by not in (None, actor) and not admin:
            raise Conflict(
                f"{conversation.handoff_by} has this conversation; only they or an admin can hand it back"
            )
        conversation.status = "bot"
        item.updated_at = utcnow()
        audit(s, actor, "hand_back", "conversation", conversation.id, queue_item_id=item_id)


# ---- transcripts ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CitationView:
    """A source an answer cited."""

    n: int
    source_id: str
    title: str
    locator: str | None
    url: str | None


@dataclass(frozen=True)
class MessageView:
    """One message of a transcript, with its verdict, or the answer's citations and feedback."""

    id: int
    direction: str
    author: str
    kind: str
    text: str
    language: str | None
    category: str | None
    severity: str | None
    action: str | None
    flagged: bool
    top_score: float | None
    reasons: list[str]
    notes: list[str]
    created_at: datetime
    citations: list[CitationView]
    feedback: list[str]
    delivery: str | None


@dataclass(frozen=True)
class NoteView:
    """A moderator's note."""

    author: str
    text: str
    created_at: datetime


@dataclass
class Transcript:
    """A conversation as a moderator reads it, with the queue item it is shown for (if any)."""

    conversation_id: int
    pseudonym: str
    chat_type: str
    status: str
    handoff_by: str | None
    messages: list[MessageView]
    item: QueueRow | None = None
    notes: list[NoteView] = field(default_factory=list)
    history: list[QueueRow] = field(default_factory=list)


def _strings(details: dict[str, object] | None, key: str) -> list[str]:
    value = (details or {}).get(key)
    return [str(v) for v in value] if isinstance(value, list) else []


def transcript(
    db: Database,
    *,
    item_id: int | None = None,
    conversation_id: int | None = None,
    actor: str = "",
    limit: int = 300,
) -> Transcript:
    """The transcript of an item's conversation (or of a conversation); viewing it is audited."""
    now = utcnow()
    with db.session() as s:
        item = None
        if item_id is not None:
            item = _item(s, item_id)
            conversation = item.conversation
        else:
            found = s.get(Conversation, conversation_id)
            if found is None:
                raise NotFound(f"conversation {conversation_id} does not exist")
            conversation = found
        messages = list(
            s.scalars(
                select(Message)
                .where(Message.conversation_id == conversation.id)
                .order_by(Message.created_at.desc(), Message.id.desc())
                .limit(limit)
            )
        )
        messages.reverse()
        ids = [m.id for m in messages]
        feedback: dict[int, list[str]] = defaultdict(list)
        for message_id, kind in s.execute(
            select(Feedback.message_id, Feedback.kind).where(Feedback.message_id.in_(ids))
        ):
            feedback[message_id].append(kind)
        delivery = dict(
            s.execute(
                select(OutboxItem.message_id, OutboxItem.status).where(OutboxItem.message_id.in_(ids))
            ).all()
        )
        views = [
            MessageView(
                id=m.id,
                direction=m.direction,
                author=m.author,
                kind=m.kind,
                text=m.text,
                language=m.language,
                category=m.category,
                severity=m.severity,
                action=m.action,
                flagged=m.flagged,
                top_score=m.top_score,
                reasons=_strings(m.details, "reasons"),
                notes=_strings(m.details, "notes"),
                created_at=aware(m.created_at),
                citations=[CitationView(c.n, c.source_id, c.title, c.locator, c.url) for c in m.citations],
                feedback=feedback.get(m.id, []),
                delivery=delivery.get(m.id),
            )
            for m in messages
        ]
        result = Transcript(
            conversation_id=conversation.id,
            pseudonym=short_pseudonym(conversation),
            chat_type=conversation.chat_type,
            status=conversation.status,
            handoff_by=conversation.handoff_by,
            messages=views,
        )
        items = s.scalars(
            select(QueueItem)
            .where(QueueItem.conversation_id == conversation.id)
            .order_by(QueueItem.id.desc())
        ).all()
        result.history = [_row(i, now) for i in items]
        if item is not None:
            result.item = _row(item, now)
            result.notes = [
                NoteView(n.author, n.text, aware(n.created_at))
                for n in s.scalars(select(Note).where(Note.queue_item_id == item.id).order_by(Note.id))
            ]
        if actor:
            target = ("queue_item", item_id) if item_id is not None else ("conversation", conversation.id)
            audit(s, actor, "view_transcript", *target)
        return result


# ---- re-alerts -----------------------------------------------------------------------------------------


def realert_due(db: Database, minutes: float, now: datetime | None = None) -> list[int]:
    """Alert the moderators again about critical items nobody claimed within ``minutes`` (once per period)."""
    now = now or utcnow()
    cutoff = now - timedelta(minutes=minutes)
    created: list[int] = []
    with db.session() as s:
        items = s.scalars(
            select(QueueItem).where(
                QueueItem.status == "open",
                QueueItem.severity_rank >= SEVERITY_RANK["critical"],
                QueueItem.created_at <= cutoff,
            )
        ).all()
        for item in items:
            if item.realerted_at is not None and aware(item.realerted_at) > cutoff:
                continue
            conversation = item.conversation
            message = s.get(Message, item.message_id) if item.message_id is not None else None
            payload = {
                "kind": "alert",
                "queue_item_id": item.id,
                "pseudonym": short_pseudonym(conversation),
                "category": item.category,
                "severity": item.severity,
                "excerpt": (item.excerpt or "")[:EXCERPT_CHARS],
                "language": message.language if message is not None else None,
                "realert": True,
            }
            alert = OutboxItem(target="moderators", payload=payload)
            s.add(alert)
            item.realerted_at = now
            s.flush()
            audit(s, "system", "realert", "queue_item", item.id, outbox_id=alert.id)
            created.append(alert.id)
    return created


# ---- the audit log -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditRow:
    """One audit entry."""

    id: int
    at: datetime
    actor: str
    action: str
    target_type: str | None
    target_id: str | None
    detail: str


def audit_log(
    db: Database, limit: int = 200, before: int | None = None, actor: str | None = None
) -> list[AuditRow]:
    """The newest audit entries (older than entry ``before``), optionally of one actor."""
    with db.session() as s:
        query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
        if before is not None:
            query = query.where(AuditEntry.id < before)
        if actor:
            query = query.where(AuditEntry.actor == actor)
        return [
            AuditRow(
                e.id,
                aware(e.at),
                e.actor,
                e.action,
                e.target_type,
                e.target_id,
                json.dumps(e.detail, ensure_ascii=False, sort_keys=True) if e.detail else "",
            )
            for e in s.scalars(query)
        ]


# ---- the dashboard -------------------------------------------------------------------------------------


@dataclass
class Dashboard:
    """Figures for the last ``days`` days."""

    days: int
    messages_per_day: list[tuple[date, int]]
    flags_per_category: dict[str, int]
    flags_per_severity: dict[str, int]
    feedback: dict[str, int]
    helpful_ratio: float | None
    median_claim_minutes: float | None
    median_resolve_minutes: float | None
    open_items: int


def _median_minutes(pairs: Iterable[tuple[datetime, datetime | None]]) -> float | None:
    spans = [(aware(end) - aware(start)).total_seconds() / 60 for start, end in pairs if end is not None]
    return round(statistics.median(spans), 1) if spans else None


def dashboard(db: Database, days: int = 14, now: datetime | None = None) -> Dashboard:
    """Messages per day, flags per category and severity, the feedback ratio, median time to claim and resolve."""
    now = now or utcnow()
    since = now - timedelta(days=days)
    first = (now - timedelta(days=days - 1)).date()
    with db.session() as s:
        per_day: Counter[date] = Counter()
        for (created,) in s.execute(
            select(Message.created_at).where(Message.direction == "in", Message.created_at >= since)
        ):
            per_day[aware(created).date()] += 1
        flags = s.execute(
            select(Message.category, Message.severity).where(
                Message.flagged.is_(True), Message.created_at >= since
            )
        ).all()
        feedback = dict(
            s.execute(
                select(Feedback.kind, func.count())
                .where(Feedback.created_at >= since)
                .group_by(Feedback.kind)
            ).all()
        )
        items = s.execute(
            select(QueueItem.created_at, QueueItem.claimed_at, QueueItem.resolved_at).where(
                QueueItem.created_at >= since
            )
        ).all()
        open_items = s.scalar(
            select(func.count()).select_from(QueueItem).where(QueueItem.status != "resolved")
        )
    series = [(first + timedelta(days=i), per_day.get(first + timedelta(days=i), 0)) for i in range(days)]
    categories = Counter(c or "none" for c, _ in flags)
    severities = Counter(v or "none" for _, v in flags)
    rated = feedback.get("helpful", 0) + feedback.get("not_helpful", 0)
    return Dashboard(
        days=days,
        messages_per_day=series,
        flags_per_category=dict(categories.most_common()),
        flags_per_severity={k: severities[k] for k in SEVERITY_RANK if severities.get(k)},
        feedback={k: int(feedback.get(k, 0)) for k in ("helpful", "not_helpful", "report")},
        helpful_ratio=round(feedback.get("helpful", 0) / rated, 3) if rated else None,
        median_claim_minutes=_median_minutes((c, cl) for c, cl, _ in items),
        median_resolve_minutes=_median_minutes((c, r) for c, _, r in items),
        open_items=int(open_items or 0),
    )


# ---- maintainers ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WeakQuestion:
    """A question the bot did not answer well, and why."""

    message_id: int
    conversation_id: int
    text: str
    language: str
    topic: str
    top_score: float | None
    reasons: tuple[str, ...]
    created_at: datetime


@dataclass
class WeakGroup:
    """Questions of one language whose nearest passage carried the same topic, the same texts merged."""

    language: str
    topic: str
    count: int
    texts: list[tuple[str, int]]  # a text as asked, how often it (or the same words) was asked
    reasons: dict[str, int]
    last_seen: datetime


def _nearest_topic(details: dict[str, object] | None) -> str:
    retrieval = (details or {}).get("retrieval")
    if isinstance(retrieval, list) and retrieval and isinstance(retrieval[0], dict):
        topics = retrieval[0].get("topics")
        if isinstance(topics, list) and topics:
            return str(topics[0])
    return "(nothing retrieved)"


def weak_questions(
    db: Database, min_score: float, days: int = 90, now: datetime | None = None
) -> list[WeakQuestion]:
    """In-messages with a low best score or no relevant passage, and those whose answer got not_helpful or report."""
    now = now or utcnow()
    since = now - timedelta(days=days)
    found: dict[int, tuple[Message, set[str]]] = {}
    with db.session() as s:
        asked = s.scalars(
            select(Message).where(
                Message.direction == "in",
                Message.kind.in_(("text", "edited", "forward")),
                Message.created_at >= since,
                Message.category.in_(
                    ("none", "off_topic", "extremist_sympathy", "propaganda", "hate_speech")
                ),
            )
        ).all()
        for m in asked:
            reasons = set()
            if "no_relevant_passage" in _strings(m.details, "notes"):
                reasons.add("no relevant passage")
            if m.top_score is None or m.top_score < min_score:
                reasons.add("low retrieval score")
            if reasons:
                found[m.id] = (m, reasons)
        answers = s.execute(
            select(Message.reply_to_id, Feedback.kind)
            .join(Feedback, Feedback.message_id == Message.id)
            .where(Feedback.kind.in_(("not_helpful", "report")), Message.reply_to_id.is_not(None))
        ).all()
        for question_id, kind in answers:
            if question_id is None:
                continue
            entry = found.get(question_id)
            if entry is None:
                question = s.get(Message, question_id)
                if question is None or question.direction != "in":
                    continue
                entry = found[question_id] = (question, set())
            entry[1].add("marked not helpful" if kind == "not_helpful" else "reported")
        return [
            WeakQuestion(
                message_id=m.id,
                conversation_id=m.conversation_id,
                text=m.text,
                language=m.language or "other",
                topic=_nearest_topic(m.details),
                top_score=m.top_score,
                reasons=tuple(sorted(reasons)),
                created_at=aware(m.created_at),
            )
            for m, reasons in found.values()
        ]


def _text_key(text: str, language: str) -> str:
    """Texts that differ only in case, spacing and punctuation share a key."""
    return " ".join(WORD.findall(normalise(text, language))) or text


def group_weak(questions: Sequence[WeakQuestion]) -> list[WeakGroup]:
    """Group weak questions by language and nearest topic, merging the same normalised text; biggest first."""
    groups: dict[tuple[str, str], list[WeakQuestion]] = defaultdict(list)
    for q in questions:
        groups[(q.language, q.topic)].append(q)
    out = []
    for (language, topic), members in groups.items():
        counts: Counter[str] = Counter()
        shown: dict[str, str] = {}
        for q in members:
            key = _text_key(q.text, q.language)
            counts[key] += 1
            shown.setdefault(key, q.text)
        reasons = Counter(r for q in members for r in q.reasons)
        out.append(
            WeakGroup(
                language=language,
                topic=topic,
                count=len(members),
                texts=[(shown[k], n) for k, n in counts.most_common(20)],
                reasons=dict(reasons.most_common()),
                last_seen=max(q.created_at for q in members),
            )
        )
    return sorted(out, key=lambda g: (-g.count, g.language, g.topic))


def export_eval_set(db: Database, topics_of: Mapping[str, Sequence[str]] | None = None) -> Iterator[str]:
    """Feedback and flagged examples as JSON lines in the contract's evaluation form (section 5).

    A flag a moderator resolved as ``no_concern`` expects no flag; other flags expect the verdict given;
    an answer marked helpful expects the same action and the topics of the sources it cited; an answer
    marked not helpful or reported is exported with only its language, for a maintainer to label.
    """
    topics_of = topics_of or {}
    with db.session() as s:
        windows: dict[int, list[tuple[datetime, datetime | None, str | None]]] = defaultdict(list)
        for conversation_id, opened, closed, outcome in s.execute(
            select(QueueItem.conversation_id, QueueItem.created_at, QueueItem.resolved_at, QueueItem.outcome)
        ):
            windows[conversation_id].append((aware(opened), aware(closed) if closed else None, outcome))

        def outcome_of(m: Message) -> str | None:
            at = aware(m.created_at)
            for opened, closed, outcome in windows.get(m.conversation_id, []):
                if opened - timedelta(seconds=5) <= at and (closed is None or at <= closed):
                    return outcome
            return None

        seen: set[int] = set()
        flagged = s.scalars(
            select(Message).where(Message.direction == "in", Message.flagged.is_(True)).order_by(Message.id)
        ).all()
        lines: list[dict[str, Any]] = []
        for m in flagged:
            if not m.text:
                continue
            expect: dict[str, Any]
            outcome = outcome_of(m)
            if outcome == "no_concern":
                expect, origin = {"flagged": False}, "flag:no_concern"
            else:
                expect = {"category": m.category, "action": m.action, "flagged": True}
                origin = f"flag:{outcome}" if outcome else "flag"
            seen.add(m.id)
            lines.append(_eval_line(m, expect, origin))
        rated = s.execute(
            select(Message.reply_to_id, Feedback.kind, Message.id)
            .join(Feedback, Feedback.message_id == Message.id)
            .where(Message.reply_to_id.is_not(None))
            .order_by(Feedback.id)
        ).all()
        cited: dict[int, set[str]] = defaultdict(set)
        for message_id, source_id in s.execute(select(CitationRow.message_id, CitationRow.source_id)):
            cited[message_id].add(source_id)
        for question_id, kind, answer_id in rated:
            if question_id is None or question_id in seen:
                continue
            question = s.get(Message, question_id)
            if question is None or question.direction != "in" or not question.text:
                continue
            seen.add(question_id)
            if kind == "helpful":
                expect = {"action": question.action, "category": question.category}
                topics = sorted({t for sid in cited[answer_id] for t in topics_of.get(sid, ())})
                if topics:
                    expect["topics"] = topics
            else:
                expect = {}
            lines.append(_eval_line(question, expect, f"feedback:{kind}"))
    for line in lines:
        yield json.dumps(line, ensure_ascii=False) + "\n"


def _eval_line(m: Message, expect: dict[str, Any], origin: str) -> dict[str, Any]:
    language = m.language if m.language in ("en", "ur", "roman_ur", "other") else "other"
    return {
        "id": f"console-{m.id}",
        "text": m.text,
        "language": language,
        "expect": {k: v for k, v in expect.items() if v is not None},
        "origin": origin,
    }


@dataclass(frozen=True)
class RetractedUse:
    """An answer that cited a source since retracted."""

    source_id: str
    title: str
    message_id: int
    conversation_id: int
    created_at: datetime
    answer_excerpt: str


def retracted_uses(db: Database, retracted: Sequence[str]) -> list[RetractedUse]:
    """The answers (and so conversations) that cited a retracted source, newest first."""
    if not retracted:
        return []
    with db.session() as s:
        rows = s.execute(
            select(CitationRow, Message)
            .join(Message, CitationRow.message_id == Message.id)
            .where(CitationRow.source_id.in_(list(retracted)))
            .order_by(Message.created_at.desc())
        ).all()
        return [
            RetractedUse(
                c.source_id, c.title, m.id, m.conversation_id, aware(m.created_at), m.text[:EXCERPT_CHARS]
            )
            for c, m in rows
        ]
