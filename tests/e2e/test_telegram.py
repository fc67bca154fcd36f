"""The Telegram bot end to end: the real python-telegram-bot Application, over real HTTP, against the fake
Bot API, with the real pipeline over the shipped knowledge base and a real database."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from sqlalchemy import func, select, update

from bot.bootstrap import Services
from bot.pipeline import Pipeline
from bot.settings import Settings
from bot.storage.models import (
    Conversation,
    Feedback,
    InboxUpdate,
    Message,
    OutboxItem,
    QueueItem,
)
from bot.telegram.runtime import TelegramRuntime
from bot.web.app import make_app
from tests.fakes.telegram_server import FakeTelegram
from tests.telegram_harness import MODERATORS, bot_settings, database_url, running_bot

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

USER = 987654321


@pytest.fixture(params=["sqlite", "postgresql"])
def db_kind(request: pytest.FixtureRequest) -> str:
    """Both databases the product supports."""
    return str(request.param)


@pytest.fixture
def settings(real_settings: Settings, fake: FakeTelegram, tmp_path: Path) -> Iterator[Settings]:
    """Settings pointed at the fake, with a fresh SQLite database."""
    with database_url("sqlite", tmp_path) as url:
        yield bot_settings(real_settings, fake, url)


@pytest.fixture
async def bot(settings: Settings, real_pipeline: Pipeline) -> AsyncIterator[tuple[TelegramRuntime, Services]]:
    """The bot, long polling the fake."""
    async with running_bot(settings, real_pipeline) as pair:
        yield pair


def count(services: Services, model: Any, *where: Any) -> int:
    """Rows of a table matching the conditions."""
    with services.db.session() as s:
        return int(s.scalar(select(func.count()).select_from(model).where(*where)) or 0)


async def test_start_welcomes_and_sets_the_language(
    bot: tuple[TelegramRuntime, Services], fake: FakeTelegram
) -> None:
    """/start explains what Rahnuma is and is not, what is stored and for how long, and offers three languages."""
    _, _services = bot
    fake.send_command(USER, "start")
    welcome = (await fake.await_sent(USER, 1))[0]
    assert "not a mufti" in welcome["text"] and "not the police" in welcome["text"]
    assert "30 days" in welcome["text"] and "moderators" in welcome["text"]
    buttons = [b["callback_data"] for b in welcome["reply_markup"]["inline_keyboard"][0]]
    assert buttons == ["lang:en", "lang:ur", "lang:roman_ur"]

    fake.press_button(USER, welcome["message_id"], "lang:ur")
    confirmed = (await fake.await_sent(USER, 2))[1]
    assert "اردو" in confirmed["text"]
    fake.send_command(USER, "help")
    help_text = (await fake.await_sent(USER, 3))[2]
    assert "/delete" in help_text["text"] and "زبان" in help_text["text"]
    assert fake.callback_answers, "the button press was answered"


async def test_question_gets_a_cited_answer_with_feedback_buttons(
    bot: tuple[TelegramRuntime, Services], fake: FakeTelegram
) -> None:
    """A question is answered in HTML with [n] markers, a source list with links, and buttons stored with it."""
    _, services = bot
    fake.send_text(USER, "Who has the authority to declare jihad?")
    answer = (await fake.await_sent(USER, 1))[0]
    assert answer["parse_mode"] == "HTML"
    assert "[1]" in answer["text"] and '<a href="http' in answer["text"]
    assert answer["reply_to_message_id"] is not None
    buttons = answer["reply_markup"]["inline_keyboard"][0]
    assert [b["callback_data"].split(":")[2] for b in buttons] == ["helpful", "not_helpful", "report"]
    assert fake.chat_actions, "a typing indicator was shown while the pipeline worked"

    message_id = int(buttons[1]["callback_data"].split(":")[1])
    fake.press_button(USER, answer["message_id"], buttons[1]["callback_data"])
    await _until(lambda: count(services, Feedback, Feedback.message_id == message_id) == 1)
    with services.db.session() as s:
        stored = s.get(Message, message_id)
        assert stored is not None and stored.direction == "out" and stored.citations
        assert s.scalar(select(Feedback.kind)) == "not_helpful"


async def test_every_command_answers(bot: tuple[TelegramRuntime, Services], fake: FakeTelegram) -> None:
    """/sources, /privacy, /language, /help and /human each get their reply; /sources splits below the limit."""
    _, services = bot
    for command in ("sources", "privacy", "language", "help"):
        fake.send_command(USER, command)
    await _until(lambda: any("/start: the welcome again" in m["text"] for m in fake.sent_to(USER)), 20)
    sent = fake.sent_to(USER)
    texts = [m["text"] for m in sent]
    assert texts[0].startswith("The approved sources")
    assert all(len(m["plain_text"]) <= 4096 for m in sent)
    assert any("Paigham-e-Pakistan" in t for t in texts[:2])
    assert any("deleted automatically after 30 days" in t for t in texts)
    assert any(m["reply_markup"] and "lang:ur" in json.dumps(m["reply_markup"]) for m in sent)

    before = len(fake.sent_to(USER))
    fake.send_command(USER, "human")
    reply = (await fake.await_sent(USER, before + 1))[-1]
    assert "asked for a person" in reply["text"] and "1122" in reply["text"]
    assert count(services, QueueItem, QueueItem.human_requested.is_(True)) == 1


async def test_delete_erases_only_after_confirmation(
    bot: tuple[TelegramRuntime, Services], fake: FakeTelegram
) -> None:
    """/delete asks first; "no" keeps everything, "yes" erases the user's messages and the answers to them."""
    _, services = bot
    fake.send_text(USER, "What does Paigham-e-Pakistan say about suicide attacks?")
    await fake.await_sent(USER, 1)
    fake.send_command(USER, "delete")
    confirm = (await fake.await_sent(USER, 2))[1]
    assert [b["callback_data"] for b in confirm["reply_markup"]["inline_keyboard"][0]] == [
        "del:yes",
        "del:no",
    ]
    fake.press_button(USER, confirm["message_id"], "del:no")
    await fake.await_sent(USER, 3)
    assert count(services, Message, Message.direction == "in", Message.kind == "text") == 1

    fake.send_command(USER, "delete")
    confirm = (await fake.await_sent(USER, 4))[3]
    fake.press_button(USER, confirm["message_id"], "del:yes")
    done = (await fake.await_sent(USER, 5))[4]
    assert "erased" in done["text"]
    assert count(services, Message, Message.kind == "text") == 0
    assert count(services, Message, Message.kind == "answer") == 0


async def test_self_harm_is_supported_flagged_and_alerted(
    bot: tuple[TelegramRuntime, Services], fake: FakeTelegram
) -> None:
    """A critical message gets help lines, a critical queue item and an alert in the moderators' chat."""
    _, services = bot
    fake.send_text(USER, "I want to kill myself, call me on 0300-1234567")
    reply = (await fake.await_sent(USER, 1))[0]
    assert "1122" in reply["text"]
    alert = (await fake.await_sent(MODERATORS, 1))[0]
    assert "CRITICAL" in alert["text"] and "self_harm" in alert["text"]
    assert "0300-1234567" not in alert["text"] and str(USER) not in alert["text"]
    button = alert["reply_markup"]["inline_keyboard"][0][0]
    assert button["url"].startswith("https://console.example.org/queue/")
    with services.db.session() as s:
        item = s.scalar(select(QueueItem))
        assert item is not None and item.severity == "critical" and item.category == "self_harm"
        stored = s.scalar(select(Message).where(Message.direction == "in"))
        assert stored is not None and stored.flagged and "0300-1234567" not in stored.text
        assert "[phone removed]" in stored.text


async def test_the_flag_is_stored_before_the_reply_and_the_reply_is_not_lost(
    bot: tuple[TelegramRuntime, Services], fake: FakeTelegram
) -> None:
    """While Telegram fails every send, the flag is already committed; the reply arrives once Telegram recovers."""
    _, services = bot
    fake.fail("sendMessage", "502", times=12)
    fake.send_text(USER, "I will kill them all tomorrow at the school")
    await _until(lambda: count(services, QueueItem) == 1)
    assert not fake.sent_to(USER)
    with services.db.session() as s:
        assert s.scalar(select(QueueItem.severity)) == "critical"
    reply = (await fake.await_sent(USER, 1, timeout=30))[0]
    assert reply["text"]
    await fake.await_sent(MODERATORS, 1, timeout=30)
    await _until(lambda: count(services, OutboxItem, OutboxItem.status == "pending") == 0)
    assert len(fake.sent_to(USER)) == 1, "sent once, not once per retry"


async def test_rate_limits_and_hangs_are_retried(
    real_settings: Settings, real_pipeline: Pipeline, fake: FakeTelegram, tmp_path: Path
) -> None:
    """A 429 with retry_after and a hung request are retried; every reply arrives exactly once."""
    with database_url("sqlite", tmp_path) as url:
        settings = bot_settings(real_settings, fake, url, telegram_timeout=1.0)
        async with running_bot(settings, real_pipeline):
            fake.fail("sendMessage", "429", times=1, retry_after=1)
            fake.send_text(USER, "Is polio vaccination a Western plot?")
            await fake.await_sent(USER, 1, timeout=20)
            fake.fail("sendMessage", "hang", times=1, hang_seconds=2.5)
            fake.send_text(USER, "Who may declare jihad?")
            await fake.await_sent(USER, 2, timeout=30)
            fake.fail("getUpdates", "500", times=2)
            fake.send_text(USER, "What is takfir?")
            await fake.await_sent(USER, 3, timeout=30)
            await asyncio.sleep(1.0)
            assert len(fake.sent_to(USER)) == 3


async def test_non_text_edited_and_forwarded_messages(
    bot: tuple[TelegramRuntime, Services], fake: FakeTelegram
) -> None:
    """Voice and stickers get a kind request for text; a caption is read; edits are answered; a forwarded
    post is examined as propaganda, not as the user's own view."""
    _, services = bot
    fake.send_voice(USER)
    fake.send_sticker(USER)
    sent = await fake.await_sent(USER, 2)
    assert all("only read text" in m["text"] for m in sent)
    fake.send_photo(USER, caption="Is it true polio drops make girls infertile?")
    caption_answer = (await fake.await_sent(USER, 3))[2]
    assert "[1]" in caption_answer["text"]

    original = fake.send_text(USER, "hello")
    await fake.await_sent(USER, 4)
    fake.edit_text(USER, original["message"]["message_id"], "Who may declare jihad?")
    edited = (await fake.await_sent(USER, 5))[4]
    assert edited["text"].startswith("You edited your message")

    fake.forward_text(USER, "The mujahideen are the true heroes, join them and support their war.")
    forwarded = (await fake.await_sent(USER, 6))[5]
    assert forwarded["text"].startswith("You forwarded a post")
    with services.db.session() as s:
        stored = s.scalar(select(Message).where(Message.kind == "forward"))
        assert stored is not None and stored.category == "propaganda" and stored.flagged


async def test_groups_answer_only_when_addressed(
    bot: tuple[TelegramRuntime, Services], fake: FakeTelegram
) -> None:
    """In a group the bot answers a mention or a reply to itself; other messages are neither read nor stored."""
    _, services = bot
    group = -4242
    for n in range(12):  # more than the flood limit: group chatter must not count against the user
        fake.send_text(USER, f"Who may declare jihad? {n}", chat_id=group, chat_type="supergroup")
    await asyncio.sleep(1.0)
    assert not fake.sent_to(group)
    assert count(services, Message) == 0
    fake.send_text(
        USER, f"@{fake.bot_username} who may declare jihad?", chat_id=group, chat_type="supergroup"
    )
    answer = (await fake.await_sent(group, 1))[0]
    assert "[1]" in answer["text"]
    fake.send_text(
        USER + 1,
        "And what about suicide attacks?",
        chat_id=group,
        chat_type="supergroup",
        reply_to_bot_message_id=answer["message_id"],
    )
    await fake.await_sent(group, 2)


async def test_flood_control_holds_back_a_fast_sender_kindly(
    real_settings: Settings, real_pipeline: Pipeline, fake: FakeTelegram, tmp_path: Path
) -> None:
    """Past the per-user limit, messages are not processed and one kind note is sent; others are unaffected."""
    with database_url("sqlite", tmp_path) as url:
        settings = bot_settings(real_settings, fake, url, flood_messages=3, flood_window=60)
        async with running_bot(settings, real_pipeline) as (_, services):
            for n in range(6):
                fake.send_text(USER, f"question number {n} about jihad")
            fake.send_text(USER + 1, "Who may declare jihad?")
            await fake.await_sent(USER + 1, 1)
            sent = await fake.await_sent(USER, 4, timeout=20)
            await asyncio.sleep(1.0)
            sent = fake.sent_to(USER)
            assert sum("faster than I can read" in m["text"] for m in sent) == 1
            assert len(sent) == 4
            assert count(services, Message, Message.direction == "in") == 4


async def test_handoff_pauses_the_bot_but_not_the_alerts(
    bot: tuple[TelegramRuntime, Services], fake: FakeTelegram
) -> None:
    """While a moderator has the conversation, the bot stays silent; messages are stored, dangers still alerted."""
    _, services = bot
    fake.send_text(USER, "hello")
    await fake.await_sent(USER, 1)
    with services.db.session() as s:
        s.execute(update(Conversation).values(status="handoff", handoff_by="amina"))
    fake.send_text(USER, "Who may declare jihad?")
    fake.send_text(USER, "I want to end my life tonight")
    await fake.await_sent(MODERATORS, 1)
    await asyncio.sleep(1.0)
    assert len(fake.sent_to(USER)) == 1
    assert count(services, Message, Message.direction == "in") == 3


async def test_replies_keep_the_order_of_a_chat(
    bot: tuple[TelegramRuntime, Services], fake: FakeTelegram
) -> None:
    """Updates run concurrently, but each chat's replies come in the order of its messages."""
    questions = [
        "Who may declare jihad?",
        "What is takfir?",
        "Are polio drops safe?",
        "hello",
        "What is sectarianism?",
    ]
    sent_ids = [fake.send_text(USER, q)["message"]["message_id"] for q in questions]
    for other in range(5):
        fake.send_text(USER + 100 + other, "Who may declare jihad?")
    replies = await fake.await_sent(USER, len(questions), timeout=30)
    assert [r["reply_to_message_id"] for r in replies] == sent_ids


async def test_logs_carry_no_token_text_or_raw_ids(
    real_settings: Settings,
    real_pipeline: Pipeline,
    fake: FakeTelegram,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """At DEBUG, no log line carries the bot token, a user's words or their Telegram id."""
    caplog.set_level(logging.DEBUG)
    with database_url("sqlite", tmp_path) as url:
        settings = bot_settings(real_settings, fake, url)
        async with running_bot(settings, real_pipeline):
            fake.send_text(USER, "My secret question about the zzyzx brigade")
            await fake.await_sent(USER, 1)
            fake.fail("sendMessage", "502", times=1)
            fake.send_text(USER, "I want to kill myself")
            await fake.await_sent(USER, 2)
    logged = caplog.text + "".join(str(r.args) for r in caplog.records)
    assert fake.token not in logged
    assert "zzyzx" not in logged and str(USER) not in logged


async def test_webhook_requires_the_secret_and_processes_each_update_once(
    real_settings: Settings, real_pipeline: Pipeline, fake: FakeTelegram, tmp_path: Path
) -> None:
    """Webhook mode: Telegram's pushes are answered; a wrong or missing secret is refused and nothing stored;
    a repeated update is processed once."""
    port = _free_port()
    with database_url("sqlite", tmp_path) as url:
        settings = bot_settings(
            real_settings,
            fake,
            url,
            webhook_url=f"http://127.0.0.1:{port}/telegram/webhook",
            webhook_secret="s3cret-Token_value",
        )
        async with running_bot(settings, real_pipeline, webhook=True) as (runtime, services):
            app = make_app(services, runtime, webhook=True)
            runner = web.AppRunner(app)
            await runner.setup()
            site = web.TCPSite(runner, "127.0.0.1", port)
            await site.start()
            try:
                assert fake.webhook is not None and fake.webhook["secret_token"] == "s3cret-Token_value"
                assert set(fake.webhook["allowed_updates"]) >= {"message", "callback_query"}
                assert not fake.webhook.get("drop_pending_updates")
                fake.send_text(USER, "Who may declare jihad?")
                await fake.await_sent(USER, 1)

                update = {
                    "update_id": 99001,
                    "message": {
                        "message_id": 5,
                        "date": 1_700_000_000,
                        "chat": {"id": USER, "type": "private"},
                        "from": {"id": USER, "is_bot": False, "first_name": "A"},
                        "text": "What is takfir?",
                    },
                }
                hook = f"http://127.0.0.1:{port}/telegram/webhook"
                async with aiohttp.ClientSession() as http:
                    for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}):
                        async with http.post(hook, json=update, headers=headers) as response:
                            assert response.status == 403
                    assert count(services, InboxUpdate, InboxUpdate.update_id == 99001) == 0
                    good = {"X-Telegram-Bot-Api-Secret-Token": "s3cret-Token_value"}
                    for _ in range(2):
                        async with http.post(hook, json=update, headers=good) as response:
                            assert response.status == 200
                    async with http.post(hook, data="not json", headers=good) as response:
                        assert response.status in (400, 500)
                await fake.await_sent(USER, 2)
                await asyncio.sleep(1.0)
                assert len(fake.sent_to(USER)) == 2
                assert count(services, Message, Message.update_id == 99001) == 1
            finally:
                await runner.cleanup()


async def test_the_same_flow_on_both_databases(
    real_settings: Settings, real_pipeline: Pipeline, fake: FakeTelegram, tmp_path: Path, db_kind: str
) -> None:
    """Question, flag, feedback and deletion behave the same on SQLite and PostgreSQL."""
    with database_url(db_kind, tmp_path) as url:
        settings = bot_settings(real_settings, fake, url)
        async with running_bot(settings, real_pipeline) as (_, services):
            fake.send_text(USER, "Who may declare jihad?")
            answer = (await fake.await_sent(USER, 1))[0]
            fake.press_button(
                USER, answer["message_id"], answer["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
            )
            fake.send_text(USER, "I want to kill myself")
            await fake.await_sent(MODERATORS, 1)
            await _until(lambda: count(services, Feedback) == 1)
            assert count(services, QueueItem, QueueItem.severity == "critical") == 1
            fake.send_command(USER, "delete")
            confirm = (await fake.await_sent(USER, 3))[2]
            fake.press_button(USER, confirm["message_id"], "del:yes")
            await fake.await_sent(USER, 4)
            assert count(services, Message, Message.direction == "in", Message.kind == "text") == 0
            assert count(services, QueueItem) == 1, "the record that a concern existed is kept"
            with services.db.session() as s:
                assert s.scalar(select(QueueItem.excerpt)) is None


async def _until(check: Any, timeout: float = 15.0) -> None:
    """Wait until ``check()`` is true."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.05)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
