"""An optional extra guardrail layer: an LLM moderator (for example Llama Guard behind an OpenAI-compatible or
Ollama endpoint), reached through langchain.

It can only raise the alarm, never lower it: when it names a category whose miss costs most and the other
layers said something milder, its category wins. Its prompt is in ``prompts/moderator.md``; the message is
passed as data. An endpoint that errors or times out makes the pipeline fail closed.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from bot.guardrails.policy import CATEGORIES
from bot.llm import reply_text

PROMPT = (Path(__file__).resolve().parent / "prompts" / "moderator.md").read_text(encoding="utf-8")
ESCALATING = ("self_harm", "violent_intent", "operational_request")
_CATEGORY = re.compile(r"\b(" + "|".join(CATEGORIES) + r")\b")


class LLMModeratorError(RuntimeError):
    """The moderator's reply named no category."""


class LLMModerator:
    """Ask a chat model for the contract category of a message."""

    def __init__(self, model: Any) -> None:
        self.model = model

    def category(self, text: str) -> str:
        """The model's category for a (normalised, redacted) message."""
        reply = reply_text(self.model, PROMPT, text)
        try:
            value = json.loads(reply.strip().strip("`").removeprefix("json").strip()).get("category")
        except (ValueError, AttributeError):
            match = _CATEGORY.search(reply)
            value = match.group(1) if match else None
        if value not in CATEGORIES:
            raise LLMModeratorError(f"the moderator model answered without a category: {reply[:80]!r}")
        return str(value)

    def escalation(self, text: str, current: str) -> str | None:
        """A more serious category than ``current``, when the model sees one; otherwise None."""
        category = self.category(text)
        if category not in ESCALATING:
            return None
        if current in ESCALATING and ESCALATING.index(current) <= ESCALATING.index(category):
            return None  # already as serious, or more
        return category
