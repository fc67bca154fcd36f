"""Crash safety: ingestion killed at random points, and readers facing a corrupt store version."""

from __future__ import annotations

import logging
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.pipeline import build_pipeline
from bot.settings import Settings
from ingest.sync import Summary
from knowledge_base.store import LocalStore, StoreCorruptError, read_all
from tests.conftest import REPO, ingest, write_manifest, write_source

pytestmark = [pytest.mark.integration, pytest.mark.slow]
QUESTION = "Who may declare war on behalf of the people?"


def big_kb(kb: Path, edition: int) -> None:
    """A knowledge base of 40 sources; edition 2 edits ten, retracts one and adds one."""
    entries = []
    for n in range(40):
        body = "\n\n".join(
            f"## Part {p}\nSource {n} paragraph {p} explains that only the state may declare war, and that "
            f"private groups have no such authority. Edition {edition if n < 10 else 1}."
            for p in range(6)
        )
        status = "retracted" if (edition == 2 and n == 39) else "approved"
        entries.append(
            write_source(kb, f"source-{n:02d}", "en", ["jihad_authority"], f"# Source {n}\n{body}", status)
        )
    if edition == 2:
        entries.append(
            write_source(
                kb,
                "source-new",
                "en",
                ["peace_coexistence"],
                "# New\nLife is sacred, and every tradition in the sample says so plainly.",
            )
        )
    write_manifest(kb, entries)


def snapshot(settings: Settings) -> dict[str, tuple[str, str, list[float]]]:
    """Everything the live version holds, comparable across stores."""
    store = settings.open_store()
    assert isinstance(store, LocalStore)
    version = store.current()
    assert version is not None
    chunks = read_all(store.open(version))
    store.release()
    return {
        c.id: (c.text, repr(sorted(c.metadata.items())), [round(x, 5) for x in c.embedding]) for c in chunks
    }


def test_killed_ingestion_never_breaks_the_bot_and_converges(tmp_path: Path) -> None:
    """SIGKILL at random points leaves a store the bot answers from; the next run equals a clean run."""
    kb = tmp_path / "kb"
    big_kb(kb, edition=1)
    settings = Settings(kb_dir=kb, data_dir=tmp_path / "data", embedding_model="hashing-384", min_score=0.05)
    first = ingest(settings)
    assert isinstance(first, Summary)
    big_kb(kb, edition=2)
    env = {
        **os.environ,
        "RAHNUMA_KB_DIR": str(kb),
        "RAHNUMA_DATA_DIR": str(settings.data_dir),
        "RAHNUMA_EMBEDDING_MODEL": "hashing-384",
    }
    rng = random.Random(20261125)
    live_versions = {first.version}
    kills = 0
    for _ in range(5):
        child = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "ingest", "--quiet"],
            cwd=REPO,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(rng.uniform(0.3, 3.0))
        if child.poll() is None:
            os.kill(child.pid, signal.SIGKILL)
        kills += child.wait() == -signal.SIGKILL
        store = settings.open_store()
        live_versions.add(store.current())
        answer = build_pipeline(settings).ask(QUESTION)
        assert answer.citations, "the bot must keep answering after a killed ingestion"
    final = ingest(settings)
    assert isinstance(final, Summary)
    clean = settings.model_copy(update={"data_dir": tmp_path / "clean"})
    ingest(clean)
    assert snapshot(settings) == snapshot(clean)
    assert None not in live_versions
    assert kills >= 3, "most runs must really be killed part-way for the test to mean anything"


def corrupt(folder: Path) -> None:
    """Overwrite every file of a store version with junk."""
    for path in folder.rglob("*"):
        if path.is_file():
            path.write_bytes(os.urandom(4096))


def test_reader_falls_back_from_a_corrupt_version(
    small_settings: Settings, small_kb: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A corrupt live version is skipped for the previous one, with a warning saying so."""
    first = ingest(small_settings)
    path = small_kb / "sources" / "polio-note.md"
    path.write_text(
        path.read_text(encoding="utf-8") + "\n\nOne more sentence that is long enough.\n", encoding="utf-8"
    )
    second = ingest(small_settings)
    assert isinstance(first, Summary) and isinstance(second, Summary) and second.version
    store = small_settings.open_store()
    assert isinstance(store, LocalStore)
    corrupt(store.path_of(second.version))
    with caplog.at_level(logging.WARNING):
        pipeline = build_pipeline(small_settings)
    assert pipeline.store_version == first.version
    assert "unusable" in caplog.text
    assert pipeline.ask("Who may declare war?").citations


def test_reader_with_no_usable_version_gets_a_clear_error(small_settings: Settings) -> None:
    """When every version is corrupt the error says to rebuild, and the process survives."""
    summary = ingest(small_settings)
    assert isinstance(summary, Summary) and summary.version
    store = small_settings.open_store()
    assert isinstance(store, LocalStore)
    corrupt(store.path_of(summary.version))
    with pytest.raises(StoreCorruptError, match="rahnuma ingest --rebuild"):
        build_pipeline(small_settings)
