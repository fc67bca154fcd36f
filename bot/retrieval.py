"""Retrieval: dense search in Chroma and lexical BM25, fused by reciprocal rank, preferring the question's language.

The index is loaded once: chunks, metadata and embeddings come from the live store version, the BM25
index is built in memory (the corpus is small), and Chroma answers the dense query.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from bot.normalise import normalise
from bot.types import Passage, Question
from knowledge_base.embedding import Vectors
from knowledge_base.store import StoredChunk, read_all, search_text

log = logging.getLogger(__name__)
TOKEN = re.compile(r"\w\w+", re.UNICODE)
RRF_K = 60
# Frequent words that carry no topic, in the three languages (BM25 would otherwise reward them).
STOPWORDS = frozenset(
    "the a an is are was were be of to in on and or for with what why how who when where does do did "
    "can should would could it this that i you my your we they about not if say says from by as at me "
    "our kya hai hain ke ki ka ko se main mein aur yeh ye woh wo bhi koi kuch to hi nahi par liye kar "
    "karna کیا ہے ہیں کے کی کا کو سے میں اور یہ وہ بھی کوئی کچھ تو ہی نہیں پر لیے کر کرنا".split()
)
MODES = ("dense", "bm25", "hybrid")


def tokens(text: str) -> list[str]:
    """Lexical tokens of a text: normalised words of two letters or more, without stop words."""
    return [t for t in TOKEN.findall(normalise(text)) if t not in STOPWORDS]


@dataclass(frozen=True)
class RetrievalSettings:
    """How many candidates each retriever gives, how many are kept, and the relevance thresholds."""

    candidates: int = 20
    top_k: int = 5
    language_boost: float = 1.5
    min_score: float = 0.32  # cosine similarity a passage needs to count as relevant on its own
    min_lexical: float = 4.0  # BM25 score that makes a passage relevant when the dense score is weaker
    lexical_floor: float = 0.15  # ... provided its cosine similarity is at least this
    mode: str = "hybrid"
    # all-MiniLM-L6-v2 was trained on English: on Urdu script its similarities are close to noise, while
    # BM25 finds the right Urdu passage (benchmarks/retrieval_modes.md). So Urdu questions lean on BM25,
    # and a passage needs lexical evidence to count as relevant to one.
    urdu_dense_weight: float = 0.0


class Retriever:
    """Hybrid retrieval over one store version."""

    def __init__(self, collection: Any, settings: RetrievalSettings | None = None) -> None:
        import bm25s

        logging.getLogger("bm25s").setLevel(max(logging.WARNING, log.getEffectiveLevel()))
        self.collection = collection
        self.settings = settings or RetrievalSettings()
        self.chunks: list[StoredChunk] = read_all(collection)
        self.by_id = {c.id: i for i, c in enumerate(self.chunks)}
        self.matrix: Vectors = (
            np.asarray([c.embedding for c in self.chunks], dtype=np.float32)
            if self.chunks
            else np.zeros((0, 1), dtype=np.float32)
        )
        corpus = [tokens(search_text(c.metadata, c.text)) or ["_"] for c in self.chunks]
        self.bm25 = bm25s.BM25()
        if corpus:
            self.bm25.index(corpus, show_progress=False)
        log.info("retrieval index ready: %d chunks", len(self.chunks))

    def __len__(self) -> int:
        return len(self.chunks)

    def dense(self, vector: Sequence[float] | Vectors, k: int) -> list[tuple[int, float]]:
        """Chunk positions and cosine similarities from Chroma, best first."""
        if not self.chunks:
            return []
        got = self.collection.query(
            query_embeddings=[list(map(float, vector))],
            n_results=min(k, len(self.chunks)),
            include=["distances"],
        )
        return [
            (self.by_id[cid], 1.0 - float(d))
            for cid, d in zip(got["ids"][0], got["distances"][0], strict=True)
            if cid in self.by_id
        ]

    def lexical(self, text: str, k: int) -> list[tuple[int, float]]:
        """Chunk positions and BM25 scores, best first (only positive scores)."""
        query = tokens(text)
        if not self.chunks or not query:
            return []
        ids, scores = self.bm25.retrieve(
            [query], k=min(k, len(self.chunks)), show_progress=False, n_threads=1
        )
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if s > 0]

    def search(
        self, question: Question, vector: Sequence[float] | Vectors, mode: str | None = None
    ) -> list[Passage]:
        """The best passages for a question, fused and ordered, with their scores."""
        mode = mode or self.settings.mode
        if mode not in MODES:
            raise ValueError(f"retrieval mode must be one of {MODES}, got {mode!r}")
        k = self.settings.candidates
        dense = self.dense(vector, k) if mode in ("dense", "hybrid") else []
        lexical = self.lexical(question.normalised, k) if mode in ("bm25", "hybrid") else []
        fused: dict[int, float] = {}
        dense_weight = self.settings.urdu_dense_weight if question.language == "ur" else 1.0
        for weight, ranking in ((dense_weight, dense), (1.0, lexical)):
            for rank, (position, _) in enumerate(ranking):
                fused[position] = fused.get(position, 0.0) + weight / (RRF_K + rank + 1)
        lexical_scores = dict(lexical)
        cosine = self.matrix @ np.asarray(vector, dtype=np.float32) if self.chunks else np.zeros(0)
        for position in fused:
            if self.chunks[position].metadata.get("language") == question.language:
                fused[position] *= self.settings.language_boost
        order = sorted(fused, key=lambda pos: fused[pos], reverse=True)[: self.settings.top_k]
        return [
            self._passage(pos, float(cosine[pos]), lexical_scores.get(pos, 0.0), fused[pos]) for pos in order
        ]

    def _passage(self, position: int, score: float, lexical: float, fused: float) -> Passage:
        chunk = self.chunks[position]
        meta = chunk.metadata
        return Passage(
            chunk_id=chunk.id,
            source_id=str(meta["source_id"]),
            text=chunk.text,
            title=str(meta.get("title", "")),
            language=str(meta.get("language", "")),
            topics=tuple(meta.get("topics") or ()),
            locator=str(meta.get("locator") or "") or None,
            url=str(meta.get("url") or "") or None,
            score=score,
            lexical=lexical,
            fused=fused,
        )

    def is_relevant(self, passage: Passage, language: str = "en") -> bool:
        """Whether a passage is close enough to the question to be cited."""
        s = self.settings
        if language == "ur":
            return passage.lexical >= s.min_lexical
        return passage.score >= s.min_score or (
            passage.lexical >= s.min_lexical and passage.score >= s.lexical_floor
        )
