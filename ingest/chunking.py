"""Split a loaded source into chunks with a paragraph-respecting langchain splitter, and build their metadata."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from langchain_text_splitters import RecursiveCharacterTextSplitter

from ingest.loaders import LoadedDocument
from knowledge_base.manifest import Source
from knowledge_base.store import chunk_id

CHUNKER_VERSION = 1
# Paragraphs first, then lines, then sentence ends in Latin and Urdu script (۔ ؟), then words.
SEPARATORS = ["\n\n", "\n", "۔ ", "؟ ", ". ", "? ", "! ", "; ", ", ", " ", ""]


@dataclass(frozen=True)
class Chunk:
    """A chunk ready to embed: its id, text and metadata (the store contract's fields)."""

    id: str
    text: str
    metadata: dict[str, Any]


def source_hash(source: Source, file_bytes: bytes, chunk_size: int, chunk_overlap: int, model: str) -> str:
    """A hash of everything that shapes a source's chunks: unchanged hash, unchanged chunks."""
    digest = hashlib.sha256()
    digest.update(file_bytes)
    digest.update(source.model_dump_json().encode())
    digest.update(json.dumps([CHUNKER_VERSION, chunk_size, chunk_overlap, model]).encode())
    return digest.hexdigest()


def _locator(where: str | None, heading: str | None, title: str) -> str | None:
    parts = [p for p in (where, heading) if p and p != title]
    return " — ".join(parts) if parts else None


def chunk_document(
    source: Source, document: LoadedDocument, content_hash: str, chunk_size: int, chunk_overlap: int
) -> list[Chunk]:
    """Split each section of a document; every chunk carries the source's metadata and a stable id."""
    splitter = RecursiveCharacterTextSplitter(
        chunk_size=chunk_size,
        chunk_overlap=min(chunk_overlap, chunk_size // 2),
        separators=SEPARATORS,
        keep_separator="end",
        strip_whitespace=True,
    )
    where = document.front_matter.get("where") or source.locator
    chunks: list[Chunk] = []
    for section in document.sections:
        locator = _locator(str(where) if where else None, section.locator, source.title)
        for piece in splitter.split_text(section.text):
            text = piece.strip()
            if len(text) < 20:  # a stray heading or a page number carries nothing to cite
                continue
            index = len(chunks)
            metadata: dict[str, Any] = {
                "source_id": source.id,
                "title": source.title,
                "attribution": source.attribution,
                "language": source.language,
                "topics": list(source.topics),
                "locator": locator or "",
                "url": source.url or "",
                "year": source.year or 0,  # Chroma metadata has no null; 0 means "no single year" (scripture)
                "chunk_index": index,
                "source_hash": content_hash,
            }
            chunks.append(Chunk(chunk_id(source.id, index, text), text, metadata))
    return chunks
