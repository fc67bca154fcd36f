"""The same ingestion and retrieval against a real Chroma server (`chroma run`) on 127.0.0.1."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.pipeline import build_pipeline
from bot.settings import Settings
from ingest.sync import Summary
from knowledge_base.store import ServerStore
from tests.conftest import SMALL_SOURCES, ingest, write_manifest, write_source

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def chroma_server(tmp_path: Path) -> Iterator[int]:
    """A `chroma run` server with its own folder; yields its port."""
    executable = shutil.which("chroma") or str(Path(sys.executable).with_name("chroma"))
    port = free_port()
    process = subprocess.Popen(
        [executable, "run", "--path", str(tmp_path / "server"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("chroma run did not start")
                time.sleep(0.2)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_ingest_and_query_through_a_chroma_server(
    small_settings: Settings, small_kb: Path, chroma_server: int
) -> None:
    """Ingestion, idempotent reruns, retraction and answering all work against the server."""
    settings = small_settings.model_copy(update={"chroma_host": "127.0.0.1", "chroma_port": chroma_server})
    first = ingest(settings)
    assert isinstance(first, Summary) and len(first.plan.added) == len(SMALL_SOURCES)
    assert isinstance(settings.open_store(), ServerStore)

    again = ingest(settings)
    assert isinstance(again, Summary) and not again.plan.changes and again.version == first.version

    pipeline = build_pipeline(settings)
    result = pipeline.ask("Who may declare war, the state or a private group?")
    assert result.citations and result.citations[0].source_id == "jihad-authority-note"

    entries = [
        write_source(
            small_kb, sid, lang, topics, body, "retracted" if sid == "jihad-authority-note" else "approved"
        )
        for sid, (lang, topics, body) in SMALL_SOURCES.items()
    ]
    write_manifest(small_kb, entries)
    third = ingest(settings)
    assert isinstance(third, Summary) and third.plan.removed == ["jihad-authority-note"]
    store = settings.open_store()
    assert store.history()[:2] == [third.version, first.version]
    answered = build_pipeline(settings).ask("Who may declare war, the state or a private group?")
    assert all(c.source_id != "jihad-authority-note" for c in answered.citations)
    assert all(p.source_id != "jihad-authority-note" for p in answered.passages)


def test_unreachable_server_is_a_clear_error(small_settings: Settings) -> None:
    """A wrong server address is reported as such."""
    settings = small_settings.model_copy(update={"chroma_host": "127.0.0.1", "chroma_port": free_port()})
    with pytest.raises(Exception, match="cannot reach the Chroma server"):
        ingest(settings)
