"""Pure pieces of the Telegram channel: HTML rendering and splitting, flood control, secrets kept out of logs,
pseudonyms and encrypted chat ids."""

from __future__ import annotations

import html
import logging
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.conversations import FloodGuard
from bot.storage.privacy import Keys, load_secret
from bot.telegram.render import LIMIT, pack, render
from bot.telegram.runtime import SecretFilter


class _Balance(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.ok = True

    def handle_starttag(self, tag: str, attrs: object) -> None:
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        self.ok = self.ok and bool(self.stack) and self.stack.pop() == tag


def _balanced(fragment: str) -> bool:
    parser = _Balance()
    parser.feed(fragment)
    parser.close()
    return parser.ok and not parser.stack


def test_answer_is_escaped_with_links_and_buttons() -> None:
    """User-visible text is escaped; citations become links; feedback buttons carry the stored answer's id."""
    payload = {
        "kind": "answer",
        "language": "en",
        "text": "Scholars say <b>no</b> & never [1].",
        "citations": [{"n": 1, "title": "A & B", "locator": "Art. 5", "url": "https://x.org/?a=1&b=2"}],
        "feedback": True,
        "message_id": 77,
    }
    parts = render(payload)
    assert len(parts) == 1
    text = parts[0].html
    assert "&lt;b&gt;no&lt;/b&gt; &amp; never [1]." in text
    assert '<a href="https://x.org/?a=1&amp;b=2">A &amp; B</a>, Art. 5' in text
    assert _balanced(text)
    assert parts[0].markup is not None
    data = [b.callback_data for b in parts[0].markup.inline_keyboard[0]]
    assert data == ["fb:77:helpful", "fb:77:not_helpful", "fb:77:report"]


def test_long_text_is_split_below_the_limit_with_buttons_on_the_last_part() -> None:
    """A 12,000-character note becomes several messages under the limit; only the last carries buttons."""
    text = "\n\n".join(f"Paragraph {n}: " + "words & more <words> " * 40 for n in range(14))
    parts = render({"kind": "note", "text": text, "keyboard": "languages"})
    assert len(parts) >= 3
    assert all(len(p.html) <= LIMIT for p in parts)
    assert [p.markup is not None for p in parts] == [False] * (len(parts) - 1) + [True]
    joined = html.unescape(" ".join(p.html for p in parts))
    assert joined.count("Paragraph") == 14


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=0, max_size=9000))
def test_any_text_packs_into_valid_messages(text: str) -> None:
    """Whatever the text, every part is under the limit, well-formed, and no entity is cut in half."""
    parts = render({"kind": "note", "text": text})
    for part in parts:
        assert len(part.html) <= LIMIT
        assert _balanced(part.html)
        assert not re.search(r"&[a-z#0-9]*$", part.html), "an entity was cut"


def test_pack_keeps_blocks_whole_when_they_fit() -> None:
    """Blocks join with blank lines until the next one would pass the limit."""
    assert pack(["a" * 10, "b" * 10], limit=25) == ["a" * 10 + "\n\n" + "b" * 10]
    assert pack(["a" * 10, "b" * 20], limit=25) == ["a" * 10, "b" * 20]


def test_alert_has_no_raw_ids_and_links_to_the_console() -> None:
    """A moderator alert shows the pseudonym, severity and excerpt, and a button to the console item."""
    payload = {
        "kind": "alert",
        "queue_item_id": 12,
        "pseudonym": "abcdef123456",
        "category": "violent_intent",
        "severity": "critical",
        "excerpt": "<i>I will</i>",
        "language": "en",
    }
    part = render(payload, "https://console.example.org/")[0]
    assert "CRITICAL" in part.html and "abcdef123456" in part.html and "&lt;i&gt;I will" in part.html
    assert part.markup is not None
    assert part.markup.inline_keyboard[0][0].url == "https://console.example.org/queue/12"
    assert render(payload, None)[0].markup is None


def test_flood_guard_allows_the_limit_then_warns_once_per_window() -> None:
    """Ten messages a minute pass; the eleventh is held with one note; after the window all is well again."""
    now = [0.0]
    guard = FloodGuard(limit=10, window=60, clock=lambda: now[0])
    assert all(guard.check("u")[0] for _ in range(10))
    assert guard.check("u") == (False, True)
    assert guard.check("u") == (False, False)
    assert guard.check("other") == (True, False)
    now[0] = 61.0
    assert guard.check("u") == (True, False)


def test_secret_filter_blanks_the_token_in_any_record(caplog: pytest.LogCaptureFixture) -> None:
    """A library logging a URL with the token shows [secret] instead."""
    logger = logging.getLogger("test.secret")
    caplog.handler.addFilter(SecretFilter(["123:ABC"]))
    logger.warning("POST https://api.telegram.org/bot%s/sendMessage", "123:ABC")
    assert "123:ABC" not in caplog.text and "[secret]" in caplog.text


def test_pseudonyms_are_stable_keyed_and_chat_ids_round_trip(tmp_path: Path) -> None:
    """The same id gives the same pseudonym under one secret and another under a different secret."""
    keys = Keys(b"one-secret-that-is-long-enough")
    other = Keys(b"another-secret-long-enough-too")
    assert keys.pseudonym("user", 42) == keys.pseudonym("user", 42)
    assert keys.pseudonym("user", 42) != other.pseudonym("user", 42)
    assert keys.pseudonym("user", 42) != keys.pseudonym("chat", 42)
    assert "42" not in keys.pseudonym("user", 42)
    token = keys.encrypt_id(-1001234567890)
    assert b"1234567890" not in token
    assert keys.decrypt_id(token) == -1001234567890
    with pytest.raises(ValueError, match="another secret"):
        other.decrypt_id(token)


def test_secret_file_is_created_once_and_private(tmp_path: Path) -> None:
    """Without a configured secret, one is created in the data directory, readable only by its owner."""
    first = load_secret(None, tmp_path)
    assert load_secret(None, tmp_path) == first
    assert (tmp_path / "secret.key").stat().st_mode & 0o077 == 0
    assert load_secret("configured-secret-value", tmp_path) == b"configured-secret-value"
