"""The ingestion job: plan what changed, build a new store version, verify it, switch to it.

Only approved sources are embedded. Unchanged sources (same content hash) are copied from the live
version with their embeddings; changed ones are re-chunked and re-embedded; retracted or removed ones
are left out. Any bad source stops the run before anything is written, and the live version is only
replaced once the new one has been opened and queried in a child process.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from ingest.chunking import Chunk, chunk_document, source_hash
from ingest.loaders import LoaderError, load
from knowledge_base.config import StoreSettings
from knowledge_base.embedding import Embedder
from knowledge_base.manifest import Manifest, Source, load_manifest
from knowledge_base.store import (
    ModelMismatchError,
    StoredChunk,
    StoreError,
    VersionedStore,
    check_compatible,
    read_all,
    search_text,
    source_hashes,
)

log = logging.getLogger(__name__)
ADD_BATCH = 64


class ProgressLike(Protocol):
    """What ``run`` needs of a progress bar."""

    def update(self, n: int) -> object:
        """Advance by n."""

    def close(self) -> None:
        """Finish the bar."""


class SourceErrors(Exception):
    """One or more sources could not be loaded; nothing was written."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{len(problems)} source(s) could not be read; the store was not changed\n{lines}")


@dataclass
class Plan:
    """What an ingestion run would do."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    rebuild: bool = False

    @property
    def changes(self) -> bool:
        """Whether anything differs from the live store."""
        return bool(self.added or self.updated or self.removed or self.rebuild)


@dataclass
class Summary:
    """The closing summary of a run."""

    plan: Plan
    version: str | None
    chunks: int
    embedded: int
    seconds: float
    dry_run: bool = False


@dataclass(frozen=True)
class Prepared:
    """An approved source, loaded and chunked."""

    source: Source
    content_hash: str
    chunks: list[Chunk]


def prepare(manifest: Manifest, settings: StoreSettings) -> dict[str, Prepared]:
    """Load and chunk every approved source; collect every failure and raise them together."""
    prepared: dict[str, Prepared] = {}
    problems: list[str] = []
    for source in manifest.approved():
        path = manifest.file_of(source)
        try:
            document = load(path)
            content_hash = source_hash(
                source,
                path.read_bytes(),
                settings.chunk_size,
                settings.chunk_overlap,
                settings.embedding_model,
            )
            chunks = chunk_document(
                source, document, content_hash, settings.chunk_size, settings.chunk_overlap
            )
            if not chunks:
                raise LoaderError(f"{path}: no chunk long enough to cite")
        except (LoaderError, OSError) as exc:
            problems.append(f"source {source.id!r}: {exc}")
            continue
        prepared[source.id] = Prepared(source, content_hash, chunks)
    if problems:
        raise SourceErrors(problems)
    return prepared


def live_state(store: VersionedStore, model: str, rebuild: bool) -> tuple[str | None, dict[str, str]]:
    """The live version and its per-source hashes; refuse a store built with another model."""
    version = store.current()
    if version is None:
        return None, {}
    collection = store.open(version)
    if not rebuild:
        check_compatible(collection.metadata, model, f"store version {version}")
    return version, source_hashes(collection)


def make_plan(prepared: dict[str, Prepared], stored: dict[str, str], rebuild: bool) -> Plan:
    """Compare the prepared sources with the live store."""
    plan = Plan(rebuild=rebuild)
    for source_id, item in sorted(prepared.items()):
        if source_id not in stored:
            plan.added.append(source_id)
        elif rebuild or stored[source_id] != item.content_hash:
            plan.updated.append(source_id)
        else:
            plan.unchanged.append(source_id)
    plan.removed = sorted(set(stored) - set(prepared))
    return plan


def _add(
    collection: object,
    ids: list[str],
    texts: list[str],
    metas: list[dict[str, object]],
    vectors: list[list[float]],
) -> None:
    collection.add(ids=ids, documents=texts, metadatas=metas, embeddings=vectors)  # type: ignore[attr-defined]


def build_version(
    store: VersionedStore,
    embedder: Embedder,
    prepared: dict[str, Prepared],
    plan: Plan,
    live_version: str | None,
    progress: Callable[[int], object] | None = None,
) -> tuple[str, int, int]:
    """Write a complete new version; return its name, its chunk count and how many chunks were embedded."""
    kept: list[StoredChunk] = []
    if live_version is not None and plan.unchanged:
        unchanged = set(plan.unchanged)
        kept = [c for c in read_all(store.open(live_version)) if c.metadata.get("source_id") in unchanged]
    version, collection = store.create(embedder.name, embedder.dimension)
    for start in range(0, len(kept), ADD_BATCH):
        old = kept[start : start + ADD_BATCH]
        _add(
            collection,
            [c.id for c in old],
            [c.text for c in old],
            [c.metadata for c in old],
            [c.embedding for c in old],
        )
    fresh = [chunk for sid in plan.added + plan.updated for chunk in prepared[sid].chunks]
    for start in range(0, len(fresh), ADD_BATCH):
        batch = fresh[start : start + ADD_BATCH]
        vectors = embedder.embed([search_text(c.metadata, c.text) for c in batch])
        _add(
            collection,
            [c.id for c in batch],
            [c.text for c in batch],
            [c.metadata for c in batch],
            vectors.tolist(),
        )
        if progress is not None:
            progress(len(batch))
    return version, len(kept) + len(fresh), len(fresh)


def run(
    settings: StoreSettings,
    embedder_factory: Callable[[], Embedder],
    *,
    dry_run: bool = False,
    rebuild: bool = False,
    store: VersionedStore | None = None,
    progress_factory: Callable[[int], ProgressLike] | None = None,
) -> Summary:
    """Run one ingestion; the store is unchanged unless the whole run succeeds."""
    started = time.perf_counter()
    manifest = load_manifest(settings.kb_dir)
    prepared = prepare(manifest, settings)
    store = store or settings.open_store()
    with store.writer_lock():
        discarded = store.discard_unpromoted()
        if discarded:
            log.warning("removed %d unfinished store version(s) left by an interrupted run", len(discarded))
        live_version, stored = live_state(store, settings.embedding_model, rebuild)
        plan = make_plan(prepared, stored, rebuild)
        if dry_run or not plan.changes:
            total = sum(len(prepared[s].chunks) for s in prepared)
            return Summary(plan, live_version, total, 0, time.perf_counter() - started, dry_run=dry_run)
        embedder = embedder_factory()
        if embedder.name != settings.embedding_model:
            raise ModelMismatchError(
                f"embedder {embedder.name!r} is not the configured {settings.embedding_model!r}"
            )
        to_embed = sum(len(prepared[s].chunks) for s in plan.added + plan.updated)
        bar = progress_factory(to_embed) if progress_factory else None
        try:
            version, count, embedded = build_version(
                store, embedder, prepared, plan, live_version, bar.update if bar else None
            )
        finally:
            if bar is not None:
                bar.close()
        probe = embedder.embed(["sanctity of life"])[0].tolist()
        store.release()
        store.verify(version, count, probe)
        store.promote(version, settings.keep_versions)
        log.info("store version %s is live with %d chunks", version, count)
        return Summary(plan, version, count, embedded, time.perf_counter() - started)


__all__ = [
    "Plan",
    "SourceErrors",
    "StoreError",
    "Summary",
    "make_plan",
    "prepare",
    "run",
]
