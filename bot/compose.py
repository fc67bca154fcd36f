"""Compose a short, cited answer from retrieved passages, without any language model.

The answer is extractive: every sentence after the opener is a sentence of a cited passage, so it never
states what its sources do not. Passages in the question's language are used when there are any.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bot.replies import INTRO, OPENERS, pick
from bot.types import Citation, Passage, Question
from knowledge_base.embedding import Embedder, Vectors

SENTENCE_END = re.compile(r"(?<=[.!?۔؟])\s+")


@dataclass(frozen=True)
class ComposeSettings:
    """How much an answer may hold."""

    max_sources: int = 3
    sentences_per_source: int = 2
    max_chars: int = 900


def sentences(text: str) -> list[str]:
    """Split a passage into sentences (Latin and Urdu punctuation), dropping fragments."""
    parts = [s.strip() for s in SENTENCE_END.split(text.replace("\n", " "))]
    return [s for s in parts if len(s) >= 25]


def choose_passages(question: Question, relevant: Sequence[Passage], limit: int) -> list[Passage]:
    """Up to ``limit`` passages from distinct sources, in the question's language when there are any."""
    same = [p for p in relevant if p.language == question.language]
    pool = same or list(relevant)
    chosen: list[Passage] = []
    for passage in pool:
        if passage.source_id not in {c.source_id for c in chosen}:
            chosen.append(passage)
        if len(chosen) == limit:
            break
    return chosen


def sentence_vectors(
    passage: Passage, group: list[str], embedder: Embedder, cache: dict[str, Vectors] | None
) -> Vectors:
    """The embeddings of a passage's sentences, computed once per process when a cache is given."""
    if cache is None:
        return embedder.embed(group)
    if passage.chunk_id not in cache:
        cache[passage.chunk_id] = embedder.embed(group)
    return cache[passage.chunk_id]


def compose_answer(
    question: Question,
    category: str,
    relevant: Sequence[Passage],
    embedder: Embedder,
    vector: Sequence[float] | Vectors,
    settings: ComposeSettings | None = None,
    cache: dict[str, Vectors] | None = None,
) -> tuple[str, list[Citation]]:
    """An opener, then the passages' most relevant sentences, each group followed by its [n] marker."""
    settings = settings or ComposeSettings()
    chosen = choose_passages(question, relevant, settings.max_sources)
    per_passage = [sentences(p.text) or [p.text.strip()] for p in chosen]
    query = np.asarray(vector, dtype=np.float32)
    scores = (
        np.concatenate(
            [
                sentence_vectors(p, group, embedder, cache) @ query
                for p, group in zip(chosen, per_passage, strict=True)
            ]
        )
        if chosen
        else np.zeros(0)
    )
    opener = pick(OPENERS.get(category, INTRO), question.language)
    lines = [opener]
    citations: list[Citation] = []
    used = len(opener)
    offset = 0
    for passage, group in zip(chosen, per_passage, strict=True):
        group_scores = scores[offset : offset + len(group)]
        offset += len(group)
        best = sorted(np.argsort(-group_scores)[: settings.sentences_per_source].tolist())
        picked = [group[i] for i in best]
        n = len(citations) + 1
        line = " ".join(picked) + f" [{n}]"
        if citations and used + len(line) + 1 > settings.max_chars:
            break
        if not citations and used + len(line) + 1 > settings.max_chars:
            line = picked[0][: settings.max_chars - used - 8].rstrip() + f"… [{n}]"
        lines.append(line)
        used += len(line) + 1
        citations.append(
            Citation(
                n,
                passage.source_id,
                passage.title,
                passage.topics,
                passage.locator,
                passage.url,
                passage.chunk_id,
            )
        )
    return "\n".join(lines), citations
