"""Settings shared by the writer and the reader of the store (prefix ``RAHNUMA_``).

``bot.settings.Settings`` extends these with what only the assistant needs.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pydantic import Field, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from knowledge_base import KB_DIR
from knowledge_base.embedding import DEFAULT_MODEL
from knowledge_base.store import LocalStore, ServerStore, VersionedStore


def default_data_dir() -> Path:
    """``$XDG_DATA_HOME/rahnuma`` (``~/.local/share/rahnuma``): the same for every command and working folder."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "rahnuma"


def config_file() -> Path | None:
    """The optional TOML config file named by ``RAHNUMA_CONFIG``."""
    value = os.environ.get("RAHNUMA_CONFIG")
    return Path(value) if value else None


class StoreSettings(BaseSettings):
    """Where the knowledge base and its index live, and how it is embedded."""

    model_config = SettingsConfigDict(env_prefix="RAHNUMA_", extra="ignore", validate_default=True)

    data_dir: Path = Field(
        default_factory=default_data_dir, description="Folder for the Chroma store and the database."
    )
    kb_dir: Path = Field(default=KB_DIR, description="Folder holding sources.yaml and the source files.")
    embedding_model: str = Field(
        default=DEFAULT_MODEL,
        description="Sentence-transformers model (name or folder); 'hashing-384' is a fast test embedder.",
    )
    chroma_host: str | None = Field(default=None, description="Chroma server host; unset means local store.")
    chroma_port: int = Field(default=8000, ge=1, le=65535, description="Chroma server port.")
    chroma_ssl: bool = Field(default=False, description="Use HTTPS to reach the Chroma server.")
    chunk_size: int = Field(default=900, ge=200, le=4000, description="Largest chunk, in characters.")
    chunk_overlap: int = Field(
        default=100, ge=0, le=1000, description="Characters shared by neighbouring chunks."
    )
    keep_versions: int = Field(
        default=2, ge=0, le=20, description="Previous store versions kept after a switch."
    )
    store_probe: bool = Field(
        default=True,
        description="Open the live store in a child process first, so a corrupt one cannot crash us.",
    )

    @field_validator("data_dir", "kb_dir", mode="after")
    @classmethod
    def _expand(cls, value: Path) -> Path:
        return value.expanduser()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Arguments, then the environment, then the TOML file named by RAHNUMA_CONFIG."""
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        path = config_file()
        if path is not None:
            if not path.is_file():
                raise ValueError(f"RAHNUMA_CONFIG names {path}, which does not exist")
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=path))
        return tuple(sources)

    def open_store(self) -> VersionedStore:
        """The versioned store these settings point at."""
        if self.chroma_host:
            return ServerStore(
                self.chroma_host, self.chroma_port, ssl=self.chroma_ssl, lock_dir=self.data_dir
            )
        return LocalStore(self.data_dir / "chroma")

    def describe(self) -> dict[str, Any]:
        """Settings safe to print."""
        return {k: str(v) for k, v in self.model_dump().items()}
