"""An optional chat model (any OpenAI-compatible endpoint: Ollama, vLLM, llama.cpp, a hosted API) via langchain.

Nothing requires it: with ``RAHNUMA_LLM_URL`` unset, no model is built and nothing is imported.
"""

from __future__ import annotations

from typing import Any

from bot.settings import Settings


def chat_model(settings: Settings) -> Any | None:
    """A langchain chat model for the configured endpoint, or None when none is configured."""
    if not settings.llm_url:
        return None
    from langchain_openai import ChatOpenAI

    return ChatOpenAI(
        base_url=settings.llm_url,
        model=settings.llm_model,
        api_key=settings.llm_api_key.get_secret_value() or "not-needed",
        timeout=settings.llm_timeout,
        max_retries=1,
        temperature=0,
    )


def reply_text(model: Any, system: str, user: str) -> str:
    """One exchange: the system prompt and the user's text in, the model's text out."""
    from langchain_core.messages import HumanMessage, SystemMessage

    message = model.invoke([SystemMessage(content=system), HumanMessage(content=user)])
    return str(message.content)
