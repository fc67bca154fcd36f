"""Tests for chunking: contract metadata, stable ids, locators, paragraph splits and source hashes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ingest.chunking import Chunk, chunk_document, source_hash
from ingest.loaders import LoadedDocument, Section, load
from knowledge_base.manifest import Source
from knowledge_base.store import CHUNK_FIELDS, chunk_id

MODEL = "sentence-transformers/all-MiniLM-L6-v2"


def make_source(**overrides: Any) -> Source:
    """A valid approved source, with any fields overridden."""
    raw: dict[str, Any] = {
        "id": "amman-message-2004",
        "title": "The Amman Message",
        "issuer": "Royal Aal al-Bayt Institute",
        "year": 2004,
        "language": "en",
        "topics": ["takfir", "sectarianism"],
        "url": "https://ammanmessage.com/",
        "license": "Paraphrased summary",
        "status": "approved",
        "reviewed_by": "A Reviewer",
        "reviewed_on": "2026-01-15",
        "path": "sources/amman-message-2004.md",
    }
    raw.update(overrides)
    return Source.model_validate(raw)


def document(*sections: tuple[str, str | None], **front: Any) -> LoadedDocument:
    """A loaded document from (text, locator) pairs and front-matter keywords."""
    return LoadedDocument(tuple(Section(text, locator) for text, locator in sections), dict(front))


TEXT_A = "The Amman Message forbids takfir between Muslims who follow the recognised schools."
TEXT_B = "Only qualified scholars may issue fatwas, according to the third of the Three Points."


def chunks_of(
    doc: LoadedDocument, source: Source | None = None, size: int = 500, overlap: int = 0
) -> list[Chunk]:
    """Chunk ``doc`` for ``source`` (the default source if None) with a fixed content hash."""
    return chunk_document(source or make_source(), doc, "hash-123", size, overlap)


# ---- metadata ----


def test_chunks_carry_exactly_the_contract_fields() -> None:
    """Every chunk's metadata has exactly the store contract's fields, filled from the source."""
    chunks = chunks_of(document((TEXT_A, "Point two"), (TEXT_B, "Point three"), where="The Three Points"))
    assert len(chunks) == 2
    for index, chunk in enumerate(chunks):
        assert set(chunk.metadata) == set(CHUNK_FIELDS)
        assert chunk.metadata["source_id"] == "amman-message-2004"
        assert chunk.metadata["title"] == "The Amman Message"
        assert chunk.metadata["attribution"] == "Royal Aal al-Bayt Institute"
        assert chunk.metadata["language"] == "en"
        assert chunk.metadata["topics"] == ["takfir", "sectarianism"]
        assert chunk.metadata["url"] == "https://ammanmessage.com/"
        assert chunk.metadata["year"] == 2004
        assert chunk.metadata["chunk_index"] == index
        assert chunk.metadata["source_hash"] == "hash-123"
    assert [c.text for c in chunks] == [TEXT_A, TEXT_B]


def test_metadata_has_no_nulls_for_missing_values() -> None:
    """A source with no url, no year and an author only still gives non-null, store-safe metadata."""
    source = make_source(url=None, year=None, issuer=None, author="A. Scholar", locator=None)
    (chunk,) = chunks_of(document((TEXT_A, None)), source)
    assert chunk.metadata["url"] == ""
    assert chunk.metadata["year"] == 0
    assert chunk.metadata["locator"] == ""
    assert chunk.metadata["attribution"] == "A. Scholar"
    for name, value in chunk.metadata.items():
        assert isinstance(value, str | int | float | bool | list), f"{name} is {value!r}"


def test_tiny_pieces_are_dropped_and_indexes_stay_contiguous() -> None:
    """A section too short to cite yields no chunk, and the next chunk's index does not skip."""
    chunks = chunks_of(document((TEXT_A, "A"), ("p. 3", "B"), (TEXT_B, "C")))
    assert [c.text for c in chunks] == [TEXT_A, TEXT_B]
    assert [c.metadata["chunk_index"] for c in chunks] == [0, 1]
    assert chunks[1].id.startswith("amman-message-2004::001::")


# ---- ids ----


def test_ids_are_stable_for_the_same_input() -> None:
    """Chunking the same document twice gives the same ids, and ids are unique within a source."""
    doc = document((TEXT_A, "Point two"), (TEXT_B, "Point three"))
    first = [c.id for c in chunks_of(doc)]
    second = [c.id for c in chunks_of(doc)]
    assert first == second
    assert len(set(first)) == len(first)
    assert first[0] == chunk_id("amman-message-2004", 0, TEXT_A)


def test_ids_and_hashes_are_stable_across_processes(tmp_path: Path) -> None:
    """A fresh interpreter with a different hash seed computes the same chunk ids and source hash."""
    script = (
        "import json, sys\n"
        "from ingest.chunking import chunk_document, source_hash\n"
        "from ingest.loaders import LoadedDocument, Section\n"
        "from knowledge_base.manifest import Source\n"
        "source = Source.model_validate(json.loads(sys.argv[1]))\n"
        "doc = LoadedDocument((Section(sys.argv[2], 'h'),), {'where': 'w'})\n"
        "ids = [c.id for c in chunk_document(source, doc, 'hash-123', 500, 0)]\n"
        "print(json.dumps([ids, source_hash(source, b'bytes', 500, 0, 'model')]))\n"
    )
    source = make_source()
    doc = document((TEXT_A, "h"), where="w")
    expected = [
        [c.id for c in chunk_document(source, doc, "hash-123", 500, 0)],
        source_hash(source, b"bytes", 500, 0, "model"),
    ]
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    done = subprocess.run(
        [sys.executable, "-c", script, source.model_dump_json(), TEXT_A],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=120,
    )
    assert json.loads(done.stdout.strip().splitlines()[-1]) == expected


def test_ids_change_when_text_changes() -> None:
    """Editing a chunk's text changes its id; the untouched chunk keeps its id."""
    before = chunks_of(document((TEXT_A, "Point two"), (TEXT_B, "Point three")))
    after = chunks_of(document((TEXT_A + " Edited.", "Point two"), (TEXT_B, "Point three")))
    assert before[0].id != after[0].id
    assert before[1].id == after[1].id


def test_ids_differ_for_the_same_text_at_another_position() -> None:
    """The same text twice in a source gives two distinct ids."""
    chunks = chunks_of(document((TEXT_A, "One"), (TEXT_A, "Two")))
    assert chunks[0].id != chunks[1].id


# ---- locators ----


def test_locator_combines_front_matter_where_and_heading() -> None:
    """The locator is the front matter's ``where`` and the section heading, joined."""
    (chunk,) = chunks_of(document((TEXT_A, "Point two"), where="The Three Points"))
    assert chunk.metadata["locator"] == "The Three Points — Point two"


def test_locator_falls_back_to_the_manifest_locator() -> None:
    """Without front matter the manifest's ``locator`` field stands in for ``where``."""
    source = make_source(locator="Article 25")
    with_heading, without_heading = chunks_of(document((TEXT_A, "Equality"), (TEXT_B, None)), source)
    assert with_heading.metadata["locator"] == "Article 25 — Equality"
    assert without_heading.metadata["locator"] == "Article 25"


def test_front_matter_where_overrides_manifest_locator() -> None:
    """Front matter ``where`` wins over the manifest's ``locator``."""
    (chunk,) = chunks_of(
        document((TEXT_A, None), where="Front where"), make_source(locator="Manifest locator")
    )
    assert chunk.metadata["locator"] == "Front where"


def test_heading_equal_to_title_is_left_out_of_the_locator() -> None:
    """A heading that merely repeats the source title adds nothing to the locator."""
    (chunk,) = chunks_of(document((TEXT_A, "The Amman Message"), where="The Three Points"))
    assert chunk.metadata["locator"] == "The Three Points"


def test_heading_alone_is_the_locator() -> None:
    """With no ``where`` anywhere, the section heading alone is the locator."""
    (chunk,) = chunks_of(document((TEXT_A, "p. 2")))
    assert chunk.metadata["locator"] == "p. 2"


def test_locator_from_a_loaded_markdown_file(tmp_path: Path) -> None:
    """A Markdown source's front matter ``where`` and its ## heading combine into the chunk locator."""
    path = tmp_path / "amman.md"
    path.write_text(f'---\nwhere: "The Three Points"\n---\n## Point two\n{TEXT_A}\n', encoding="utf-8")
    (chunk,) = chunks_of(load(path))
    assert chunk.metadata["locator"] == "The Three Points — Point two"
    assert chunk.text == TEXT_A


# ---- splitting ----

PARAGRAPHS = [f"Paragraph {i} says something worth citing about living together in peace." for i in range(12)]


@pytest.mark.parametrize("overlap", [0, 60])
def test_long_section_splits_below_chunk_size_at_paragraph_boundaries(overlap: int) -> None:
    """A long section becomes several chunks no longer than chunk_size, each made of whole paragraphs."""
    size = 250
    assert all(len(p) < size for p in PARAGRAPHS)
    chunks = chunks_of(document(("\n\n".join(PARAGRAPHS), "Long")), size=size, overlap=overlap)
    assert len(chunks) >= 3
    for chunk in chunks:
        assert len(chunk.text) <= size
        assert all(part in PARAGRAPHS for part in chunk.text.split("\n\n")), chunk.text
        assert chunk.metadata["locator"] == "Long"
    covered = [part for chunk in chunks for part in chunk.text.split("\n\n")]
    assert set(covered) == set(PARAGRAPHS)
    if overlap == 0:
        assert covered == PARAGRAPHS


@pytest.mark.parametrize(
    ("sentence", "end"),
    [("Life is sacred and no one may take it unlawfully. ", "."), ("جان کی حرمت ہر مذہب میں ہے۔ ", "۔")],
    ids=["english", "urdu"],
)
def test_overlong_paragraph_splits_at_sentence_ends(sentence: str, end: str) -> None:
    """A single paragraph longer than chunk_size splits at sentence ends (Latin or Urdu), within the size."""
    text = (sentence * 12).strip()
    chunks = chunks_of(document((text, None)), size=120, overlap=0)
    assert len(chunks) >= 2
    for chunk in chunks:
        assert len(chunk.text) <= 120
        assert chunk.text.endswith(end), chunk.text


def test_short_section_is_one_chunk() -> None:
    """A section shorter than chunk_size is kept whole."""
    text = "\n\n".join(PARAGRAPHS[:2])
    (chunk,) = chunks_of(document((text, None)), size=1000)
    assert chunk.text == text


# ---- source_hash ----

BYTES = b"---\nwhere: x\n---\n## H\nSome text.\n"


def base_hash(**changes: Any) -> str:
    """``source_hash`` of the default inputs with some of them changed."""
    args: dict[str, Any] = {
        "source": make_source(),
        "file_bytes": BYTES,
        "chunk_size": 900,
        "chunk_overlap": 120,
        "model": MODEL,
    }
    args.update(changes)
    return source_hash(**args)


def test_source_hash_is_deterministic() -> None:
    """Equal inputs, including an equal but separately built source, give the same hash."""
    assert base_hash() == base_hash()
    assert base_hash(source=make_source(topics=("takfir", "sectarianism"))) == base_hash()
    assert base_hash(file_bytes=bytes(bytearray(BYTES))) == base_hash()
    assert len(base_hash()) == 64


@pytest.mark.parametrize(
    "changes",
    [
        {"file_bytes": BYTES + b"More.\n"},
        {"file_bytes": BYTES.replace(b"Some", b"Same")},
        {"source": make_source(title="The Amman Message (2004)")},
        {"source": make_source(topics=["takfir"])},
        {"source": make_source(reviewed_by="Another Reviewer")},
        {"source": make_source(locator="Point two")},
        {"source": make_source(url=None)},
        {"chunk_size": 901},
        {"chunk_overlap": 121},
        {"model": "intfloat/multilingual-e5-small"},
    ],
    ids=[
        "bytes-appended",
        "bytes-edited",
        "title",
        "topics",
        "reviewer",
        "locator",
        "url",
        "chunk-size",
        "chunk-overlap",
        "model",
    ],
)
def test_source_hash_changes_with_each_input(changes: dict[str, Any]) -> None:
    """Changing the file bytes, the source's metadata, a chunk setting or the model changes the hash."""
    assert base_hash(**changes) != base_hash()


def test_source_hash_does_not_confuse_size_and_overlap() -> None:
    """Swapping chunk size and overlap values gives a different hash."""
    assert base_hash(chunk_size=120, chunk_overlap=900) != base_hash()
