"""The contract of the Chroma store that ``ingest`` writes and ``bot`` reads.

The store is a rebuildable index, kept as *versions*: ingestion builds a new version beside the live one,
verifies it, then switches a pointer to it atomically and keeps a few previous versions. Locally each
version is its own Chroma persistent folder (a crashed writer can only damage a version nobody reads);
against a Chroma server each version is its own collection and the pointer is a small collection's metadata.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import json
import logging
import os
import secrets
import shutil
import subprocess
import sys
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

COLLECTION = "rahnuma-kb"
"""The collection name inside a local version folder, and the prefix of version collections on a server."""
SCHEMA_VERSION = 1
"""Bumped when chunk metadata or ids change shape; a store of another schema is rebuilt, never mixed."""

# Metadata carried by every chunk. ``topics`` is a list (Chroma 1.x stores arrays).
CHUNK_FIELDS = (
    "source_id",
    "title",
    "attribution",
    "language",
    "topics",
    "locator",
    "url",
    "year",
    "chunk_index",
    "source_hash",
)


def chunk_id(source_id: str, index: int, text: str) -> str:
    """A stable id: the same source, position and text always give the same id."""
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:10]
    return f"{source_id}::{index:03d}::{digest}"


def search_text(metadata: dict[str, Any], text: str) -> str:
    """The text that is embedded and indexed for a chunk: its title and locator give it context."""
    return f"{metadata.get('title', '')}. {metadata.get('locator') or ''}\n{text}"


@dataclass(frozen=True)
class StoredChunk:
    """A chunk as the store holds it."""

    id: str
    text: str
    metadata: dict[str, Any]
    embedding: list[float] = field(repr=False)


class StoreError(Exception):
    """The store cannot be used as asked; the message says why and what to do."""


class NoStoreError(StoreError):
    """Nothing has been ingested yet."""


class ModelMismatchError(StoreError):
    """The store was built with another embedding model or schema."""


class StoreCorruptError(StoreError):
    """A store version fails to open or to answer a query."""


def _chroma_settings() -> Any:
    from chromadb.config import Settings

    return Settings(anonymized_telemetry=False, allow_reset=False)


def collection_metadata(model: str, dimension: int) -> dict[str, Any]:
    """What a collection records about how it was built."""
    return {
        "embedding_model": model,
        "embedding_dimension": dimension,
        "schema_version": SCHEMA_VERSION,
        "built_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }


def check_compatible(metadata: dict[str, Any] | None, model: str, where: str) -> None:
    """Refuse a collection built with another model or schema."""
    metadata = metadata or {}
    built_with = metadata.get("embedding_model")
    if built_with != model:
        raise ModelMismatchError(
            f"{where} was built with embedding model {built_with!r}, but the configured model is {model!r}; "
            "run `rahnuma ingest --rebuild` to rebuild it with the configured model, or change "
            "RAHNUMA_EMBEDDING_MODEL back"
        )
    if metadata.get("schema_version") != SCHEMA_VERSION:
        raise ModelMismatchError(
            f"{where} uses store schema {metadata.get('schema_version')!r}, this version of Rahnuma uses "
            f"{SCHEMA_VERSION}; run `rahnuma ingest --rebuild`"
        )


def read_all(collection: Any, batch: int = 500) -> list[StoredChunk]:
    """Every chunk of a collection, with its embedding."""
    chunks: list[StoredChunk] = []
    total = collection.count()
    for offset in range(0, total, batch):
        got = collection.get(include=["documents", "metadatas", "embeddings"], limit=batch, offset=offset)
        for cid, doc, meta, emb in zip(
            got["ids"], got["documents"], got["metadatas"], got["embeddings"], strict=True
        ):
            chunks.append(StoredChunk(cid, doc or "", dict(meta or {}), [float(x) for x in emb]))
    return chunks


def source_hashes(collection: Any) -> dict[str, str]:
    """The content hash of every source in a collection, from its chunks' metadata."""
    hashes: dict[str, str] = {}
    total = collection.count()
    for offset in range(0, total, 1000):
        got = collection.get(include=["metadatas"], limit=1000, offset=offset)
        for meta in got["metadatas"]:
            if meta:
                hashes[str(meta["source_id"])] = str(meta["source_hash"])
    return hashes


class VersionedStore(ABC):
    """Versions of the knowledge-base index and the pointer to the live one."""

    description: str

    @abstractmethod
    def current(self) -> str | None:
        """The live version, or None before the first ingestion."""

    @abstractmethod
    def history(self) -> list[str]:
        """Promoted versions, newest first (the live one first)."""

    @abstractmethod
    def create(self, model: str, dimension: int) -> tuple[str, Any]:
        """Create an empty new version; return its name and its (writable) collection."""

    @abstractmethod
    def open(self, version: str) -> Any:
        """Open a version's collection in this process."""

    @abstractmethod
    def verify(self, version: str, expected_count: int, probe: Sequence[float] | None) -> None:
        """Prove that a version opens and answers a query without risking this process."""

    @abstractmethod
    def promote(self, version: str, keep_previous: int) -> None:
        """Make a version live atomically; keep ``keep_previous`` older ones, drop the rest."""

    @abstractmethod
    def discard_unpromoted(self) -> list[str]:
        """Delete versions that were never promoted (left by an interrupted ingestion)."""

    @contextlib.contextmanager
    def writer_lock(self) -> Iterator[None]:
        """Hold the lock that keeps two ingestions apart."""
        yield

    def release(self) -> None:  # noqa: B027 - optional hook
        """Let go of clients and files (before verification in a child, and at exit)."""


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def new_version_name() -> str:
    """A sortable, unique version name."""
    return dt.datetime.now(dt.UTC).strftime("v%Y%m%dT%H%M%S") + "-" + secrets.token_hex(3)


class LocalStore(VersionedStore):
    """Versions as Chroma persistent folders under ``root/versions``; the pointer is ``root/CURRENT``."""

    def __init__(self, root: Path, probe_timeout: float = 120.0) -> None:
        self.root = root
        self.versions_dir = root / "versions"
        self.pointer = root / "CURRENT"
        self.probe_timeout = probe_timeout
        self.description = f"the knowledge-base store in {root}"
        self._clients: dict[str, Any] = {}

    def _read_pointer(self) -> dict[str, Any]:
        try:
            data = json.loads(self.pointer.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {"current": None, "history": []}
        except (OSError, ValueError) as exc:
            raise StoreCorruptError(
                f"{self.pointer} is unreadable ({exc}); run `rahnuma ingest --rebuild`"
            ) from exc
        return dict(data)

    def current(self) -> str | None:
        """The live version, or None before the first ingestion."""
        value = self._read_pointer().get("current")
        return str(value) if value else None

    def history(self) -> list[str]:
        """Promoted versions, newest first."""
        return [str(v) for v in self._read_pointer().get("history", [])]

    def path_of(self, version: str) -> Path:
        """The folder of a version."""
        return self.versions_dir / version

    def _client(self, version: str) -> Any:
        import chromadb

        if version not in self._clients:
            self._clients[version] = chromadb.PersistentClient(
                path=str(self.path_of(version)), settings=_chroma_settings()
            )
        return self._clients[version]

    def create(self, model: str, dimension: int) -> tuple[str, Any]:
        """Create an empty version folder with its collection."""
        version = new_version_name()
        self.path_of(version).mkdir(parents=True)
        collection = self._client(version).create_collection(
            COLLECTION,
            metadata=collection_metadata(model, dimension),
            configuration={"hnsw": {"space": "cosine"}},
            embedding_function=None,
        )
        return version, collection

    def open(self, version: str) -> Any:
        """Open a version's collection."""
        if not self.path_of(version).is_dir():
            raise StoreCorruptError(f"store version {version} is missing from {self.versions_dir}")
        return self._client(version).get_collection(COLLECTION, embedding_function=None)

    def release(self) -> None:
        """Drop the Chroma clients this process holds."""
        self._clients.clear()
        with contextlib.suppress(Exception):
            from chromadb.api.shared_system_client import SharedSystemClient

            SharedSystemClient.clear_system_cache()

    def verify(self, version: str, expected_count: int, probe: Sequence[float] | None) -> None:
        """Open and query the version in a child process: a crash kills the child, not us."""
        result = probe_version(
            self.path_of(version), list(probe) if probe is not None else None, timeout=self.probe_timeout
        )
        if result.get("count") != expected_count:
            raise StoreCorruptError(
                f"store version {version} holds {result.get('count')} chunks, expected {expected_count}"
            )

    def promote(self, version: str, keep_previous: int) -> None:
        """Switch CURRENT to ``version`` atomically, then prune old versions."""
        history = [version] + [v for v in self.history() if v != version]
        kept, dropped = history[: keep_previous + 1], history[keep_previous + 1 :]
        tmp = self.pointer.with_suffix(".tmp")
        with open(tmp, "w", encoding="utf-8") as handle:
            json.dump({"current": version, "history": kept}, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, self.pointer)
        _fsync_dir(self.root)
        for old in dropped:
            shutil.rmtree(self.path_of(old), ignore_errors=True)

    def discard_unpromoted(self) -> list[str]:
        """Remove version folders that CURRENT never pointed at."""
        if not self.versions_dir.is_dir():
            return []
        known = set(self.history())
        gone = [p.name for p in self.versions_dir.iterdir() if p.is_dir() and p.name not in known]
        for name in gone:
            self._clients.pop(name, None)
            shutil.rmtree(self.path_of(name), ignore_errors=True)
        return gone

    @contextlib.contextmanager
    def writer_lock(self) -> Iterator[None]:
        """An exclusive file lock, released by the kernel if the writer dies."""
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / ".ingest.lock", "w") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise StoreError(
                    f"another ingestion is running on {self.root}; wait for it to finish"
                ) from None
            yield


def probe_version(path: Path, probe: list[float] | None, timeout: float = 120.0) -> dict[str, Any]:
    """Open a local version folder in a child process and return what it saw; raise on any failure."""
    command = [sys.executable, "-m", "knowledge_base.probe", str(path)]
    try:
        done = subprocess.run(
            command,
            input=json.dumps({"probe": probe}),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise StoreCorruptError(f"store version {path.name} did not open within {timeout:.0f} s") from None
    if done.returncode != 0:
        how = f"signal {-done.returncode}" if done.returncode < 0 else f"exit code {done.returncode}"
        detail = (done.stderr.strip().splitlines() or [""])[-1]
        raise StoreCorruptError(f"store version {path.name} failed to open ({how}) {detail}".rstrip())
    try:
        return dict(json.loads(done.stdout.strip().splitlines()[-1]))
    except (ValueError, IndexError):
        raise StoreCorruptError(f"store version {path.name}: the probe printed no result") from None


class ServerStore(VersionedStore):
    """Versions as collections on a Chroma server; the pointer is the metadata of a small collection."""

    def __init__(
        self, host: str, port: int, ssl: bool = False, prefix: str = COLLECTION, lock_dir: Path | None = None
    ) -> None:
        import chromadb

        self.prefix = prefix
        self.description = f"the knowledge-base collections on the Chroma server at {host}:{port}"
        self.lock_dir = lock_dir
        try:
            self.client = chromadb.HttpClient(host=host, port=port, ssl=ssl, settings=_chroma_settings())
            self.client.heartbeat()
        except Exception as exc:
            raise StoreError(f"cannot reach the Chroma server at {host}:{port}: {exc}") from exc

    @property
    def _pointer_name(self) -> str:
        return f"{self.prefix}-pointer"

    def _pointer(self) -> dict[str, Any]:
        collection = self.client.get_or_create_collection(self._pointer_name, embedding_function=None)
        meta = dict(collection.metadata or {})
        return {"current": meta.get("current"), "history": json.loads(str(meta.get("history", "[]")))}

    def _name(self, version: str) -> str:
        return f"{self.prefix}-{version}"

    def current(self) -> str | None:
        """The live version."""
        value = self._pointer()["current"]
        return str(value) if value else None

    def history(self) -> list[str]:
        """Promoted versions, newest first."""
        return [str(v) for v in self._pointer()["history"]]

    def create(self, model: str, dimension: int) -> tuple[str, Any]:
        """Create an empty version collection."""
        version = new_version_name()
        collection = self.client.create_collection(
            self._name(version),
            metadata=collection_metadata(model, dimension),
            configuration={"hnsw": {"space": "cosine"}},
            embedding_function=None,
        )
        return version, collection

    def open(self, version: str) -> Any:
        """Open a version collection."""
        try:
            return self.client.get_collection(self._name(version), embedding_function=None)
        except Exception as exc:
            raise StoreCorruptError(f"store version {version} is missing on the server: {exc}") from exc

    def verify(self, version: str, expected_count: int, probe: Sequence[float] | None) -> None:
        """The server process, not ours, takes the risk: check in-process."""
        collection = self.open(version)
        count = collection.count()
        if count != expected_count:
            raise StoreCorruptError(
                f"store version {version} holds {count} chunks, expected {expected_count}"
            )
        if probe is not None and count:
            collection.query(query_embeddings=[list(probe)], n_results=1)

    def promote(self, version: str, keep_previous: int) -> None:
        """Point at ``version`` with one metadata update, then drop old collections."""
        history = [version] + [v for v in self.history() if v != version]
        kept, dropped = history[: keep_previous + 1], history[keep_previous + 1 :]
        collection = self.client.get_or_create_collection(self._pointer_name, embedding_function=None)
        collection.modify(metadata={"current": version, "history": json.dumps(kept)})
        for old in dropped:
            with contextlib.suppress(Exception):
                self.client.delete_collection(self._name(old))

    def discard_unpromoted(self) -> list[str]:
        """Drop version collections the pointer never named."""
        known = set(self.history())
        gone = []
        for collection in self.client.list_collections():
            name = collection if isinstance(collection, str) else collection.name
            if name.startswith(self.prefix + "-v"):
                version = name.removeprefix(self.prefix + "-")
                if version not in known:
                    self.client.delete_collection(name)
                    gone.append(version)
        return gone

    @contextlib.contextmanager
    def writer_lock(self) -> Iterator[None]:
        """A local file lock: one ingestion per machine (run ingestion from one place)."""
        if self.lock_dir is None:
            yield
            return
        self.lock_dir.mkdir(parents=True, exist_ok=True)
        with open(self.lock_dir / ".ingest-server.lock", "w") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise StoreError("another ingestion is running; wait for it to finish") from None
            yield
