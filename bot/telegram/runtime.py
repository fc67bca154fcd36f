"""The Telegram runtime: build the python-telegram-bot ``Application``, take updates in durably, deliver replies.

Nothing is lost when the process dies or Telegram misbehaves:
- every update is stored in the database *before* it is confirmed (the next ``getUpdates`` offset, or the
  webhook's 200), and what was stored but not processed is processed once at the next start;
- every reply and alert is stored in the outbox before it is sent, and retried until Telegram takes it.

Updates are processed concurrently, but in order within one chat.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import html
import json
import logging
import re
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from typing import Any

from telegram import LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, BaseUpdateProcessor
from telegram.request import HTTPXRequest

from bot.conversations import ConversationService, Delivery, FloodGuard
from bot.settings import Settings
from bot.telegram.handlers import COMMANDS, RUNTIME_KEY, add_handlers
from bot.telegram.render import render

log = logging.getLogger(__name__)
ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]
SEND_ATTEMPTS = 3


class ChatOrderedProcessor(BaseUpdateProcessor):
    """Process updates concurrently, but one at a time within a chat; report each update when done."""

    def __init__(self, max_concurrent: int, on_done: Callable[[object], Awaitable[None]]) -> None:
        super().__init__(max_concurrent)
        self._on_done = on_done
        self._locks: dict[object, tuple[asyncio.Lock, int]] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Wait for the chat's earlier updates, process this one, then report it."""
        key: object = update
        if isinstance(update, Update) and update.effective_chat is not None:
            key = update.effective_chat.id
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                await coroutine
                await self._on_done(update)
        finally:
            lock, users = self._locks[key]
            if users <= 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""


class MessageRateLimiter(AIORateLimiter):
    """python-telegram-bot's limiter for messages (Telegram's 30 a second, 20 a minute per group); typing
    indicators pass unthrottled, so they never halve the number of answers a second."""

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        """Skip the limiter for chat actions; everything else goes through it."""
        if endpoint == "sendChatAction":
            return await callback(*args, **kwargs)
        return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)


class SecretFilter(logging.Filter):
    """Blank out secrets (the bot token appears in the URLs httpx logs) in every log record."""

    def __init__(self, secrets: Sequence[str]) -> None:
        super().__init__()
        self._secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's message without the secrets."""
        message = record.getMessage()
        if any(s in message for s in self._secrets):
            for secret in self._secrets:
                message = message.replace(secret, "[secret]")
            record.msg, record.args = message, None
        return True


def install_secret_filter(secrets: Sequence[str]) -> None:
    """Attach the filter to every root handler, so no library's log line carries a secret."""
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig()
    for handler in root.handlers:
        handler.addFilter(SecretFilter(secrets))
    for name in ("httpx", "httpcore", "telegram", "telegram.ext"):  # debug lines hold whole updates
        logging.getLogger(name).setLevel(max(logging.getLogger(name).getEffectiveLevel(), logging.WARNING))


class TelegramRuntime:
    """The application, the conversation service it calls, and the delivery and intake loops."""

    def __init__(self, settings: Settings, service: ConversationService) -> None:
        if settings.telegram_token is None:
            raise ValueError("RAHNUMA_TELEGRAM_TOKEN is not set")
        self.settings = settings
        self.service = service
        self.flood = FloodGuard(settings.flood_messages, settings.flood_window)
        self.failed_updates: set[int] = set()
        self._stopping = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        token = settings.telegram_token.get_secret_value()
        install_secret_filter([token, *self._webhook_secret()])
        self.application: Application = (  # type: ignore[type-arg]
            ApplicationBuilder()
            .token(token)
            .base_url(settings.telegram_api_url)
            .base_file_url(settings.telegram_api_url.replace("/bot", "/file/bot"))
            .updater(None)  # our own intake stores each update before it is confirmed
            .rate_limiter(MessageRateLimiter(overall_max_rate=settings.telegram_rate_limit, max_retries=3))
            .concurrent_updates(ChatOrderedProcessor(settings.max_concurrent_updates, self._update_done))
            .request(
                HTTPXRequest(
                    connection_pool_size=32,
                    read_timeout=settings.telegram_timeout,
                    write_timeout=settings.telegram_timeout,
                )
            )
            .get_updates_request(HTTPXRequest(read_timeout=settings.poll_timeout + 15))
            .build()
        )
        self.application.bot_data[RUNTIME_KEY] = self
        add_handlers(self.application)

    @property
    def bot(self) -> Any:
        """The application's bot."""
        return self.application.bot

    def _webhook_secret(self) -> list[str]:
        secret = self.settings.webhook_secret
        return [secret.get_secret_value()] if secret is not None else []

    # ---- life cycle --------------------------------------------------------------------------------

    async def start(self, webhook: bool) -> None:
        """Initialise, register the webhook or prepare polling, replay unfinished updates, start the loops."""
        await self.application.initialize()
        await self.application.start()
        try:
            await self.bot.set_my_commands(list(COMMANDS.items()))
        except TelegramError as exc:
            log.warning("could not register the command list: %s", exc)
        if webhook:
            if not self.settings.webhook_url or self.settings.webhook_secret is None:
                raise ValueError("webhook mode needs RAHNUMA_WEBHOOK_URL and RAHNUMA_WEBHOOK_SECRET")
            await self.bot.set_webhook(
                self.settings.webhook_url,
                secret_token=self.settings.webhook_secret.get_secret_value(),
                allowed_updates=ALLOWED_UPDATES,
                drop_pending_updates=False,
            )
        else:
            await self.bot.delete_webhook(drop_pending_updates=False)
        replayed = 0
        for update_id, payload in await self.service.unfinished_updates():
            try:
                await self.application.update_queue.put(Update.de_json(json.loads(payload), self.bot))
                replayed += 1
            except (ValueError, TypeError, KeyError):
                log.exception("stored update %d cannot be read; setting it aside", update_id)
                await self.service.finish_update(update_id, "unreadable", max_attempts=1)
        if replayed:
            log.warning("processing %d updates stored before the last stop", replayed)
        released = await self.service.release_claims()
        if released:
            log.warning(
                "%d replies or alerts were not delivered before the last stop; sending them", released
            )
        if not webhook:
            self._tasks.append(asyncio.create_task(self._poll(), name="rahnuma-poll"))
        self._tasks.append(asyncio.create_task(self._retry_loop(), name="rahnuma-outbox"))

    async def stop(self) -> None:
        """Stop taking updates, let in-flight ones finish, then stop the application."""
        self._stopping.set()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        if self.application.running:
            await self.application.stop()
        await self.application.shutdown()

    # ---- intake ------------------------------------------------------------------------------------

    async def _poll(self) -> None:
        """Long-poll; store each batch before the next call confirms it to Telegram."""
        offset: int | None = None
        backoff = 1.0
        while not self._stopping.is_set():
            try:
                updates = await self.bot.get_updates(
                    offset=offset, timeout=self.settings.poll_timeout, allowed_updates=ALLOWED_UPDATES
                )
                if updates:
                    raw = [(u.update_id, json.dumps(u.to_dict(), ensure_ascii=False)) for u in updates]
                    fresh = set(await self.service.store_updates(raw))
                    offset = updates[-1].update_id + 1
                    for update in updates:
                        if update.update_id in fresh:
                            await self.application.update_queue.put(update)
                backoff = 1.0
            except asyncio.CancelledError:
                raise
            except RetryAfter as exc:
                await asyncio.sleep(_seconds(exc.retry_after))
            except TimedOut:
                continue
            except Exception as exc:  # network, Telegram 5xx, or the database: retry; nothing was confirmed
                log.warning("polling failed (%s); retrying in %.0f s", type(exc).__name__, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 30.0)

    def check_secret(self, header: str | None) -> bool:
        """Whether a webhook request carries the configured secret (constant-time)."""
        secret = self.settings.webhook_secret
        if secret is None or header is None:
            return False
        return hmac.compare_digest(header.encode(), secret.get_secret_value().encode())

    async def accept_webhook(self, body: str) -> bool:
        """Store a webhook update, then queue it if new. Raises ``ValueError`` for a body that is no update."""
        data = json.loads(body)
        if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
            raise ValueError("not a Telegram update")
        fresh = await self.service.store_updates([(data["update_id"], body)])
        if fresh:
            await self.application.update_queue.put(Update.de_json(data, self.bot))
        return bool(fresh)

    async def _update_done(self, update: object) -> None:
        if not isinstance(update, Update):
            return
        error = "handler failed" if update.update_id in self.failed_updates else None
        self.failed_updates.discard(update.update_id)
        try:
            await self.service.finish_update(update.update_id, error)
        except Exception:
            log.exception(
                "could not mark update %d processed; it will be checked at the next start", update.update_id
            )

    # ---- delivery ----------------------------------------------------------------------------------

    async def deliver(self, outbox_ids: Sequence[int]) -> None:
        """Send queued replies and alerts now, in order; what fails stays queued for the retry loop."""
        if not outbox_ids:
            return
        for delivery in await self.service.deliveries(outbox_ids):
            await self._send(delivery)

    async def retry_due(self) -> int:
        """Send what earlier attempts could not (rows are claimed, so never twice at once); how many."""
        due = await self.service.due_deliveries()
        for delivery in due:
            await self._send(delivery)
        return len(due)

    async def _retry_loop(self) -> None:
        while not self._stopping.is_set():
            try:
                await self.retry_due()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("the outbox retry failed; trying again later")
            await asyncio.sleep(self.settings.delivery_retry_seconds)

    async def _send(self, delivery: Delivery) -> bool:
        chat_id = delivery.chat_id if delivery.target == "conversation" else self.settings.moderator_chat_id
        if chat_id is None:
            await self.service.delivery_failed(delivery.id, "no moderator chat configured", None)
            return False
        parts = render(delivery.payload, self.settings.console_url)
        reply_to = delivery.payload.get("reply_to") if delivery.parts_sent == 0 else None
        for index in range(delivery.parts_sent, len(parts)):
            part = parts[index]
            sent, error, retry = await self._send_part(chat_id, part.html, part.markup, reply_to)
            if sent is None:
                log.warning("delivery %d failed: %s", delivery.id, error)
                await self.service.delivery_failed(
                    delivery.id, error, self.settings.delivery_retry_seconds if retry else None
                )
                return False
            reply_to = None
            await self.service.delivered(delivery.id, index + 1, index + 1 == len(parts), sent)
        return True

    async def _send_part(
        self, chat_id: int, html: str, markup: Any, reply_to: object
    ) -> tuple[int | None, str, bool]:
        """(message id, error, worth retrying later)."""
        error = ""
        mode: str | None = ParseMode.HTML
        for attempt in range(SEND_ATTEMPTS):
            try:
                message = await self.bot.send_message(
                    chat_id,
                    html,
                    parse_mode=mode,
                    reply_markup=markup,
                    link_preview_options=LinkPreviewOptions(is_disabled=True),
                    reply_to_message_id=reply_to if isinstance(reply_to, int) else None,
                    allow_sending_without_reply=True,
                )
                return int(message.message_id), "", False
            except RetryAfter as exc:  # the rate limiter already waited and retried
                error = f"rate limited ({_seconds(exc.retry_after):.0f} s)"
                await asyncio.sleep(_seconds(exc.retry_after))
            except Forbidden as exc:  # the user blocked the bot or left the group
                return None, f"forbidden: {exc.message}", False
            except BadRequest as exc:
                if "parse entities" in exc.message and mode is not None:
                    log.error("Telegram refused our HTML; sending the text without formatting")
                    html, mode = _strip_tags(html), None
                    continue
                if "reply" in exc.message.lower() and reply_to is not None:
                    reply_to = None
                    continue
                return None, f"bad request: {exc.message}", False
            except (TimedOut, NetworkError) as exc:
                error = f"{type(exc).__name__}: {exc.message}"
                await asyncio.sleep(0.5 * 2**attempt)
        return None, error, True

    async def send_direct(self, chat_id: int, text: str) -> None:
        """A short notice that need not be stored (flood control, the fallback after an error)."""
        try:
            await self.bot.send_message(chat_id, text)
        except TelegramError as exc:
            log.warning("a notice could not be sent: %s", type(exc).__name__)


def _seconds(value: object) -> float:
    if hasattr(value, "total_seconds"):
        return float(value.total_seconds())
    return float(value)  # type: ignore[arg-type]


def _strip_tags(html_text: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", html_text))
