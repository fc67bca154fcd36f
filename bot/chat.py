"""``rahnuma chat``: the assistant in a terminal, through the same conversation service as Telegram.

Offline, no token: a newcomer sees the answers, the citations and the guardrails at work. Messages are
stored like any channel's (the terminal is one pseudonymous user).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot import channel_texts as T
from bot.bootstrap import Services
from bot.conversations import Incoming

TERMINAL_ID = 0


def render_plain(payload: dict[str, Any]) -> str:
    """An outbox payload as plain text."""
    lines = [str(payload.get("text", ""))]
    citations = payload.get("citations") or []
    if citations:
        lines.append("")
        for c in citations:
            where = f", {c['locator']}" if c.get("locator") else ""
            link = f" <{c['url']}>" if c.get("url") else ""
            lines.append(f"[{c['n']}] {c['title']}{where}{link}")
    for label, items in payload.get("groups") or []:
        lines.append(f"\n{label}")
        lines.extend(f"  - {title}" for title, _ in items)
    return "\n".join(lines)


async def chat(services: Services, read: Callable[[], str | None], write: Callable[[str], None]) -> None:
    """Read lines until end of input or /quit; answer each one."""
    service = services.conversations
    write(T.say(T.WELCOME, "en", days=services.settings.retention_days))
    write("(Type /help for commands, /quit to leave.)\n")
    while (line := read()) is not None:
        text = line.strip()
        if not text:
            continue
        if text in ("/quit", "/exit"):
            break
        incoming = Incoming(
            TERMINAL_ID, TERMINAL_ID, text=text, kind="command" if text.startswith("/") else "text"
        )
        if text == "/help":
            outcome = await service.note(incoming, T.HELP)
        elif text == "/privacy":
            outcome = await service.note(incoming, T.PRIVACY, days=services.settings.retention_days)
        elif text == "/sources":
            outcome = await service.list_sources(incoming)
        elif text == "/human":
            outcome = await service.request_human(incoming)
        elif text == "/delete":
            outcome = await service.delete_user_data(incoming)
        else:
            outcome = await service.handle(incoming)
        for delivery in await service.deliveries(outcome.outbox_ids):
            if delivery.target == "conversation":
                write(render_plain(delivery.payload) + "\n")
                await service.delivered(delivery.id, 1, True)
        if outcome.result is not None and outcome.result.verdict.flagged:
            verdict = outcome.result.verdict
            write(f"(flagged for moderators: {verdict.category}, {verdict.severity})\n")
