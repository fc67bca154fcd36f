"""Shared fixtures: an isolated data directory for every test, a small knowledge base, the real corpus."""

from __future__ import annotations

import os
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from bot.pipeline import Pipeline, build_pipeline
from bot.settings import Settings
from ingest.sync import run
from knowledge_base.config import StoreSettings
from knowledge_base.embedding import HASHING_MODEL, load_embedder
from tests.fakes.telegram_server import FakeTelegram

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _isolated_environment(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point the data directory at a fresh folder and drop any RAHNUMA_* setting from the caller's shell."""
    for name in list(os.environ):
        if name.startswith("RAHNUMA_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("RAHNUMA_DATA_DIR", str(tmp_path_factory.mktemp("data")))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    # python-telegram-bot's coming timedelta durations (retry_after), without deprecation warnings
    monkeypatch.setenv("PTB_TIMEDELTA", "1")


SMALL_SOURCES = {
    "jihad-authority-note": (
        "en",
        ["jihad_authority"],
        """
        # Who may declare jihad
        The declaration of war belongs to the state alone, according to the sample declaration.

        ## Private groups
        No private group or individual may announce an armed struggle on its own authority.
    """,
    ),
    "polio-note": (
        "en",
        ["polio_vaccination"],
        """
        # Polio drops
        Polio vaccination protects children from paralysis, and scholars have endorsed the campaigns.

        ## Rumours
        Claims that the drops cause infertility have been examined and found to be false.
    """,
    ),
    "takfir-note-ur": (
        "ur",
        ["takfir"],
        """
        # تکفیر
        کسی مسلمان کو کافر قرار دینا کسی فرد یا گروہ کا کام نہیں، یہ نمونہ متن یہی بتاتا ہے۔
    """,
    ),
}


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    """A running fake Telegram Bot API on 127.0.0.1."""
    with FakeTelegram() as server:
        yield server


def write_source(
    kb: Path, source_id: str, language: str, topics: list[str], body: str, status: str = "approved"
) -> dict[str, object]:
    """Write one Markdown source into a knowledge-base folder and return its manifest entry."""
    (kb / "sources").mkdir(parents=True, exist_ok=True)
    front = f'---\nsummarises: "Sample note {source_id}"\nwhere: "Section 1"\n---\n'
    (kb / "sources" / f"{source_id}.md").write_text(front + textwrap.dedent(body), encoding="utf-8")
    return {
        "id": source_id,
        "title": f"Sample {source_id}",
        "issuer": "Test issuer",
        "year": 2020,
        "language": language,
        "topics": topics,
        "url": f"https://example.org/{source_id}",
        "license": "Test text written for the tests.",
        "status": status,
        "reviewed_by": "tests",
        "reviewed_on": "2026-01-01",
        "path": f"sources/{source_id}.md",
    }


def write_manifest(kb: Path, entries: list[dict[str, object]]) -> None:
    """Write sources.yaml."""
    (kb / "sources.yaml").write_text(
        yaml.safe_dump({"sources": entries}, allow_unicode=True), encoding="utf-8"
    )


@pytest.fixture
def small_kb(tmp_path: Path) -> Path:
    """A three-source knowledge base in a temporary folder."""
    kb = tmp_path / "kb"
    entries = [
        write_source(kb, sid, lang, topics, body) for sid, (lang, topics, body) in SMALL_SOURCES.items()
    ]
    write_manifest(kb, entries)
    return kb


@pytest.fixture
def small_settings(small_kb: Path, tmp_path: Path) -> Settings:
    """Settings for the small knowledge base with the fast hashing embedder."""
    return Settings(kb_dir=small_kb, data_dir=tmp_path / "data", embedding_model=HASHING_MODEL)


def ingest(settings: StoreSettings, **kwargs: bool) -> object:
    """Run ingestion with the configured embedder."""
    return run(settings, lambda: load_embedder(settings.embedding_model), **kwargs)


@pytest.fixture(scope="session")
def real_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings for the shipped corpus embedded once per session with the real model."""
    data = tmp_path_factory.mktemp("real-data")
    settings = Settings(data_dir=data)
    run(settings, lambda: load_embedder(settings.embedding_model))
    return settings


@pytest.fixture(scope="session")
def real_pipeline(real_settings: Settings) -> Pipeline:
    """The real pipeline over the shipped corpus."""
    return build_pipeline(real_settings)
