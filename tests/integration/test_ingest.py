"""Ingestion into a local versioned Chroma store: idempotence, updates, retraction, bad input, versions."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import Settings
from ingest.sync import SourceErrors, Summary
from knowledge_base.manifest import ManifestError
from knowledge_base.store import LocalStore, ModelMismatchError, read_all
from tests.conftest import SMALL_SOURCES, ingest, write_manifest, write_source

pytestmark = pytest.mark.integration


def store_of(settings: Settings) -> LocalStore:
    """The local store the settings point at."""
    store = settings.open_store()
    assert isinstance(store, LocalStore)
    return store


def contents(settings: Settings) -> dict[str, tuple[str, str]]:
    """Chunk id → (source id, text) of the live version."""
    store = store_of(settings)
    version = store.current()
    assert version is not None
    chunks = read_all(store.open(version))
    store.release()
    return {c.id: (c.metadata["source_id"], c.text) for c in chunks}


def entries(kb: Path, **status: str) -> list[dict[str, object]]:
    """Manifest entries for the small knowledge base, with some statuses changed."""
    return [
        write_source(kb, sid, lang, topics, body, status.get(sid, "approved"))
        for sid, (lang, topics, body) in SMALL_SOURCES.items()
    ]


def test_first_ingestion_adds_every_approved_source(small_settings: Settings) -> None:
    """A first run adds all sources, embeds every chunk and makes a live version."""
    summary = ingest(small_settings)
    assert isinstance(summary, Summary)
    assert sorted(summary.plan.added) == sorted(SMALL_SOURCES)
    assert summary.embedded == summary.chunks > 0
    stored = contents(small_settings)
    assert {sid for sid, _ in stored.values()} == set(SMALL_SOURCES)


def test_rerun_is_idempotent(small_settings: Settings) -> None:
    """Running again with nothing changed embeds nothing and keeps the same version."""
    first = ingest(small_settings)
    second = ingest(small_settings)
    assert isinstance(first, Summary) and isinstance(second, Summary)
    assert not second.plan.changes
    assert second.embedded == 0
    assert second.version == first.version
    assert sorted(second.plan.unchanged) == sorted(SMALL_SOURCES)


def test_changed_source_replaces_its_chunks_only(small_settings: Settings, small_kb: Path) -> None:
    """Editing one source re-embeds that source alone and keeps the others' chunk ids."""
    ingest(small_settings)
    before = contents(small_settings)
    path = small_kb / "sources" / "polio-note.md"
    path.write_text(
        path.read_text(encoding="utf-8") + "\n\n## New section\nVaccinators deserve protection "
        "and thanks from every community they serve.\n",
        encoding="utf-8",
    )
    summary = ingest(small_settings)
    assert isinstance(summary, Summary)
    assert summary.plan.updated == ["polio-note"]
    after = contents(small_settings)
    unchanged = {cid for cid, (sid, _) in before.items() if sid != "polio-note"}
    assert unchanged <= set(after)
    assert summary.embedded == sum(1 for sid, _ in after.values() if sid == "polio-note")
    assert any("Vaccinators deserve protection" in text for _, text in after.values())


def test_retracted_and_removed_sources_disappear(small_settings: Settings, small_kb: Path) -> None:
    """A retracted source, and one dropped from the manifest, leave the store on the next run."""
    ingest(small_settings)
    listed = entries(small_kb, **{"polio-note": "retracted"})
    write_manifest(small_kb, [e for e in listed if e["id"] != "takfir-note-ur"])
    summary = ingest(small_settings)
    assert isinstance(summary, Summary)
    assert summary.plan.removed == ["polio-note", "takfir-note-ur"]
    assert {sid for sid, _ in contents(small_settings).values()} == {"jihad-authority-note"}


def test_draft_sources_are_not_embedded(small_settings: Settings, small_kb: Path) -> None:
    """Only approved sources reach the store."""
    write_manifest(small_kb, entries(small_kb, **{"polio-note": "draft"}))
    ingest(small_settings)
    assert "polio-note" not in {sid for sid, _ in contents(small_settings).values()}


def test_dry_run_writes_nothing(small_settings: Settings) -> None:
    """A dry run reports the plan and creates no store version."""
    summary = ingest(small_settings, dry_run=True)
    assert isinstance(summary, Summary)
    assert summary.dry_run and len(summary.plan.added) == len(SMALL_SOURCES)
    assert store_of(small_settings).current() is None


def test_bad_source_leaves_the_store_as_it_was(small_settings: Settings, small_kb: Path) -> None:
    """A corrupt PDF stops the run, is named in the error, and the live version is untouched."""
    first = ingest(small_settings)
    assert isinstance(first, Summary)
    before = contents(small_settings)
    (small_kb / "sources" / "broken.pdf").write_bytes(b"%PDF-1.4 this is not really a pdf")
    listed = entries(small_kb)
    listed.append({**listed[0], "id": "broken-pdf", "path": "sources/broken.pdf"})
    write_manifest(small_kb, listed)
    with pytest.raises(SourceErrors) as caught:
        ingest(small_settings)
    assert "broken-pdf" in str(caught.value) and "broken.pdf" in str(caught.value)
    assert store_of(small_settings).current() == first.version
    assert contents(small_settings) == before


def test_invalid_manifest_leaves_the_store_as_it_was(small_settings: Settings, small_kb: Path) -> None:
    """A manifest error names the entry and field, and nothing is written."""
    first = ingest(small_settings)
    assert isinstance(first, Summary)
    listed = entries(small_kb)
    listed[1]["topics"] = ["not_a_topic"]
    write_manifest(small_kb, listed)
    with pytest.raises(ManifestError) as caught:
        ingest(small_settings)
    assert "polio-note" in str(caught.value) and "topics" in str(caught.value)
    assert store_of(small_settings).current() == first.version


def test_store_refuses_another_embedding_model(small_settings: Settings) -> None:
    """A store built with one model is not mixed with another; --rebuild re-embeds everything."""
    ingest(small_settings)
    other = small_settings.model_copy(update={"embedding_model": "hashing-256"})
    with pytest.raises(ModelMismatchError, match="hashing-384"):
        ingest(other)
    summary = ingest(other, rebuild=True)
    assert isinstance(summary, Summary)
    assert summary.embedded == summary.chunks
    store = store_of(other)
    version = store.current()
    assert version is not None
    assert store.open(version).metadata["embedding_model"] == "hashing-256"


def test_previous_versions_are_kept_and_pruned(small_settings: Settings, small_kb: Path) -> None:
    """Each change makes a new version; the live one and `keep_versions` previous ones remain."""
    settings = small_settings.model_copy(update={"keep_versions": 1})
    versions = []
    for n in range(3):
        path = small_kb / "sources" / "polio-note.md"
        path.write_text(
            path.read_text(encoding="utf-8") + f"\n\nEdit number {n} adds a sentence long enough.\n",
            encoding="utf-8",
        )
        summary = ingest(settings)
        assert isinstance(summary, Summary)
        versions.append(summary.version)
    store = store_of(settings)
    assert store.history() == [versions[2], versions[1]]
    assert sorted(p.name for p in store.versions_dir.iterdir()) == sorted(versions[1:])


def test_unfinished_version_is_discarded(small_settings: Settings) -> None:
    """A version folder left by a killed run is removed by the next run and never becomes live."""
    first = ingest(small_settings)
    assert isinstance(first, Summary)
    store = store_of(small_settings)
    stray = store.versions_dir / "v20000101T000000-abcdef"
    stray.mkdir()
    (stray / "chroma.sqlite3").write_bytes(b"half written")
    ingest(small_settings)
    assert not stray.exists()
    assert store.current() == first.version


def test_a_running_pipeline_switches_to_the_newly_ingested_version(small_settings: Settings) -> None:
    """After a new ingestion, a long-running pipeline picks the new version up; old versions may be pruned."""
    from bot.pipeline import build_pipeline, refresh_pipeline

    ingest(small_settings)
    pipeline = build_pipeline(small_settings)
    first = pipeline.store_version
    assert not refresh_pipeline(pipeline, small_settings), "nothing changed yet"
    kb = small_settings.kb_dir
    entries = [
        write_source(kb, sid, lang, topics, body) for sid, (lang, topics, body) in SMALL_SOURCES.items()
    ]
    entries.append(
        write_source(
            kb,
            "hate-speech-note",
            "en",
            ["hate_speech"],
            "# Hate speech\nDehumanising words prepare violence.",
        )
    )
    write_manifest(kb, entries)
    for _ in range(3):  # more runs than versions kept, so the first version's files are pruned
        ingest(small_settings, rebuild=True)
    assert refresh_pipeline(pipeline, small_settings)
    assert pipeline.store_version != first
    assert "hate-speech-note" in pipeline.approved
    result = pipeline.ask("Dehumanising words and hate speech")
    assert any(p.source_id == "hate-speech-note" for p in result.passages)
