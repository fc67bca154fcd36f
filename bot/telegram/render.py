"""Turn outbox payloads into Telegram messages: HTML escaped correctly, split below the 4,096 limit."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import channel_texts as T

LIMIT = 4000  # below Telegram's 4,096, counted on the escaped HTML, which is never shorter than the text
SEVERITY_MARK = {"critical": "🔴", "high": "🟠", "medium": "🟡", "low": "⚪", "none": "⚪"}


@dataclass(frozen=True)
class Part:
    """One Telegram message: HTML text, and buttons for the last part."""

    html: str
    markup: InlineKeyboardMarkup | None = None


def escape(text: str) -> str:
    """Escape text for Telegram's HTML mode (``&``, ``<``, ``>``)."""
    return html.escape(text, quote=False)


def render(payload: dict[str, Any], console_url: str | None = None) -> list[Part]:
    """The messages for one outbox payload, buttons on the last one."""
    kind = payload.get("kind")
    language = str(payload.get("language") or "en")
    blocks: list[str]
    markup: InlineKeyboardMarkup | None = None
    if kind == "answer":
        blocks = _paragraphs(str(payload["text"]))
        citations = payload.get("citations") or []
        if citations:
            lines = [f"<b>{escape(T.say(T.SOURCES_LABEL, language))}</b>", *(_citation(c) for c in citations)]
            compact = "\n".join(lines)
            blocks.extend([compact] if len(compact) <= LIMIT else lines)
        if payload.get("feedback"):
            markup = feedback_keyboard(int(payload["message_id"]), language)
    elif kind == "sources":
        blocks = [escape(str(payload["text"]))]
        for label, items in payload.get("groups") or []:
            lines = [f"<b>{escape(str(label))}</b>"]
            lines.extend(f"• {_link(str(title), url)}" for title, url in items)
            blocks.append("\n".join(lines))
    elif kind == "alert":
        blocks, markup = _alert(payload, console_url)
    else:  # note, moderator reply
        blocks = _paragraphs(str(payload.get("text", "")))
        markup = _keyboard(payload.get("keyboard"), language)
    parts = pack(blocks)
    return [Part(p, markup if i == len(parts) - 1 else None) for i, p in enumerate(parts)]


def pack(blocks: list[str], limit: int = LIMIT) -> list[str]:
    """Join HTML blocks with blank lines into messages of at most ``limit`` characters.

    A block never holds an unclosed tag, so a cut between blocks is always valid HTML; a block longer than
    the limit is plain escaped text and is cut at a line, sentence or word boundary (never inside an entity).
    """
    pieces: list[str] = []
    for block in blocks:
        pieces.extend(_cut(block, limit) if len(block) > limit else [block])
    messages: list[str] = []
    current = ""
    for piece in pieces:
        joined = f"{current}\n\n{piece}" if current else piece
        if len(joined) <= limit:
            current = joined
        else:
            messages.append(current)
            current = piece
    if current:
        messages.append(current)
    return messages or [""]


def _cut(block: str, limit: int) -> list[str]:
    out: list[str] = []
    rest = block
    while len(rest) > limit:
        window = rest[:limit]
        cut = max(window.rfind("\n"), window.rfind(". "), window.rfind("۔ "))
        if cut < limit // 2:
            cut = window.rfind(" ")
        if cut < limit // 2:
            cut = limit
            amp = window.rfind("&")  # never split an entity such as &amp;
            if amp > limit - 8 and ";" not in window[amp:]:
                cut = amp
        else:
            cut += 1
        out.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        out.append(rest)
    return out


def _paragraphs(text: str) -> list[str]:
    return [escape(p.strip()) for p in re.split(r"\n\s*\n", text) if p.strip()] or [escape(text)]


def _link(title: str, url: object) -> str:
    if isinstance(url, str) and re.match(r"^https?://", url):
        return f'<a href="{html.escape(url, quote=True)}">{escape(title)}</a>'
    return escape(title)


def _citation(c: dict[str, Any]) -> str:
    where = f", {escape(str(c['locator']))}" if c.get("locator") else ""
    return f"[{int(c['n'])}] {_link(str(c['title']), c.get('url'))}{where}"


def feedback_keyboard(message_id: int, language: str) -> InlineKeyboardMarkup:
    """Helpful / not helpful / report, tied to the stored answer."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    T.say(T.BUTTONS[kind], language), callback_data=f"fb:{message_id}:{kind}"
                )
                for kind in ("helpful", "not_helpful", "report")
            ]
        ]
    )


def _keyboard(name: object, language: str) -> InlineKeyboardMarkup | None:
    if name == "languages":
        return InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(label, callback_data=f"lang:{code}")
                    for code, label in T.LANGUAGES.items()
                ]
            ]
        )
    if name == "delete_confirm":
        return InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(T.say(T.BUTTONS["delete_yes"], language), callback_data="del:yes"),
                    InlineKeyboardButton(T.say(T.BUTTONS["delete_no"], language), callback_data="del:no"),
                ]
            ]
        )
    return None


def _alert(payload: dict[str, Any], console_url: str | None) -> tuple[list[str], InlineKeyboardMarkup | None]:
    severity = str(payload.get("severity"))
    item = int(payload["queue_item_id"])
    lines = [
        f"{SEVERITY_MARK.get(severity, '')} <b>{escape(severity.upper())}</b> · {escape(str(payload.get('category')))}",
        f"Queue item #{item} · user {escape(str(payload.get('pseudonym')))} · {escape(str(payload.get('language')))}",
    ]
    if payload.get("realert"):
        lines.append("<b>Still unclaimed.</b>")
    excerpt = str(payload.get("excerpt") or "")
    blocks = ["\n".join(lines)]
    if excerpt:
        blocks.append(f"<i>{escape(excerpt)}</i>")
    markup = None
    if console_url:
        url = f"{console_url.rstrip('/')}/queue/{item}"
        markup = InlineKeyboardMarkup([[InlineKeyboardButton("Open in console", url=url)]])
    return blocks, markup
