"""The assistant's settings: environment variables ``RAHNUMA_*`` or a TOML file named by ``RAHNUMA_CONFIG``."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import Field, SecretStr, field_validator

from bot.compose import ComposeSettings
from bot.retrieval import RetrievalSettings
from knowledge_base.config import StoreSettings


class Settings(StoreSettings):
    """Everything the pipeline needs, validated at start with clear messages."""

    retrieval_mode: str = Field(
        default="hybrid",
        pattern="^(dense|bm25|hybrid)$",
        description="dense, bm25 or hybrid (reciprocal-rank fusion of both).",
    )
    retrieval_candidates: int = Field(
        default=20, ge=1, le=200, description="Candidates each retriever returns."
    )
    retrieval_top_k: int = Field(default=5, ge=1, le=50, description="Passages kept after fusion.")
    language_boost: float = Field(
        default=1.5,
        ge=1.0,
        le=10.0,
        description="Fused-score factor for passages in the question's language.",
    )
    min_score: float = Field(
        default=0.32, ge=-1.0, le=1.0, description="Cosine similarity a passage needs to be cited on its own."
    )
    min_lexical: float = Field(
        default=4.0, ge=0.0, description="BM25 score that can make a passage relevant."
    )
    lexical_floor: float = Field(
        default=0.15,
        ge=-1.0,
        le=1.0,
        description="Least cosine similarity of a passage made relevant by BM25.",
    )
    urdu_dense_weight: float = Field(
        default=0.0, ge=0.0, le=1.0, description="Weight of the dense ranking for Urdu-script questions."
    )
    answer_max_sources: int = Field(default=3, ge=1, le=10, description="Most sources cited in one answer.")
    answer_max_chars: int = Field(
        default=900, ge=200, le=3500, description="Longest answer, in characters (a phone screen)."
    )
    max_input_chars: int = Field(
        default=4000,
        ge=100,
        le=100_000,
        description="Longer messages are judged on their first this-many characters.",
    )
    learned_classifier: bool = Field(
        default=True, description="Use the learned guardrail classifier after the patterns."
    )
    llm_url: str | None = Field(
        default=None,
        description="OpenAI-compatible endpoint (e.g. http://127.0.0.1:11434/v1); "
        "unset means no LLM anywhere.",
    )
    llm_model: str = Field(default="llama-guard3", description="Model name at the LLM endpoint.")
    llm_api_key: SecretStr = Field(
        default=SecretStr(""), description="API key for the LLM endpoint, if it needs one."
    )
    llm_timeout: float = Field(
        default=15.0, gt=0, le=300, description="Seconds to wait for the LLM endpoint."
    )
    llm_moderator: bool = Field(
        default=True, description="With an LLM endpoint, use it as an extra guardrail layer."
    )
    policy_file: Path | None = Field(
        default=None, description="TOML file overriding the category → action/severity policy."
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of the database (e.g. postgresql://user@127.0.0.1:5432/rahnuma); "
        "unset means SQLite in the data directory.",
    )
    secret_key: SecretStr | None = Field(
        default=None,
        description="Secret for pseudonyms and chat-id encryption; unset means a key file created in "
        "the data directory. Back it up with the database.",
    )
    telegram_token: SecretStr | None = Field(
        default=None, description="Bot token from @BotFather; unset means no Telegram channel."
    )
    telegram_api_url: str = Field(
        default="https://api.telegram.org/bot",
        description="Bot API base URL (the token is appended), for a self-hosted Bot API server.",
    )
    telegram_timeout: float = Field(
        default=15.0, gt=0, le=300, description="Seconds to wait for the Bot API before retrying a call."
    )
    telegram_rate_limit: float = Field(
        default=30.0,
        ge=0,
        description="Messages a second the bot sends at most (Telegram's limit is about 30); 0 turns the "
        "limiter off, for a test server.",
    )
    moderator_chat_id: int | None = Field(
        default=None, description="Telegram chat that receives high and critical alerts."
    )
    console_url: str | None = Field(
        default=None,
        description="Public https URL of the console, for the button under moderator alerts.",
    )
    webhook_url: str | None = Field(
        default=None,
        description="Public https URL Telegram posts updates to (ending in /telegram/webhook); "
        "unset means long polling.",
    )
    webhook_secret: SecretStr | None = Field(
        default=None,
        description="Secret Telegram sends with every webhook request (1-256 of A-Z a-z 0-9 _ -).",
    )
    web_host: str = Field(default="127.0.0.1", description="Address the web application listens on.")
    web_port: int = Field(default=8080, ge=1, le=65535, description="Port the web application listens on.")
    retention_days: int = Field(
        default=30, ge=1, le=3650, description="Days unflagged messages are kept before they are purged."
    )
    flood_messages: int = Field(
        default=10, ge=1, le=1000, description="Messages one user may send per flood window."
    )
    flood_window: float = Field(default=60.0, gt=0, le=3600, description="Flood window, in seconds.")
    max_concurrent_updates: int = Field(
        default=64, ge=1, le=4096, description="Updates processed at once (in order within one chat)."
    )
    poll_timeout: int = Field(
        default=30, ge=0, le=60, description="Long-polling timeout for getUpdates, in seconds."
    )
    delivery_retry_seconds: float = Field(
        default=5.0, gt=0, le=3600, description="How often undelivered replies and alerts are retried."
    )
    session_hours: float = Field(
        default=12.0, gt=0, le=24 * 30, description="Hours a console login lasts before it must be repeated."
    )
    login_max_failures: int = Field(
        default=5, ge=1, le=100, description="Wrong passwords in a row before a console account is locked."
    )
    login_lockout_minutes: float = Field(
        default=15.0, gt=0, le=24 * 60, description="Minutes a console account stays locked after that."
    )
    critical_realert_minutes: float = Field(
        default=10.0,
        gt=0,
        le=24 * 60,
        description="Critical queue items unclaimed this long are alerted to the moderators again.",
    )
    secure_cookies: bool = Field(
        default=False,
        description="Always mark the console's cookies Secure (they are anyway when the request came over "
        "https or with X-Forwarded-Proto: https).",
    )
    log_level: str = Field(
        default="WARNING", pattern="^(DEBUG|INFO|WARNING|ERROR)$", description="Logging level."
    )

    @field_validator("webhook_secret")
    @classmethod
    def _webhook_secret_is_valid(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", value.get_secret_value()):
            raise ValueError("must be 1-256 characters of A-Z, a-z, 0-9, _ and - (Telegram's rule)")
        return value

    @field_validator("webhook_url", "console_url", "telegram_api_url")
    @classmethod
    def _is_http_url(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^https?://[^\s/]+", value):
            raise ValueError(f"must be an http(s) URL, got {value!r}")
        return value

    def database(self) -> str:
        """The database URL, SQLite in the data directory by default."""
        return self.database_url or f"sqlite:///{self.data_dir / 'rahnuma.db'}"

    def retrieval(self) -> RetrievalSettings:
        """Retrieval settings."""
        return RetrievalSettings(
            candidates=self.retrieval_candidates,
            top_k=self.retrieval_top_k,
            language_boost=self.language_boost,
            min_score=self.min_score,
            min_lexical=self.min_lexical,
            lexical_floor=self.lexical_floor,
            mode=self.retrieval_mode,
            urdu_dense_weight=self.urdu_dense_weight,
        )

    def compose(self) -> ComposeSettings:
        """Composition settings."""
        return ComposeSettings(max_sources=self.answer_max_sources, max_chars=self.answer_max_chars)
