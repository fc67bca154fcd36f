"""Answer-level measures: citation validity, groundedness, language match, readability, length.

Readability (documented here and in the README, one simple measure a language):
- ``en``: Flesch reading ease, syllables estimated from vowel groups (60-70 is plain English for a teenager).
- ``roman_ur`` and ``ur``: average words per sentence (lower is easier; under 20 reads easily on a phone).
Groundedness: for every answer sentence after the opener, the best cosine similarity to a sentence of the
passage it cites; an extractive answer scores close to 1, a paraphrase lower, an invention lowest.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Any

import numpy as np

from bot.compose import sentences
from bot.language import detect_language
from bot.types import Result
from knowledge_base.embedding import Embedder

MARKER = re.compile(r"\[(\d+)\]")
WORD = re.compile(r"\w+")


def flesch(text: str) -> float:
    """Flesch reading ease of English text."""
    words = WORD.findall(text)
    if not words:
        return 0.0
    sentence_count = max(1, len(re.findall(r"[.!?]+", text)))
    syllables = sum(max(1, len(re.findall(r"[aeiouy]+", w.lower()))) for w in words)
    return round(206.835 - 1.015 * len(words) / sentence_count - 84.6 * syllables / len(words), 1)


def words_per_sentence(text: str) -> float:
    """Average words per sentence (Latin or Urdu punctuation)."""
    parts = [p for p in re.split(r"[.!?۔؟]+", text) if WORD.search(p)]
    return round(sum(len(WORD.findall(p)) for p in parts) / len(parts), 1) if parts else 0.0


def readability(text: str, language: str) -> dict[str, float]:
    """The documented readability measure for the language."""
    if language == "en":
        return {"flesch": flesch(text)}
    return {"words_per_sentence": words_per_sentence(text)}


def measure(result: Result, embedder: Embedder, approved: Collection[str]) -> dict[str, Any]:
    """Every answer measure of one result (empty when the reply cites nothing)."""
    body = MARKER.sub("", "\n".join(result.answer.splitlines()[1:]) if result.citations else result.answer)
    out: dict[str, Any] = {"length": len(result.answer)}
    out.update(readability(body, result.question.language))
    if not result.citations:
        return out
    retrieved = {p.chunk_id: p for p in result.passages}
    numbers = {int(n) for n in MARKER.findall(result.answer)}
    cited = {c.n: c for c in result.citations}
    out["citation_valid"] = numbers == set(cited) and all(
        c.source_id in approved and c.chunk_id in retrieved for c in result.citations
    )
    scores: list[float] = []
    for line in result.answer.splitlines()[1:]:
        match = MARKER.search(line)
        if not match or int(match.group(1)) not in cited:
            continue
        passage = retrieved.get(cited[int(match.group(1))].chunk_id)
        claims = sentences(MARKER.sub("", line)) or [MARKER.sub("", line).strip()]
        support = sentences(passage.text) if passage else []
        if not support:
            scores.extend(0.0 for _ in claims)
            continue
        similarity = embedder.embed(claims) @ embedder.embed(support).T
        scores.extend(float(s) for s in np.max(similarity, axis=1))
    out["groundedness"] = round(float(np.mean(scores)), 4) if scores else 0.0
    answer_language = detect_language(body)
    out["language_match"] = answer_language == result.question.language
    return out
