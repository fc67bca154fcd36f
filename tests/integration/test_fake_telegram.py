"""The fake Telegram Bot API against the real python-telegram-bot 22, over real HTTP."""

from __future__ import annotations

import asyncio
import datetime as dtm
import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, MessageEntity, Update
from telegram.constants import MessageOriginType, ParseMode
from telegram.error import BadRequest, Conflict, Forbidden, InvalidToken, NetworkError, RetryAfter, TimedOut
from telegram.ext import Application, ApplicationBuilder, CallbackQueryHandler, CommandHandler, ContextTypes
from telegram.request import HTTPXRequest

from tests.fakes.telegram_server import FakeTelegram

pytestmark = pytest.mark.integration

USER = 5150


@pytest.fixture
async def bot(fake: FakeTelegram) -> AsyncIterator[Bot]:
    """A real PTB Bot pointed at the fake, initialised (which calls getMe)."""
    async with Bot(fake.token, base_url=fake.base_url) as client:
        yield client


def _keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton("Yes", callback_data="yes")]])


def _http(
    url: str, body: dict[str, Any] | None = None, form: dict[str, str] | None = None
) -> tuple[int, Any]:
    """A plain urllib request, as another process would make it: (status, decoded JSON body)."""
    data: bytes | None = None
    headers: dict[str, str] = {}
    if body is not None:
        data, headers = json.dumps(body).encode(), {"Content-Type": "application/json"}
    elif form is not None:
        data = urllib.parse.urlencode(form).encode()
    request = urllib.request.Request(url, data=data, headers=headers)  # noqa: S310 - a local http URL
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


async def test_get_me(fake: FakeTelegram, bot: Bot) -> None:
    """getMe answers the bot user, and PTB's initialise picked it up."""
    assert bot.username == "rahnuma_test_bot"
    me = await bot.get_me()
    assert me.id == 777000111 and me.is_bot and me.first_name == "Rahnuma"
    assert me.can_join_groups is True and me.can_read_all_group_messages is False
    assert me.supports_inline_queries is False
    assert len(fake.calls_of("getMe")) == 2


async def test_send_message_with_html_and_keyboard_is_recorded(fake: FakeTelegram, bot: Bot) -> None:
    """An HTML message with an inline keyboard comes back as a Message and is recorded decoded."""
    message = await bot.send_message(
        chat_id=42, text="<b>Salam</b> &amp; hello", parse_mode=ParseMode.HTML, reply_markup=_keyboard()
    )
    assert message.message_id == 1 and message.chat.id == 42 and message.chat.type == "private"
    assert message.text == "Salam & hello"
    assert message.from_user is not None and message.from_user.is_bot
    assert message.entities == (MessageEntity(MessageEntity.BOLD, 0, 5),)
    assert message.reply_markup == _keyboard()
    assert isinstance(message.date, dtm.datetime) and abs(message.date.timestamp() - time.time()) < 60
    second = await bot.send_message(chat_id=42, text="again", disable_notification=True)
    assert second.message_id == 2

    sent = fake.wait_for_sent(42, 2)
    assert sent[0]["text"] == "<b>Salam</b> &amp; hello" and sent[0]["plain_text"] == "Salam & hello"
    assert sent[0]["parse_mode"] == "HTML"
    assert sent[0]["reply_markup"] == {"inline_keyboard": [[{"text": "Yes", "callback_data": "yes"}]]}
    assert sent[1]["reply_markup"] is None and sent[1]["params"]["disable_notification"] is True
    assert sent[1]["params"]["chat_id"] == 42
    assert fake.sent_to(43) == []


async def test_too_long_message_is_rejected(fake: FakeTelegram, bot: Bot) -> None:
    """Above 4096 characters of text Telegram refuses; markup does not count towards the limit."""
    with pytest.raises(BadRequest, match="too long"):
        await bot.send_message(chat_id=42, text="a" * 4097)
    await bot.send_message(chat_id=42, text="<b>x</b>" * 600, parse_mode=ParseMode.HTML)
    await bot.send_message(chat_id=42, text="&lt;" * 4096, parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match="too long"):
        await bot.send_message(chat_id=42, text="&lt;" * 4097, parse_mode=ParseMode.HTML)
    assert [len(m["plain_text"]) for m in fake.sent_to(42)] == [600, 4096]


@pytest.mark.parametrize(
    "text",
    [
        "<b>never closed",
        "<div>no divs</div>",
        "<b><i>crossed</b></i>",
        "1 < 2",
        "a</b>",
        '<span class="x">s</span>',
    ],
)
async def test_broken_html_is_rejected(fake: FakeTelegram, bot: Bot, text: str) -> None:
    """Unbalanced, unknown or stray tags make Telegram refuse to parse the entities."""
    with pytest.raises(BadRequest, match="parse entities"):
        await bot.send_message(chat_id=42, text=text, parse_mode=ParseMode.HTML)
    assert fake.sent == []
    assert len(fake.calls_of("sendMessage")) == 1


async def test_allowed_html_is_accepted(bot: Bot) -> None:
    """Every tag Telegram documents is accepted and turned into entities."""
    text = (
        "<b>b</b><strong>s</strong><i>i</i><em>e</em><u>u</u><ins>n</ins><s>s</s><strike>k</strike><del>d</del>"
        '<a href="https://example.org">link</a><code>c</code><pre><code class="language-python">x = 1</code></pre>'
        '<tg-spoiler>sp</tg-spoiler><span class="tg-spoiler">sp</span><blockquote>q</blockquote>'
        '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>'
    )
    message = await bot.send_message(chat_id=42, text=text, parse_mode=ParseMode.HTML)
    kinds = [entity.type for entity in message.entities]
    assert "text_link" in kinds and "spoiler" in kinds and "custom_emoji" in kinds
    pre = next(entity for entity in message.entities if entity.type == "pre")
    assert pre.language == "python" and message.parse_entity(pre) == "x = 1"


async def test_get_updates_with_offsets(fake: FakeTelegram, bot: Bot) -> None:
    """A user's text comes out of getUpdates until an offset confirms it."""
    fake.send_text(USER, "hello")
    first = await bot.get_updates(timeout=0)
    assert len(first) == 1 and first[0].message is not None
    assert first[0].message.text == "hello" and first[0].message.from_user is not None
    assert first[0].message.from_user.id == USER and first[0].message.chat.type == "private"
    assert await bot.get_updates(timeout=0) == first  # not confirmed yet

    fake.send_text(USER, "second")
    later = await bot.get_updates(offset=first[-1].update_id + 1, timeout=0)
    assert [u.message.text for u in later if u.message] == ["second"]
    assert await bot.get_updates(offset=later[-1].update_id + 1, timeout=0) == ()
    assert fake.pending_updates == []


async def test_long_poll_is_held_and_returns_early(fake: FakeTelegram, bot: Bot) -> None:
    """getUpdates with a timeout waits for an update and answers as soon as one arrives."""
    started = time.monotonic()
    assert await bot.get_updates(timeout=1) == ()
    assert time.monotonic() - started >= 0.9

    timer = threading.Timer(0.3, fake.send_text, args=(USER, "late"))
    timer.start()
    started = time.monotonic()
    updates = await bot.get_updates(timeout=2)
    elapsed = time.monotonic() - started
    timer.join()
    assert [u.message.text for u in updates if u.message] == ["late"]
    assert 0.25 <= elapsed < 1.5


async def test_rate_limit_raises_retry_after(fake: FakeTelegram, bot: Bot) -> None:
    """A 429 fault becomes RetryAfter with the server's retry_after; the next call succeeds."""
    fake.fail("sendMessage", "429", retry_after=3)
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(chat_id=42, text="too fast")
    assert caught.value.retry_after == dtm.timedelta(seconds=3)
    await bot.send_message(chat_id=42, text="now fine")
    assert [m["text"] for m in fake.sent] == ["now fine"]


async def test_bad_gateway_raises_network_error(fake: FakeTelegram, bot: Bot) -> None:
    """A 502 fault becomes NetworkError; "*" faults hit any method; 403 becomes Forbidden."""
    fake.fail("sendMessage", "502")
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await bot.send_message(chat_id=42, text="lost")
    fake.fail("*", "403")
    with pytest.raises(Forbidden, match="blocked"):
        await bot.send_chat_action(chat_id=42, action="typing")
    assert fake.sent == [] and fake.chat_actions == []


async def test_hang_times_out_without_blocking_the_server(fake: FakeTelegram) -> None:
    """A hanging call makes PTB time out while the fake keeps answering other requests."""
    fake.fail("sendMessage", "hang", hang_seconds=2)
    async with (
        Bot(fake.token, base_url=fake.base_url, request=HTTPXRequest(read_timeout=0.5)) as slow,
        Bot(fake.token, base_url=fake.base_url) as other,
    ):
        hanging = asyncio.create_task(slow.send_message(chat_id=42, text="stuck"))
        await asyncio.sleep(0.1)
        assert (await other.get_me()).id == 777000111
        assert not hanging.done()  # answered while the other request hangs
        started = time.monotonic()
        with pytest.raises(TimedOut):
            await hanging
        assert time.monotonic() - started < 1.5
        await slow.send_message(chat_id=42, text="after")
    assert [m["text"] for m in fake.sent] == ["after"]


async def test_webhook_pushes_with_secret_and_retries(fake: FakeTelegram, bot: Bot) -> None:
    """With a webhook set, updates are POSTed with the secret header, and a 500 is retried."""
    received: list[tuple[str | None, dict[str, Any]]] = []

    async def hook(request: web.Request) -> web.Response:
        received.append((request.headers.get("X-Telegram-Bot-Api-Secret-Token"), await request.json()))
        return web.Response(status=500 if len(received) == 1 else 200)

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        queued = fake.send_text(USER, "before the hook")
        assert await bot.set_webhook(url=f"http://127.0.0.1:{port}/hook", secret_token="s3cret-Token_1")
        pushed = fake.send_text(USER, "after the hook")
        deadline = time.monotonic() + 5
        while len(received) < 3 and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        assert [body for _, body in received] == [queued, queued, pushed]
        assert {secret for secret, _ in received} == {"s3cret-Token_1"}
        assert [d["status"] for d in fake.webhook_deliveries] == [500, 200, 200]
        info = await bot.get_webhook_info()
        assert info.url.endswith("/hook") and info.pending_update_count == 0
        assert info.last_error_message is not None and "500" in info.last_error_message

        with pytest.raises(Conflict, match="webhook is active"):
            await bot.get_updates(timeout=0)
        assert await bot.delete_webhook()
        fake.send_text(USER, "polling again")
        updates = await bot.get_updates(timeout=0)
        assert [u.message.text for u in updates if u.message] == ["polling again"]
        assert len(received) == 3
    finally:
        await runner.cleanup()


async def test_press_button_produces_a_callback_query(fake: FakeTelegram, bot: Bot) -> None:
    """Pressing a button under the bot's message yields a CallbackQuery for that message, answerable once."""
    message = await bot.send_message(chat_id=USER, text="Shall I?", reply_markup=_keyboard())
    fake.press_button(USER, message.message_id, "yes")
    (update,) = await bot.get_updates(timeout=0)
    query = update.callback_query
    assert query is not None and query.data == "yes" and query.from_user.id == USER
    assert query.message is not None and query.message.message_id == message.message_id
    assert query.message.chat.id == USER
    assert await query.answer("Noted")
    assert fake.callback_answers[0]["text"] == "Noted"
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await query.answer("twice")
    with pytest.raises(AssertionError, match="no button"):
        fake.press_button(USER, message.message_id, "nope")


async def test_forwarded_text_has_a_channel_origin(fake: FakeTelegram, bot: Bot) -> None:
    """A forwarded text carries forward_origin of type channel, with the channel chat."""
    raw = fake.forward_text(USER, "Join us", from_channel="Daily Truths")
    update = Update.de_json(raw, bot)
    assert update.message is not None
    origin = update.message.forward_origin
    assert origin is not None and origin.type == MessageOriginType.CHANNEL
    assert origin.chat.title == "Daily Truths" and origin.chat.type == "channel"  # type: ignore[attr-defined]
    assert origin.message_id == 42  # type: ignore[attr-defined]


async def test_group_mention_has_a_correct_entity(fake: FakeTelegram, bot: Bot) -> None:
    """A mention of the bot in a group gets a mention entity at the right UTF-16 offset."""
    raw = fake.send_text(USER, "👋 سلام @rahnuma_test_bot help", chat_type="supergroup")
    message = Update.de_json(raw, bot).message
    assert message is not None and message.chat.type == "supergroup" and message.chat.id < 0
    (entity,) = message.entities
    assert entity.type == MessageEntity.MENTION and entity.offset == 8
    assert message.parse_entity(entity) == "@rahnuma_test_bot"

    command = Update.de_json(fake.send_command(USER, "start", "ur"), bot).message
    assert command is not None and command.text == "/start ur"
    assert command.entities == (MessageEntity(MessageEntity.BOT_COMMAND, 0, 6),)


async def test_user_media_replies_and_edits_parse(fake: FakeTelegram, bot: Bot) -> None:
    """Voice, photo, sticker, document, a reply to the bot and an edit all parse as PTB objects."""
    sent = await bot.send_message(chat_id=USER, text="Ask me")
    fake.send_voice(USER)
    fake.send_photo(USER, caption="look")
    fake.send_sticker(USER)
    fake.send_document(USER)
    reply = fake.send_text(USER, "a reply", reply_to_bot_message_id=sent.message_id)
    fake.edit_text(USER, reply["message"]["message_id"], "an edited reply")
    updates = await bot.get_updates(timeout=0)
    messages = [u.message for u in updates if u.message]
    assert messages[0].voice is not None and messages[0].voice.duration == dtm.timedelta(seconds=3)
    assert len(messages[1].photo) == 3 and messages[1].caption == "look"
    assert messages[2].sticker is not None and messages[3].document is not None
    replied = messages[4].reply_to_message
    assert replied is not None and replied.message_id == sent.message_id and replied.text == "Ask me"
    assert messages[4].message_id > sent.message_id
    edited = updates[-1].edited_message
    assert edited is not None and edited.text == "an edited reply" and edited.edit_date is not None


async def test_edit_delete_actions_and_commands(fake: FakeTelegram, bot: Bot) -> None:
    """Edits, deletions, chat actions and the command list behave as Telegram's do."""
    message = await bot.send_message(chat_id=USER, text="draft", reply_markup=_keyboard())
    edited = await bot.edit_message_text("final", chat_id=USER, message_id=message.message_id)
    assert isinstance(edited, type(message)) and edited.text == "final" and edited.reply_markup is None
    with pytest.raises(BadRequest, match="not modified"):
        await bot.edit_message_text("final", chat_id=USER, message_id=message.message_id)
    await bot.edit_message_reply_markup(chat_id=USER, message_id=message.message_id, reply_markup=_keyboard())
    assert [e["method"] for e in fake.edits] == ["editMessageText", "editMessageReplyMarkup"]
    assert await bot.delete_message(chat_id=USER, message_id=message.message_id)
    with pytest.raises(BadRequest, match="not found"):
        await bot.delete_message(chat_id=USER, message_id=message.message_id)
    assert await bot.send_chat_action(chat_id=USER, action="typing")
    assert fake.chat_actions == [{"chat_id": USER, "action": "typing"}]
    assert await bot.set_my_commands([("start", "Begin"), ("help", "How it works")])
    assert [c.command for c in await bot.get_my_commands()] == ["start", "help"]
    assert await bot.delete_my_commands()
    assert await bot.get_my_commands() == ()


async def test_raw_http_bodies_and_errors(fake: FakeTelegram) -> None:
    """A wrong token is 401 (InvalidToken in PTB), an unknown method 404; JSON and multipart bodies work."""
    with pytest.raises(InvalidToken):
        async with Bot("999:WRONG", base_url=fake.base_url):
            pass
    assert _http(f"{fake.base_url}999:WRONG/getMe") == (
        401,
        {"ok": False, "error_code": 401, "description": "Unauthorized"},
    )
    assert _http(f"{fake.base_url}{fake.token}/noSuchMethod") == (
        404,
        {"ok": False, "error_code": 404, "description": "Not Found"},
    )
    status, body = _http(
        f"{fake.base_url}{fake.token}/sendMessage", body={"chat_id": "7", "text": "json body"}
    )
    assert status == 200 and body["result"]["chat"]["id"] == 7
    assert fake.calls == [("noSuchMethod", {}), ("sendMessage", {"chat_id": 7, "text": "json body"})]

    form = aiohttp.FormData()
    form.add_field("chat_id", "-1001")
    form.add_field("text", "multipart")
    form.add_field("thumbnail", b"\x89PNG", filename="t.png", content_type="image/png")
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{fake.base_url}{fake.token}/sendMessage", data=form) as response,
    ):
        assert response.status == 200
        assert (await response.json())["result"]["chat"]["type"] == "supergroup"
    assert fake.calls[-1][1]["thumbnail"] == {"filename": "t.png", "content_type": "image/png", "size": 4}
    assert fake.sent[-1]["chat_id"] == -1001


def test_control_api(fake: FakeTelegram) -> None:
    """Another process can play the user, inject faults and read what was sent over HTTP."""
    control = f"http://127.0.0.1:{fake.port}/_control"
    status, body = _http(f"{control}/send_text", body={"user_id": USER, "text": "from afar"})
    assert status == 200 and body["result"]["message"]["text"] == "from afar"
    assert fake.pending_updates == [body["result"]]

    assert _http(f"{control}/fail", body={"method": "sendMessage", "kind": "429", "retry_after": 2})[0] == 200
    api = f"{fake.base_url}{fake.token}/sendMessage"
    status, body = _http(api, form={"chat_id": str(USER), "text": "hi"})
    assert status == 429 and body["parameters"] == {"retry_after": 2}
    status, body = _http(
        api, form={"chat_id": str(USER), "text": "hi", "reply_markup": '{"inline_keyboard": []}'}
    )
    assert status == 200

    status, sent = _http(f"{control}/sent?chat_id={USER}")
    assert (
        status == 200
        and [m["text"] for m in sent] == ["hi"]
        and sent[0]["reply_markup"] == {"inline_keyboard": []}
    )
    status, calls = _http(f"{control}/calls?method=sendMessage")
    assert status == 200 and len(calls) == 2
    press = {"user_id": USER, "message": sent[0]["message_id"], "data": "x"}
    status, pressed = _http(f"{control}/press_button", body=press)
    assert status == 400 and "no button" in pressed["description"]
    status, pressed = _http(f"{control}/press_button", body={**press, "strict": False})
    assert status == 200 and pressed["result"]["callback_query"]["message"]["text"] == "hi"


def test_wait_for_sent_reports_what_was_sent(fake: FakeTelegram) -> None:
    """On timeout wait_for_sent fails with the messages that did go out."""
    _http(f"{fake.base_url}{fake.token}/sendMessage", form={"chat_id": "9", "text": "elsewhere"})
    with pytest.raises(AssertionError, match="elsewhere"):
        fake.wait_for_sent(USER, 1, timeout=0.2)
    fake.reset()
    assert fake.sent == [] and fake.calls == []


async def test_application_polls_and_replies(fake: FakeTelegram) -> None:
    """A real PTB Application polling the fake answers a command and a button press."""

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_html("<b>Welcome</b>", reply_markup=_keyboard())

    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.callback_query is not None
        await update.callback_query.answer()
        await update.callback_query.edit_message_text("Thanks")

    app: Application[Any, Any, Any, Any, Any, Any] = (
        ApplicationBuilder().token(fake.token).base_url(fake.base_url).build()
    )
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(pressed))
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)
        fake.send_command(USER, "start")
        (welcome,) = await fake.await_sent(USER, 1, timeout=5)
        assert welcome["plain_text"] == "Welcome" and welcome["reply_markup"] is not None
        fake.press_button(USER, welcome, "yes")
        deadline = time.monotonic() + 5
        while not fake.edits and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        assert fake.edits[0]["plain_text"] == "Thanks" and len(fake.callback_answers) == 1
        await app.updater.stop()
        await app.stop()
    assert fake.pending_updates == []
    assert fake.calls_of("deleteWebhook")
