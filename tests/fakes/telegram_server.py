"""A fake Telegram Bot API on 127.0.0.1, good enough for the real python-telegram-bot 22 to talk to.

Point PTB at it with ``ApplicationBuilder().token(fake.token).base_url(fake.base_url)`` (or
``Bot(fake.token, base_url=fake.base_url)``). The server runs on its own event loop in a daemon thread,
so synchronous test code, PTB in the test's event loop and a bot in a child process can all use it.

It answers the methods a chat bot needs (getMe, getUpdates with long polling, setWebhook with pushes,
sendMessage with Telegram's length and HTML checks, edits, deletions, chat actions, callback answers,
commands), records every call, plays the user (texts, commands, button presses, media, forwards,
edits) and injects faults (429, 403, 500, 502, a hang). ``/_control/...`` exposes the same to another
process over HTTP.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import re
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from html.parser import HTMLParser
from types import TracebackType
from typing import Any

import aiohttp
from aiohttp import web

JSONDict = dict[str, Any]

BOT_ID = 777000111
DEFAULT_TOKEN = "123456:TEST-TOKEN"
MAX_TEXT_LENGTH = 4096
MAX_CALLBACK_DATA_BYTES = 64
DEFAULT_GROUP_ID = -1001234567890
FORWARD_CHANNEL_ID = -1009876543210

# Parameters whose string values must stay strings even when they look like numbers or JSON.
_KEEP_STRING = frozenset(
    {
        "text",
        "caption",
        "data",
        "callback_query_id",
        "inline_message_id",
        "inline_query_id",
        "secret_token",
        "url",
        "ip_address",
        "description",
        "short_description",
        "name",
        "title",
        "query",
        "language_code",
        "custom_emoji_id",
        "business_connection_id",
        "file_id",
        "emoji",
        "question",
        "explanation",
        "payload",
        "parse_mode",
        "action",
    }
)
_INT_RE = re.compile(r"-?\d+")
_FLOAT_RE = re.compile(r"-?\d+\.\d*")
_COMMAND_RE = re.compile(r"/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?")
_MENTION_RE = re.compile(r"(?<![A-Za-z0-9_])@[A-Za-z0-9_]{5,32}")
_SECRET_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")
_BOT_COMMAND_NAME_RE = re.compile(r"[a-z0-9_]{1,32}")

# HTML tags Telegram accepts, and the entity type each produces.
_HTML_ENTITY = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}

FAULT_KINDS = frozenset({"429", "403", "500", "502", "hang"})
_FAULT_BODIES = {
    "403": (403, "Forbidden: bot was blocked by the user"),
    "500": (500, "Internal Server Error"),
    "502": (502, "Bad Gateway"),
}


def utf16_len(text: str) -> int:
    """The length of ``text`` in UTF-16 code units, the unit of Telegram's entity offsets."""
    return len(text.encode("utf-16-le")) // 2


class ApiError(Exception):
    """An error answer of the Bot API: HTTP status, description and optional response parameters."""

    def __init__(self, code: int, description: str, parameters: JSONDict | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters


def _error_body(code: int, description: str, parameters: JSONDict | None = None) -> JSONDict:
    body: JSONDict = {"ok": False, "error_code": code, "description": description}
    if parameters:
        body["parameters"] = parameters
    return body


class _TelegramHtml(HTMLParser):
    """Parses Telegram's HTML subset into plain text and entities, or records the first error."""

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self.source = source
        self.error: str | None = None
        self.parts: list[str] = []
        self.entities: list[JSONDict] = []
        self._offset = 0  # UTF-16 units of plain text so far
        self._stack: list[tuple[str, dict[str, str | None], int]] = []
        self._line_starts = [0]
        for match in re.finditer("\n", source):
            self._line_starts.append(match.end())

    def _byte_offset(self) -> int:
        line, column = self.getpos()
        index = self._line_starts[line - 1] + column
        return len(self.source[:index].encode())

    def _fail(self, message: str) -> None:
        if self.error is None:
            self.error = message

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Open an allowed tag."""
        attributes = dict(attrs)
        if tag not in _HTML_ENTITY:
            self._fail(f'Unsupported start tag "{tag}" at byte offset {self._byte_offset()}')
        elif tag == "span" and attributes.get("class") != "tg-spoiler":
            self._fail(f'Tag "span" must have class "tg-spoiler" at byte offset {self._byte_offset()}')
        elif tag == "tg-emoji" and not attributes.get("emoji-id"):
            self._fail(f'Tag "tg-emoji" must have attribute "emoji-id" at byte offset {self._byte_offset()}')
        self._stack.append((tag, attributes, self._offset))

    def handle_endtag(self, tag: str) -> None:
        """Close the innermost tag, which must be ``tag``."""
        if not self._stack:
            self._fail(f'Unexpected end tag "{tag}" at byte offset {self._byte_offset()}')
            return
        open_tag, attributes, start = self._stack.pop()
        if open_tag != tag:
            self._fail(
                f'Unmatched end tag at byte offset {self._byte_offset()}, expected "</{open_tag}>", found "</{tag}>"'
            )
            return
        length = self._offset - start
        if length <= 0 or open_tag not in _HTML_ENTITY:
            return
        entity: JSONDict = {"type": _HTML_ENTITY[open_tag], "offset": start, "length": length}
        if open_tag == "a":
            href = attributes.get("href")
            if not href:
                return
            entity["url"] = href
        elif open_tag == "tg-emoji":
            entity["custom_emoji_id"] = attributes.get("emoji-id")
        elif open_tag == "blockquote" and "expandable" in attributes:
            entity["type"] = "expandable_blockquote"
        elif open_tag == "code" and self._stack and self._stack[-1][0] == "pre":
            language = (attributes.get("class") or "").removeprefix("language-")
            if language:
                self._stack[-1][1]["_language"] = language
            return
        elif open_tag == "pre" and attributes.get("_language"):
            entity["language"] = attributes["_language"]
        self.entities.append(entity)

    def handle_data(self, data: str) -> None:
        """Plain text, with entities already unescaped."""
        self.parts.append(data)
        self._offset += utf16_len(data)

    def handle_comment(self, data: str) -> None:
        """Telegram has no comments."""
        self._fail(f'Unsupported start tag "!--" at byte offset {self._byte_offset()}')

    def handle_decl(self, decl: str) -> None:
        """Telegram has no declarations."""
        self._fail(f'Unsupported start tag "!" at byte offset {self._byte_offset()}')

    def handle_pi(self, data: str) -> None:
        """Telegram has no processing instructions."""
        self._fail(f'Unsupported start tag "?" at byte offset {self._byte_offset()}')

    def finish(self) -> None:
        """Flush the parser and check that every tag was closed."""
        self.close()
        if self._stack:
            self._fail(f'Can\'t find end tag corresponding to start tag "{self._stack[-1][0]}"')


def parse_text(text: str, parse_mode: str | None) -> tuple[str, list[JSONDict]]:
    """The plain text and entities Telegram would make of ``text``; raises ApiError on broken HTML."""
    if (parse_mode or "").upper() != "HTML":
        return text, []
    stray = re.search(r"<(?![A-Za-z/])", text)
    if stray is not None:
        offset = len(text[: stray.start()].encode())
        raise ApiError(
            400, f'Bad Request: can\'t parse entities: Unsupported start tag "" at byte offset {offset}'
        )
    parser = _TelegramHtml(text)
    parser.feed(text)
    parser.finish()
    if parser.error is not None:
        raise ApiError(400, f"Bad Request: can't parse entities: {parser.error}")
    entities = sorted(parser.entities, key=lambda e: (e["offset"], -e["length"]))
    return "".join(parser.parts), entities


def _auto_entities(text: str) -> list[JSONDict]:
    """The bot_command and mention entities Telegram's clients attach to a typed text."""
    entities: list[JSONDict] = []
    command_end = 0
    command = _COMMAND_RE.match(text)
    if command is not None and (command.end() == len(text) or not text[command.end()].isalnum()):
        entities.append({"type": "bot_command", "offset": 0, "length": utf16_len(command.group())})
        command_end = command.end()
    for mention in _MENTION_RE.finditer(text, command_end):
        entities.append(
            {
                "type": "mention",
                "offset": utf16_len(text[: mention.start()]),
                "length": utf16_len(mention.group()),
            }
        )
    return entities


def _normalise(key: str, value: Any) -> Any:
    """Turn a form value back into what the client meant: JSON objects/arrays, ints, floats, booleans."""
    if isinstance(value, bytes | bytearray):
        value = bytes(value).decode("utf-8", "replace")
    if not isinstance(value, str) or key in _KEEP_STRING:
        return value
    stripped = value.strip()
    if stripped[:1] in ("{", "["):
        with contextlib.suppress(ValueError):
            decoded = json.loads(stripped)
            if isinstance(decoded, dict | list):
                return decoded
    if _INT_RE.fullmatch(stripped):
        return int(stripped)
    if _FLOAT_RE.fullmatch(stripped):
        return float(stripped)
    if stripped in ("true", "false"):
        return stripped == "true"
    return value


async def _read_params(request: web.Request) -> JSONDict:
    """The request's parameters from the query string and a form, multipart or JSON body."""
    raw: JSONDict = dict(request.query)
    if request.body_exists:
        if request.content_type == "application/json":
            body = await request.json()
            if isinstance(body, dict):
                raw.update(body)
        elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    content = value.file.read()
                    raw[key] = {
                        "filename": value.filename,
                        "content_type": value.content_type,
                        "size": len(content),
                    }
                else:
                    raw[key] = value
    return {key: _normalise(key, value) for key, value in raw.items()}


@dataclass
class _Fault:
    method: str
    kind: str
    remaining: int
    retry_after: int
    hang_seconds: float


Handler = Callable[[JSONDict], Awaitable[Any]]


class FakeTelegram:
    """The fake Bot API server, run on its own event loop in a daemon thread."""

    def __init__(self, token: str = DEFAULT_TOKEN, bot_username: str = "rahnuma_test_bot") -> None:
        self._token = token
        self.bot_username = bot_username
        self.bot_id = BOT_ID
        self.webhook_retry_delay = 0.2
        self.webhook_max_attempts = 5
        self._port = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True, name="fake-telegram")
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self._webhook_task: asyncio.Task[None] | None = None
        self._update_event = asyncio.Event()
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._update_ids = itertools.count(100_000_001)
        self._callback_ids = itertools.count(4_387_000_000_000_001)
        self._file_numbers = itertools.count(1)
        handlers: dict[str, Handler] = {
            "getMe": self._get_me,
            "getUpdates": self._get_updates,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "sendMessage": self._send_message,
            "editMessageText": self._edit_message_text,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message,
            "sendChatAction": self._send_chat_action,
            "answerCallbackQuery": self._answer_callback_query,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "setMyDescription": self._true,
            "setMyShortDescription": self._true,
            "setChatMenuButton": self._true,
            "close": self._true,
            "logOut": self._true,
        }
        # Telegram matches method names case-insensitively.
        self._methods = {name.lower(): (name, handler) for name, handler in handlers.items()}
        self._clear()

    def _clear(self) -> None:
        """Forget all state except the id counters (callers hold the lock or own the object)."""
        self._calls: list[tuple[str, JSONDict]] = []
        self._sent: list[JSONDict] = []
        self._edits: list[JSONDict] = []
        self._deleted: list[JSONDict] = []
        self._chat_actions: list[JSONDict] = []
        self._callback_answers: list[JSONDict] = []
        self._webhook_deliveries: list[JSONDict] = []
        self._faults: list[_Fault] = []
        self._pending: list[JSONDict] = []
        self._allowed_updates: list[str] = []
        self._webhook: JSONDict | None = None
        self._webhook_error: tuple[int, str] | None = None
        self._next_message_id: dict[int | str, int] = {}
        self._messages: dict[tuple[int | str, int], JSONDict] = {}
        self._chats: dict[int | str, JSONDict] = {}
        self._open_callbacks: set[str] = set()
        self._commands: dict[str, list[JSONDict]] = {}
        self._poll_generation = 0

    # ----------------------------------------------------------------- lifecycle

    @property
    def token(self) -> str:
        """The bot token the server accepts."""
        return self._token

    @property
    def port(self) -> int:
        """The TCP port the server listens on (0 before start)."""
        return self._port

    @property
    def base_url(self) -> str:
        """The Bot API base URL for PTB's ``base_url`` (PTB appends the token and the method)."""
        return f"http://127.0.0.1:{self._port}/bot"

    @property
    def control_url(self) -> str:
        """The base URL of the control API, for a bot under test in another process."""
        return f"http://127.0.0.1:{self._port}/_control"

    async def _start(self) -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._api)
        app.router.add_route("*", "/_control/{action}", self._control)
        self._runner = web.AppRunner(app, handler_cancellation=True, shutdown_timeout=1.0, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self._port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def _stop(self) -> None:
        await self._stop_webhook_worker()
        if self._session is not None:
            await self._session.close()
            self._session = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def start(self) -> FakeTelegram:
        """Start serving on a free port of 127.0.0.1."""
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(timeout=10)
        return self

    def stop(self) -> None:
        """Stop serving and end the server's thread."""
        if not self._thread.is_alive():
            if not self._loop.is_closed() and not self._loop.is_running():
                self._loop.close()
            return
        asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(timeout=15)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    def __enter__(self) -> FakeTelegram:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def reset(self) -> None:
        """Clear recordings, faults, pending updates, the webhook, the messages and the commands."""
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            asyncio.run_coroutine_threadsafe(self._reset(), self._loop).result(timeout=10)
        else:
            with self._lock:
                self._clear()

    async def _reset(self) -> None:
        await self._stop_webhook_worker()
        with self._lock:
            self._clear()
            self._changed.notify_all()
        self._wake()

    # ----------------------------------------------------------------- recordings

    @property
    def calls(self) -> list[tuple[str, JSONDict]]:
        """Every Bot API call with a valid token, as (method, params), failed ones included."""
        with self._lock:
            return list(self._calls)

    @property
    def sent(self) -> list[JSONDict]:
        """Successful sendMessage calls: chat_id, message_id, text, plain_text, parse_mode, reply_markup, …"""
        with self._lock:
            return [dict(item) for item in self._sent]

    @property
    def edits(self) -> list[JSONDict]:
        """Successful editMessageText and editMessageReplyMarkup calls."""
        with self._lock:
            return [dict(item) for item in self._edits]

    @property
    def deleted(self) -> list[JSONDict]:
        """Successful deleteMessage calls as {chat_id, message_id}."""
        with self._lock:
            return [dict(item) for item in self._deleted]

    @property
    def chat_actions(self) -> list[JSONDict]:
        """sendChatAction calls as {chat_id, action}."""
        with self._lock:
            return [dict(item) for item in self._chat_actions]

    @property
    def callback_answers(self) -> list[JSONDict]:
        """Successful answerCallbackQuery calls as {callback_query_id, text, show_alert, url, cache_time}."""
        with self._lock:
            return [dict(item) for item in self._callback_answers]

    @property
    def webhook_deliveries(self) -> list[JSONDict]:
        """Every webhook push attempt: update_id, url, attempt, status (None when unreachable), error."""
        with self._lock:
            return [dict(item) for item in self._webhook_deliveries]

    @property
    def pending_updates(self) -> list[JSONDict]:
        """Updates not yet confirmed by getUpdates nor delivered to the webhook."""
        with self._lock:
            return list(self._pending)

    @property
    def webhook(self) -> JSONDict | None:
        """The webhook settings recorded by setWebhook, or None."""
        with self._lock:
            return dict(self._webhook) if self._webhook is not None else None

    def sent_to(self, chat_id: int | str) -> list[JSONDict]:
        """The messages the bot sent to ``chat_id``, oldest first."""
        with self._lock:
            return [dict(item) for item in self._sent if item["chat_id"] == chat_id]

    def calls_of(self, method: str) -> list[JSONDict]:
        """The params of every call of ``method`` (case-insensitive), oldest first."""
        with self._lock:
            return [params for name, params in self._calls if name.lower() == method.lower()]

    def message(self, chat_id: int | str, message_id: int) -> JSONDict | None:
        """The current state of a message (the bot's or a user's), or None when unknown or deleted."""
        with self._lock:
            found = self._messages.get((chat_id, message_id))
            return dict(found) if found is not None else None

    def wait_for_sent(self, chat_id: int | str, count: int = 1, timeout: float = 10.0) -> list[JSONDict]:
        """Block until at least ``count`` messages went to ``chat_id``; return them all."""
        with self._changed:
            if self._changed.wait_for(lambda: len(self.sent_to(chat_id)) >= count, timeout):
                return self.sent_to(chat_id)
            raise AssertionError(self._not_sent_message(chat_id, count, timeout))

    async def await_sent(self, chat_id: int | str, count: int = 1, timeout: float = 10.0) -> list[JSONDict]:
        """Wait, without blocking the event loop, until ``count`` messages went to ``chat_id``."""
        deadline = time.monotonic() + timeout
        while True:
            messages = self.sent_to(chat_id)
            if len(messages) >= count:
                return messages
            if time.monotonic() >= deadline:
                raise AssertionError(self._not_sent_message(chat_id, count, timeout))
            await asyncio.sleep(0.02)

    def wait_for_calls(self, method: str, count: int = 1, timeout: float = 10.0) -> list[JSONDict]:
        """Block until ``method`` was called at least ``count`` times; return the params of each call."""
        with self._changed:
            if self._changed.wait_for(lambda: len(self.calls_of(method)) >= count, timeout):
                return self.calls_of(method)
            made = [name for name, _ in self._calls]
            raise AssertionError(f"expected {count} {method} call(s) within {timeout}s; calls made: {made}")

    def _not_sent_message(self, chat_id: int | str, count: int, timeout: float) -> str:
        with self._lock:
            to_chat = [item["text"] for item in self._sent if item["chat_id"] == chat_id]
            elsewhere = [(item["chat_id"], item["text"]) for item in self._sent if item["chat_id"] != chat_id]
            failed = [params for name, params in self._calls if name == "sendMessage"]
        return (
            f"expected {count} message(s) to chat {chat_id} within {timeout}s, got {len(to_chat)}: {to_chat!r}; "
            f"sent to other chats: {elsewhere!r}; all sendMessage calls: {failed!r}"
        )

    # ----------------------------------------------------------------- faults

    def fail(
        self, method: str, kind: str, times: int = 1, retry_after: int = 1, hang_seconds: float = 30.0
    ) -> None:
        """Make the next ``times`` calls of ``method`` ("*" for any) fail: "429", "403", "500", "502" or "hang"."""
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; expected one of {sorted(FAULT_KINDS)}")
        with self._lock:
            self._faults.append(_Fault(method, kind, times, retry_after, hang_seconds))

    def _take_fault(self, method: str) -> _Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.method == "*" or fault.method.lower() == method.lower():
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._faults.remove(fault)
                    return fault
        return None

    async def _fault_response(self, fault: _Fault) -> web.Response:
        if fault.kind == "429":
            retry = fault.retry_after
            body = _error_body(429, f"Too Many Requests: retry after {retry}", {"retry_after": retry})
            return web.json_response(body, status=429)
        if fault.kind == "hang":
            # The client gives up first; a request that outlives the hang fails without side effects.
            await asyncio.sleep(fault.hang_seconds)
            return web.json_response(_error_body(504, "Gateway Timeout"), status=504)
        status, description = _FAULT_BODIES[fault.kind]
        return web.json_response(_error_body(status, description), status=status)

    # ----------------------------------------------------------------- the Bot API

    async def _api(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self._token:
            return web.json_response(_error_body(401, "Unauthorized"), status=401)
        try:
            params = await _read_params(request)
        except ValueError:
            return web.json_response(_error_body(400, "Bad Request: can't parse request"), status=400)
        requested = request.match_info["method"]
        name, handler = self._methods.get(requested.lower(), (requested, None))
        with self._lock:
            self._calls.append((name, params))
            self._changed.notify_all()
        if handler is None:
            return web.json_response(_error_body(404, "Not Found"), status=404)
        fault = self._take_fault(name)
        if fault is not None:
            return await self._fault_response(fault)
        try:
            result = await handler(params)
        except ApiError as error:
            return web.json_response(
                _error_body(error.code, error.description, error.parameters), status=error.code
            )
        return web.json_response({"ok": True, "result": result})

    def _bot_user(self) -> JSONDict:
        return {"id": self.bot_id, "is_bot": True, "first_name": "Rahnuma", "username": self.bot_username}

    async def _true(self, params: JSONDict) -> bool:
        return True

    async def _get_me(self, params: JSONDict) -> JSONDict:
        return {
            **self._bot_user(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    # -- updates

    def _wake(self) -> None:
        """Wake every long poll and the webhook worker (run on the server's loop)."""
        event, self._update_event = self._update_event, asyncio.Event()
        event.set()

    def _notify(self) -> None:
        if self._loop.is_closed():
            return
        if threading.current_thread() is self._thread:
            self._wake()
        else:
            with contextlib.suppress(RuntimeError):
                self._loop.call_soon_threadsafe(self._wake)

    def _enqueue(self, update: JSONDict) -> JSONDict:
        with self._lock:
            self._pending.append(update)
            self._changed.notify_all()
        self._notify()
        return update

    async def _get_updates(self, params: JSONDict) -> list[JSONDict]:
        offset = int(params.get("offset") or 0)
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        timeout = max(float(params.get("timeout") or 0), 0.0)
        allowed = params.get("allowed_updates")
        with self._lock:
            if allowed is not None:
                self._allowed_updates = [str(kind) for kind in allowed] if isinstance(allowed, list) else []
            self._poll_generation += 1
            generation = self._poll_generation
        self._wake()  # an older poll still held open is answered with 409, as Telegram does
        deadline = self._loop.time() + timeout
        first = True
        while True:
            event = self._update_event
            with self._lock:
                if self._webhook is not None:
                    raise ApiError(
                        409,
                        "Conflict: can't use getUpdates method while webhook is active; "
                        "use deleteWebhook to delete the webhook first",
                    )
                if generation != self._poll_generation:
                    raise ApiError(
                        409,
                        "Conflict: terminated by other getUpdates request; "
                        "make sure that only one bot instance is running",
                    )
                if first:
                    self._confirm(offset)
                    first = False
                self._drop_unwanted()
                result = [u for u in self._pending if u["update_id"] >= offset][:limit]
            remaining = deadline - self._loop.time()
            if result or remaining <= 0:
                return result
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)

    def _confirm(self, offset: int) -> None:
        if offset > 0:
            self._pending = [u for u in self._pending if u["update_id"] >= offset]
        elif offset < 0:
            self._pending = self._pending[offset:]

    def _drop_unwanted(self) -> None:
        if self._allowed_updates:
            wanted = set(self._allowed_updates)
            self._pending = [u for u in self._pending if _update_type(u) in wanted]

    async def _set_webhook(self, params: JSONDict) -> bool:
        url = str(params.get("url") or "")
        if not url:
            return await self._delete_webhook(params)
        secret = params.get("secret_token")
        if secret is not None and not _SECRET_RE.fullmatch(str(secret)):
            raise ApiError(400, "Bad Request: secret token contains unallowed characters")
        await self._stop_webhook_worker()
        with self._lock:
            allowed = params.get("allowed_updates")
            if isinstance(allowed, list):
                self._allowed_updates = [str(kind) for kind in allowed]
            self._webhook = {
                "url": url,
                "secret_token": None if secret is None else str(secret),
                "allowed_updates": allowed if isinstance(allowed, list) else None,
                "max_connections": int(params.get("max_connections") or 40),
                "drop_pending_updates": bool(params.get("drop_pending_updates")),
                "ip_address": params.get("ip_address"),
            }
            self._webhook_error = None
            if params.get("drop_pending_updates"):
                self._pending = []
            self._poll_generation += 1
        self._wake()
        self._webhook_task = asyncio.get_running_loop().create_task(self._deliver_webhooks())
        return True

    async def _delete_webhook(self, params: JSONDict) -> bool:
        await self._stop_webhook_worker()
        with self._lock:
            self._webhook = None
            self._webhook_error = None
            if params.get("drop_pending_updates"):
                self._pending = []
        return True

    async def _get_webhook_info(self, params: JSONDict) -> JSONDict:
        with self._lock:
            info: JSONDict = {
                "url": self._webhook["url"] if self._webhook else "",
                "has_custom_certificate": False,
                "pending_update_count": len(self._pending),
            }
            if self._webhook is not None:
                info["max_connections"] = self._webhook["max_connections"]
                if self._webhook["allowed_updates"] is not None:
                    info["allowed_updates"] = self._webhook["allowed_updates"]
            if self._webhook_error is not None:
                info["last_error_date"], info["last_error_message"] = self._webhook_error
        return info

    async def _stop_webhook_worker(self) -> None:
        task, self._webhook_task = self._webhook_task, None
        if task is not None and task is not asyncio.current_task():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _deliver_webhooks(self) -> None:
        """Push pending updates to the webhook one at a time, in order, retrying failures."""
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
        attempts = 0
        while True:
            event = self._update_event
            with self._lock:
                if self._webhook is None:
                    return
                self._drop_unwanted()
                hook = dict(self._webhook)
                update = self._pending[0] if self._pending else None
            if update is None:
                attempts = 0
                await event.wait()
                continue
            attempts += 1
            headers = (
                {"X-Telegram-Bot-Api-Secret-Token": hook["secret_token"]} if hook["secret_token"] else {}
            )
            status: int | None = None
            error: str | None = None
            try:
                async with self._session.post(hook["url"], json=update, headers=headers) as response:
                    status = response.status
                    await response.read()
            except (aiohttp.ClientError, TimeoutError) as exc:
                error = f"{type(exc).__name__}: {exc}"
            delivered = status is not None and 200 <= status <= 299
            with self._lock:
                self._webhook_deliveries.append(
                    {
                        "update_id": update["update_id"],
                        "url": hook["url"],
                        "attempt": attempts,
                        "status": status,
                        "error": error,
                    }
                )
                if not delivered:
                    message = error or f"Wrong response from the webhook: {status}"
                    self._webhook_error = (int(time.time()), message)
                if delivered or attempts >= self.webhook_max_attempts:
                    self._pending = [u for u in self._pending if u is not update]
                    attempts = 0
                self._changed.notify_all()
            if not delivered and attempts:
                await asyncio.sleep(self.webhook_retry_delay)

    # -- messages

    def _chat_of(self, chat_id: int | str) -> JSONDict:
        with self._lock:
            known = self._chats.get(chat_id)
        if known is not None:
            return dict(known)
        if isinstance(chat_id, str):
            return {
                "id": FORWARD_CHANNEL_ID,
                "type": "channel",
                "title": chat_id,
                "username": chat_id.lstrip("@"),
            }
        if chat_id > 0:
            return {"id": chat_id, "type": "private", "first_name": "User"}
        return {"id": chat_id, "type": "supergroup", "title": "Test Group"}

    def _new_message_id(self, chat_id: int | str) -> int:
        with self._lock:
            number = self._next_message_id.get(chat_id, 0) + 1
            self._next_message_id[chat_id] = number
            return number

    @staticmethod
    def _chat_id(params: JSONDict) -> int | str:
        chat_id = params.get("chat_id")
        if chat_id is None or chat_id == "":
            raise ApiError(400, "Bad Request: chat_id is empty")
        if isinstance(chat_id, bool) or not isinstance(chat_id, int | str):
            raise ApiError(400, "Bad Request: chat not found")
        return chat_id

    @staticmethod
    def _checked_text(params: JSONDict) -> tuple[str, list[JSONDict]]:
        text = params.get("text")
        if not isinstance(text, str) or not text:
            raise ApiError(400, "Bad Request: message text is empty")
        plain, entities = parse_text(text, params.get("parse_mode"))
        if isinstance(params.get("entities"), list):
            entities = params["entities"]
        if not plain.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if len(plain) > MAX_TEXT_LENGTH:
            raise ApiError(400, "Bad Request: message is too long")
        return plain, entities

    @staticmethod
    def _checked_markup(params: JSONDict) -> JSONDict | None:
        markup = params.get("reply_markup")
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
        for row in markup.get("inline_keyboard", []):
            for button in row:
                data = button.get("callback_data")
                if data is not None and not 1 <= len(str(data).encode()) <= MAX_CALLBACK_DATA_BYTES:
                    raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
                if not button.get("text"):
                    raise ApiError(400, "Bad Request: text buttons are unallowed in the inline keyboard")
        return markup

    async def _send_message(self, params: JSONDict) -> JSONDict:
        chat_id = self._chat_id(params)
        plain, entities = self._checked_text(params)
        markup = self._checked_markup(params)
        reply_parameters = params.get("reply_parameters")
        reply_to = params.get("reply_to_message_id")
        if isinstance(reply_parameters, dict):
            reply_to = reply_parameters.get("message_id")
        message_id = self._new_message_id(chat_id)
        message: JSONDict = {
            "message_id": message_id,
            "from": self._bot_user(),
            "chat": self._chat_of(chat_id),
            "date": int(time.time()),
            "text": plain,
        }
        if entities:
            message["entities"] = entities
        if markup is not None and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        if params.get("message_thread_id"):
            message["message_thread_id"] = params["message_thread_id"]
        with self._lock:
            if isinstance(reply_to, int) and (chat_id, reply_to) in self._messages:
                replied = dict(self._messages[(chat_id, reply_to)])
                replied.pop("reply_to_message", None)
                message["reply_to_message"] = replied
            self._messages[(chat_id, message_id)] = message
            self._sent.append(
                {
                    "chat_id": chat_id,
                    "message_id": message_id,
                    "text": params["text"],
                    "plain_text": plain,
                    "parse_mode": params.get("parse_mode"),
                    "reply_markup": markup,
                    "reply_to_message_id": reply_to,
                    "params": params,
                    "message": message,
                    "at": time.monotonic(),
                }
            )
            self._changed.notify_all()
        return message

    def _bot_message(self, params: JSONDict, action: str) -> tuple[tuple[int | str, int], JSONDict]:
        chat_id = self._chat_id(params)
        message_id = params.get("message_id")
        with self._lock:
            found = self._messages.get((chat_id, message_id)) if isinstance(message_id, int) else None
        if found is None:
            raise ApiError(400, f"Bad Request: message to {action} not found")
        if found.get("from", {}).get("id") != self.bot_id:
            raise ApiError(400, "Bad Request: message can't be edited")
        return (chat_id, found["message_id"]), found

    def _store_edit(
        self, key: tuple[int | str, int], edited: JSONDict, params: JSONDict, method: str
    ) -> None:
        with self._lock:
            self._messages[key] = edited
            self._edits.append(
                {
                    "method": method,
                    "chat_id": key[0],
                    "message_id": key[1],
                    "text": params.get("text"),
                    "plain_text": edited.get("text"),
                    "parse_mode": params.get("parse_mode"),
                    "reply_markup": params.get("reply_markup"),
                    "params": params,
                }
            )
            self._changed.notify_all()

    async def _edit_message_text(self, params: JSONDict) -> JSONDict | bool:
        if params.get("inline_message_id"):
            self._checked_text(params)
            return True
        key, current = self._bot_message(params, "edit")
        plain, entities = self._checked_text(params)
        markup = self._checked_markup(params)
        edited = {k: v for k, v in current.items() if k not in ("entities", "reply_markup")}
        edited["text"] = plain
        if entities:
            edited["entities"] = entities
        if markup is not None and "inline_keyboard" in markup:
            edited["reply_markup"] = markup
        self._check_modified(current, edited)
        edited["edit_date"] = int(time.time())
        self._store_edit(key, edited, params, "editMessageText")
        return edited

    async def _edit_message_reply_markup(self, params: JSONDict) -> JSONDict | bool:
        if params.get("inline_message_id"):
            return True
        key, current = self._bot_message(params, "edit")
        markup = self._checked_markup(params)
        edited = {k: v for k, v in current.items() if k != "reply_markup"}
        if markup is not None and "inline_keyboard" in markup:
            edited["reply_markup"] = markup
        self._check_modified(current, edited)
        edited["edit_date"] = int(time.time())
        self._store_edit(key, edited, params, "editMessageReplyMarkup")
        return edited

    @staticmethod
    def _check_modified(current: JSONDict, edited: JSONDict) -> None:
        fields = ("text", "entities", "reply_markup")
        if all(current.get(field) == edited.get(field) for field in fields):
            raise ApiError(
                400,
                "Bad Request: message is not modified: specified new message content and reply markup "
                "are exactly the same as a current content and reply markup of the message",
            )

    async def _delete_message(self, params: JSONDict) -> bool:
        chat_id = self._chat_id(params)
        message_id = params.get("message_id")
        with self._lock:
            if not isinstance(message_id, int) or self._messages.pop((chat_id, message_id), None) is None:
                raise ApiError(400, "Bad Request: message to delete not found")
            self._deleted.append({"chat_id": chat_id, "message_id": message_id})
            self._changed.notify_all()
        return True

    async def _send_chat_action(self, params: JSONDict) -> bool:
        chat_id = self._chat_id(params)
        if not params.get("action"):
            raise ApiError(400, "Bad Request: wrong parameter action in request")
        with self._lock:
            self._chat_actions.append({"chat_id": chat_id, "action": params["action"]})
            self._changed.notify_all()
        return True

    async def _answer_callback_query(self, params: JSONDict) -> bool:
        query_id = str(params.get("callback_query_id") or "")
        with self._lock:
            if query_id not in self._open_callbacks:
                raise ApiError(
                    400, "Bad Request: query is too old and response timeout expired or query ID is invalid"
                )
            self._open_callbacks.discard(query_id)
            self._callback_answers.append(
                {
                    "callback_query_id": query_id,
                    "text": params.get("text"),
                    "show_alert": bool(params.get("show_alert")),
                    "url": params.get("url"),
                    "cache_time": params.get("cache_time"),
                }
            )
            self._changed.notify_all()
        return True

    @staticmethod
    def _commands_key(params: JSONDict) -> str:
        scope = params.get("scope") or {"type": "default"}
        return json.dumps([scope, params.get("language_code") or ""], sort_keys=True)

    async def _set_my_commands(self, params: JSONDict) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise ApiError(400, "Bad Request: can't parse commands JSON object")
        for command in commands:
            if not isinstance(command, dict) or not _BOT_COMMAND_NAME_RE.fullmatch(
                str(command.get("command"))
            ):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description") or "")) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        with self._lock:
            self._commands[self._commands_key(params)] = commands
        return True

    async def _get_my_commands(self, params: JSONDict) -> list[JSONDict]:
        with self._lock:
            return list(self._commands.get(self._commands_key(params), []))

    async def _delete_my_commands(self, params: JSONDict) -> bool:
        with self._lock:
            self._commands.pop(self._commands_key(params), None)
        return True

    # ----------------------------------------------------------------- playing the user

    def _user_message(
        self,
        user_id: int,
        content: JSONDict,
        *,
        chat_id: int | None,
        chat_type: str,
        first_name: str,
    ) -> JSONDict:
        """A message from a user, stored under its chat with the chat's next message_id."""
        user = {"id": user_id, "is_bot": False, "first_name": first_name, "language_code": "en"}
        if chat_type == "private":
            chat_id = user_id if chat_id is None else chat_id
            chat: JSONDict = {"id": chat_id, "type": "private", "first_name": first_name}
        else:
            chat_id = DEFAULT_GROUP_ID if chat_id is None else -abs(chat_id)
            chat = {"id": chat_id, "type": chat_type, "title": "Test Group"}
        with self._lock:
            self._chats.setdefault(chat_id, chat)
            message: JSONDict = {
                "message_id": self._new_message_id(chat_id),
                "from": user,
                "chat": dict(self._chats[chat_id]),
                "date": int(time.time()),
                **content,
            }
            self._messages[(chat_id, message["message_id"])] = message
        return message

    def _push_message(self, message: JSONDict, kind: str = "message") -> JSONDict:
        return self._enqueue({"update_id": next(self._update_ids), kind: message})

    def send_text(
        self,
        user_id: int,
        text: str,
        *,
        chat_id: int | None = None,
        chat_type: str = "private",
        first_name: str = "Ali",
        reply_to_bot_message_id: int | None = None,
        entities: list[JSONDict] | None = None,
    ) -> JSONDict:
        """Queue (or push) a text message from a user; commands and @mentions get their entities."""
        content: JSONDict = {"text": text}
        found = _auto_entities(text) if entities is None else entities
        if found:
            content["entities"] = found
        message = self._user_message(
            user_id, content, chat_id=chat_id, chat_type=chat_type, first_name=first_name
        )
        if reply_to_bot_message_id is not None:
            chat = message["chat"]["id"]
            with self._lock:
                replied = self._messages.get((chat, reply_to_bot_message_id))
            if replied is None:
                replied = {
                    "message_id": reply_to_bot_message_id,
                    "from": self._bot_user(),
                    "chat": message["chat"],
                    "date": int(time.time()),
                    "text": "",
                }
            replied = dict(replied)
            replied.pop("reply_to_message", None)
            message["reply_to_message"] = replied
        return self._push_message(message)

    def send_command(
        self,
        user_id: int,
        command: str,
        args: str = "",
        *,
        chat_id: int | None = None,
        chat_type: str = "private",
        first_name: str = "Ali",
    ) -> JSONDict:
        """Queue (or push) ``/command args`` from a user."""
        text = "/" + command.lstrip("/") + (f" {args}" if args else "")
        return self.send_text(user_id, text, chat_id=chat_id, chat_type=chat_type, first_name=first_name)

    def press_button(
        self,
        user_id: int,
        message: JSONDict | int,
        data: str,
        *,
        chat_id: int | None = None,
        first_name: str = "Ali",
        strict: bool = True,
    ) -> JSONDict:
        """Queue (or push) a callback_query: the user pressed the button with ``data`` under a bot message.

        ``message`` is a message_id, a ``sent`` record or a Message dict; with ``strict`` the message's
        inline keyboard must hold a button with that callback_data.
        """
        found = self._find_bot_message(user_id, message, chat_id)
        if strict:
            buttons = [
                button.get("callback_data")
                for row in found.get("reply_markup", {}).get("inline_keyboard", [])
                for button in row
            ]
            if data not in buttons:
                raise AssertionError(
                    f"message {found['message_id']} has no button with callback_data {data!r}: {buttons!r}"
                )
        query_id = str(next(self._callback_ids))
        with self._lock:
            self._open_callbacks.add(query_id)
        query = {
            "id": query_id,
            "from": {"id": user_id, "is_bot": False, "first_name": first_name, "language_code": "en"},
            "message": found,
            "chat_instance": str(abs(hash((self.bot_id, found["chat"]["id"]))) % 10**18),
            "data": data,
        }
        return self._enqueue({"update_id": next(self._update_ids), "callback_query": query})

    def _find_bot_message(self, user_id: int, message: JSONDict | int, chat_id: int | None) -> JSONDict:
        if isinstance(message, dict) and "chat" in message:
            return dict(message)
        if isinstance(message, dict):
            chat_id, message = message["chat_id"], message["message_id"]
        with self._lock:
            candidates = [
                key
                for key, stored in self._messages.items()
                if key[1] == message and stored.get("from", {}).get("id") == self.bot_id
            ]
            preferred = [key for key in candidates if key[0] == (user_id if chat_id is None else chat_id)]
            chosen = (preferred or candidates)[-1:] if chat_id is None else preferred
            if not chosen:
                raise AssertionError(
                    f"the bot sent no message {message!r} (chat {chat_id}) to press a button on"
                )
            return dict(self._messages[chosen[0]])

    def _send_media(
        self, user_id: int, content: JSONDict, chat_id: int | None, chat_type: str, first_name: str
    ) -> JSONDict:
        message = self._user_message(
            user_id, content, chat_id=chat_id, chat_type=chat_type, first_name=first_name
        )
        return self._push_message(message)

    def _file_ids(self, kind: str) -> JSONDict:
        number = next(self._file_numbers)
        return {"file_id": f"{kind}-file-{number}", "file_unique_id": f"{kind}{number}"}

    def send_voice(
        self,
        user_id: int,
        *,
        duration: int = 3,
        chat_id: int | None = None,
        chat_type: str = "private",
        first_name: str = "Ali",
    ) -> JSONDict:
        """Queue (or push) a voice note from a user."""
        voice = {**self._file_ids("voice"), "duration": duration, "mime_type": "audio/ogg", "file_size": 6400}
        return self._send_media(user_id, {"voice": voice}, chat_id, chat_type, first_name)

    def send_photo(
        self,
        user_id: int,
        *,
        caption: str | None = None,
        chat_id: int | None = None,
        chat_type: str = "private",
        first_name: str = "Ali",
    ) -> JSONDict:
        """Queue (or push) a photo (three sizes) from a user, optionally captioned."""
        sizes = [(90, 67, 1200), (320, 240, 15000), (800, 600, 64000)]
        photo = [{**self._file_ids("photo"), "width": w, "height": h, "file_size": s} for w, h, s in sizes]
        content: JSONDict = {"photo": photo}
        if caption is not None:
            content["caption"] = caption
        return self._send_media(user_id, content, chat_id, chat_type, first_name)

    def send_sticker(
        self,
        user_id: int,
        emoji: str = "😀",
        *,
        chat_id: int | None = None,
        chat_type: str = "private",
        first_name: str = "Ali",
    ) -> JSONDict:
        """Queue (or push) a sticker from a user."""
        sticker = {
            **self._file_ids("sticker"),
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
            "set_name": "TestStickers",
            "file_size": 20000,
        }
        return self._send_media(user_id, {"sticker": sticker}, chat_id, chat_type, first_name)

    def send_document(
        self,
        user_id: int,
        file_name: str = "notes.pdf",
        mime_type: str = "application/pdf",
        *,
        caption: str | None = None,
        chat_id: int | None = None,
        chat_type: str = "private",
        first_name: str = "Ali",
    ) -> JSONDict:
        """Queue (or push) a document from a user."""
        document = {
            **self._file_ids("doc"),
            "file_name": file_name,
            "mime_type": mime_type,
            "file_size": 120000,
        }
        content: JSONDict = {"document": document}
        if caption is not None:
            content["caption"] = caption
        return self._send_media(user_id, content, chat_id, chat_type, first_name)

    def forward_text(
        self,
        user_id: int,
        text: str,
        from_channel: str = "Some Channel",
        *,
        chat_id: int | None = None,
        chat_type: str = "private",
        first_name: str = "Ali",
    ) -> JSONDict:
        """Queue (or push) a text the user forwarded from a channel (``forward_origin`` of type channel)."""
        origin = {
            "type": "channel",
            "date": int(time.time()) - 3600,
            "chat": {"id": FORWARD_CHANNEL_ID, "type": "channel", "title": from_channel},
            "message_id": 42,
        }
        content: JSONDict = {"text": text, "forward_origin": origin}
        found = _auto_entities(text)
        if found:
            content["entities"] = [e for e in found if e["type"] != "bot_command"]
            if not content["entities"]:
                del content["entities"]
        return self._send_media(user_id, content, chat_id, chat_type, first_name)

    def edit_text(
        self, user_id: int, message_id: int, new_text: str, *, chat_id: int | None = None
    ) -> JSONDict:
        """Queue (or push) an edited_message: the user changed the text of one of their messages."""
        chat = user_id if chat_id is None else chat_id
        with self._lock:
            current = self._messages.get((chat, message_id))
            if current is None or current.get("from", {}).get("id") != user_id:
                raise AssertionError(f"user {user_id} sent no message {message_id} in chat {chat}")
            edited = {k: v for k, v in current.items() if k not in ("entities", "reply_to_message")}
            edited["text"] = new_text
            found = _auto_entities(new_text)
            if found:
                edited["entities"] = found
            edited["edit_date"] = int(time.time())
            self._messages[(chat, message_id)] = edited
        return self._push_message(dict(edited), "edited_message")

    def push_raw(self, update: JSONDict) -> JSONDict:
        """Queue (or push) any update dict; an update_id is added when missing."""
        update = dict(update)
        update.setdefault("update_id", next(self._update_ids))
        callback = update.get("callback_query")
        with self._lock:
            if isinstance(callback, dict) and "id" in callback:
                self._open_callbacks.add(str(callback["id"]))
        return self._enqueue(update)

    # ----------------------------------------------------------------- the control API

    async def _control(self, request: web.Request) -> web.Response:
        """``/_control/<method>`` for a bot in another process: POST JSON kwargs, or GET sent/calls."""
        action = request.match_info["action"]
        try:
            if request.method == "GET" and action == "sent":
                chat = request.query.get("chat_id")
                return web.json_response(
                    self.sent if chat is None else self.sent_to(_normalise("chat_id", chat))
                )
            if request.method == "GET" and action == "calls":
                method = request.query.get("method")
                if method is None:
                    return web.json_response([[name, params] for name, params in self.calls])
                return web.json_response(self.calls_of(method))
            if request.method == "GET" and action == "pending":
                return web.json_response(self.pending_updates)
            if request.method == "POST" and action == "reset":
                await self._reset()
                return web.json_response({"ok": True})
            if request.method == "POST" and action in _CONTROL_ACTIONS:
                kwargs = await request.json() if request.body_exists else {}
                result = getattr(self, action)(**kwargs)
                return web.json_response({"ok": True, "result": result})
        except (TypeError, ValueError, KeyError, AssertionError) as exc:
            return web.json_response({"ok": False, "description": f"{type(exc).__name__}: {exc}"}, status=400)
        return web.json_response({"ok": False, "description": "Not Found"}, status=404)


_CONTROL_ACTIONS = frozenset(
    {
        "send_text",
        "send_command",
        "press_button",
        "send_voice",
        "send_photo",
        "send_sticker",
        "send_document",
        "forward_text",
        "edit_text",
        "push_raw",
        "fail",
    }
)


def _update_type(update: JSONDict) -> str:
    return next((key for key in update if key != "update_id"), "")
