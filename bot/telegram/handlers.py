"""python-telegram-bot handlers: turn an update into an ``Incoming``, call the conversation service,
deliver what it queued. No judgement lives here.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from telegram import Message, MessageEntity, Update
from telegram.constants import ChatAction, ChatType
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot import channel_texts as T
from bot.conversations import Incoming
from bot.replies import FALLBACK, Texts

if TYPE_CHECKING:
    from bot.telegram.runtime import TelegramRuntime

log = logging.getLogger(__name__)
RUNTIME_KEY = "rahnuma"
COMMANDS = {
    "start": "Welcome, and what Rahnuma is",
    "language": "Choose a language",
    "sources": "The approved sources",
    "privacy": "What is stored, and for how long",
    "delete": "Erase your stored messages",
    "human": "Ask for a person",
    "help": "How to use Rahnuma",
}
# Commands answered by a fixed note (in the user's language) and its buttons.
NOTES: dict[str, tuple[Texts, str | None]] = {
    "start": (T.WELCOME, "languages"),  # what Rahnuma is and is not, what is stored, language buttons
    "language": (T.CHOOSE_LANGUAGE, "languages"),
    "privacy": (T.PRIVACY, None),
    "help": (T.HELP, None),
    "delete": (T.DELETE_CONFIRM, "delete_confirm"),  # erasing waits for the "yes" button
}
NON_TEXT = (
    filters.VOICE
    | filters.AUDIO
    | filters.PHOTO
    | filters.VIDEO
    | filters.VIDEO_NOTE
    | filters.Sticker.ALL
    | filters.Document.ALL
    | filters.LOCATION
    | filters.CONTACT
    | filters.ANIMATION
    | filters.POLL
)


def runtime(context: ContextTypes.DEFAULT_TYPE) -> TelegramRuntime:
    """The runtime this application was built with."""
    return context.application.bot_data[RUNTIME_KEY]  # type: ignore[no-any-return]


def incoming(update: Update, kind: str = "text", text: str | None = None) -> Incoming:
    """The channel-neutral message for an update."""
    message = update.effective_message
    chat = update.effective_chat
    user = update.effective_user
    if chat is None or user is None:
        raise ValueError("an update without a chat or a user")
    return Incoming(
        user_id=user.id,
        chat_id=chat.id,
        text=text if text is not None else ((message.text or message.caption or "") if message else ""),
        kind=kind,
        chat_type="private" if chat.type == ChatType.PRIVATE else "group",
        update_id=update.update_id,
        channel_message_id=message.message_id if message else None,
        language_hint="ur" if (user.language_code or "").lower().startswith("ur") else None,
    )


def addressed_text(update: Update, bot_username: str, bot_id: int) -> str | None:
    """The text meant for the bot: all of it in a private chat; in a group only when mentioned or replied to."""
    message = update.effective_message
    chat = update.effective_chat
    if message is None or chat is None:
        return None
    text = message.text or message.caption or ""
    if chat.type == ChatType.PRIVATE:
        return text
    replied = message.reply_to_message
    if replied is not None and replied.from_user is not None and replied.from_user.id == bot_id:
        return text
    mention = f"@{bot_username}".lower()
    entities = message.parse_entities([MessageEntity.MENTION]) or message.parse_caption_entities(
        [MessageEntity.MENTION]
    )
    if any(value.lower() == mention for value in entities.values()):
        return " ".join(text.replace(f"@{bot_username}", " ").split())
    return None


async def flood_guard(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stop a user who sends too fast, with one kind note per window."""
    user = update.effective_user
    if user is None or (update.message is None and update.edited_message is None):
        return
    if addressed_text(update, context.bot.username, context.bot.id) is None:
        return  # group chatter not meant for the bot does not count against anyone
    rt = runtime(context)
    allowed, warn = rt.flood.check(str(user.id))
    if allowed:
        return
    if warn and update.effective_chat is not None:
        language = await rt.service.user_language(user.id)
        await rt.send_direct(update.effective_chat.id, T.say(T.FLOOD, language))
    log.info(
        "flood control held back an update from user %s", rt.service.keys.pseudonym("user", user.id)[:12]
    )
    raise ApplicationHandlerStop


async def fixed_note(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer /start, /language, /privacy, /help or /delete with its note and buttons."""
    rt = runtime(context)
    message = update.effective_message
    command = (message.text or "/help").split()[0][1:].split("@")[0].lower() if message else "help"
    texts, keyboard = NOTES.get(command, NOTES["help"])
    outcome = await rt.service.note(
        incoming(update, "command"), texts, keyboard=keyboard, days=rt.settings.retention_days
    )
    await rt.deliver(outcome.outbox_ids)


async def sources(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """List the approved sources by topic."""
    rt = runtime(context)
    outcome = await rt.service.list_sources(incoming(update, "command"))
    await rt.deliver(outcome.outbox_ids)


async def human(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Put the conversation in the moderators' queue and say so honestly."""
    rt = runtime(context)
    outcome = await rt.service.request_human(incoming(update, "command"))
    await rt.deliver(outcome.outbox_ids)


async def text_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer a question (or an edited or forwarded one) through the pipeline."""
    rt = runtime(context)
    text = addressed_text(update, context.bot.username, context.bot.id)
    if text is None:
        return  # a group message not meant for the bot: not read, not stored
    message = update.effective_message
    kind = "text"
    if update.edited_message is not None:
        kind = "edited"
    elif message is not None and message.forward_origin is not None:
        kind = "forward"
    await _typing(update, context)
    outcome = await rt.service.handle(incoming(update, kind, text))
    await rt.deliver(outcome.outbox_ids)


async def non_text_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Voice, photos, stickers, files: read a caption as text, otherwise ask for text kindly."""
    rt = runtime(context)
    if addressed_text(update, context.bot.username, context.bot.id) is None:
        return
    message = update.effective_message
    if message is not None and message.caption:
        await text_message(update, context)
        return
    outcome = await rt.service.handle(incoming(update, _media_kind(message), ""))
    await rt.deliver(outcome.outbox_ids)


async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Feedback, language and deletion buttons."""
    rt = runtime(context)
    query = update.callback_query
    if query is None or query.data is None:
        return
    action, _, rest = query.data.partition(":")
    notice: str | None = None
    try:
        if action == "fb":
            message_id, _, kind = rest.partition(":")
            notice = await rt.service.feedback(incoming(update, "callback", ""), int(message_id), kind)
        elif action == "lang":
            outcome = await rt.service.set_language(incoming(update, "callback", ""), rest)
            await query.answer()
            await rt.deliver(outcome.outbox_ids)
            return
        elif action == "del":
            if rest == "yes":
                outcome = await rt.service.delete_user_data(incoming(update, "callback", ""))
            else:
                outcome = await rt.service.note(
                    incoming(update, "callback", "/delete no"), T.DELETE_CANCELLED
                )
            await query.answer()
            await _drop_buttons(query.message)
            await rt.deliver(outcome.outbox_ids)
            return
    except (LookupError, ValueError):
        notice = "This button no longer works."
    await query.answer(notice)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log first (no message text), remember the failure for the inbox, and send a polite reply."""
    log.error("handling an update failed", exc_info=context.error)
    if not isinstance(update, Update):
        return
    rt = runtime(context)
    rt.failed_updates.add(update.update_id)
    if update.effective_chat is not None and update.effective_chat.type == ChatType.PRIVATE:
        language = None
        if update.effective_user is not None:
            try:
                language = await rt.service.user_language(update.effective_user.id)
            except Exception:  # the database may be what failed
                log.warning("could not read the user's language for the fallback reply")
        await rt.send_direct(update.effective_chat.id, T.say(FALLBACK, language))


def add_handlers(application: Application) -> None:  # type: ignore[type-arg]
    """Register every handler: the flood guard first, then commands, messages and buttons."""
    private_or_group = filters.ChatType.PRIVATE | filters.ChatType.GROUPS
    application.add_handler(TypeHandler(Update, flood_guard), group=-1)
    application.add_handler(CommandHandler(list(NOTES), fixed_note))
    application.add_handler(CommandHandler("sources", sources))
    application.add_handler(CommandHandler("human", human))
    application.add_handler(
        MessageHandler(
            private_or_group
            & (filters.UpdateType.MESSAGE | filters.UpdateType.EDITED_MESSAGE)
            & filters.TEXT
            & ~filters.COMMAND,
            text_message,
        )
    )
    application.add_handler(
        MessageHandler(private_or_group & filters.UpdateType.MESSAGES & NON_TEXT, non_text_message)
    )
    application.add_handler(CallbackQueryHandler(button))
    application.add_error_handler(on_error)


def _media_kind(message: Message | None) -> str:
    if message is None:
        return "other"
    for kind in ("voice", "photo", "sticker", "document", "video", "audio"):
        if getattr(message, kind, None):
            return kind
    return "other"


async def _typing(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if update.effective_chat is None:
        return
    try:
        await context.bot.send_chat_action(update.effective_chat.id, ChatAction.TYPING)
    except TelegramError:  # a typing indicator is not worth a retry
        log.debug("typing indicator failed")


async def _drop_buttons(message: object) -> None:
    if isinstance(message, Message):
        try:
            await message.edit_reply_markup(None)
        except TelegramError:
            log.debug("could not remove the buttons")
