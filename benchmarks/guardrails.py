"""How much classification adds to a message: p50/p95 of the guardrail layers on the safety set.

    python -m benchmarks.guardrails

The embedding is computed once per message and shared with retrieval, so it is reported on its own line;
"classify" is language detection, normalisation, redaction, patterns and the learned layer.
"""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path

from bot.guardrails.classifier import PatternClassifier
from bot.guardrails.learned import load_learned
from bot.guardrails.personal_data import redact
from bot.language import detect_language
from bot.normalise import normalise
from bot.types import Question
from knowledge_base.embedding import DEFAULT_MODEL, load_embedder

DATASET = Path("evals/datasets/safety.jsonl")


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def main() -> None:
    """Print the figures as a Markdown table."""
    texts = [json.loads(line)["text"] for line in DATASET.read_text(encoding="utf-8").splitlines() if line]
    embedder = load_embedder(DEFAULT_MODEL)
    classifier = PatternClassifier(load_learned(DEFAULT_MODEL))
    patterns_only = PatternClassifier(None)
    embedder.embed(["warm up"])
    timings: dict[str, list[float]] = {
        "embed (shared with retrieval)": [],
        "classify (patterns + learned)": [],
        "classify (patterns only)": [],
    }
    for _ in range(3):
        for text in texts:
            started = time.perf_counter()
            language = detect_language(text)
            question = Question(text, normalise(text, language), language)
            redacted = redact(question.normalised)[0]
            prepared = time.perf_counter() - started
            started = time.perf_counter()
            vector = embedder.embed([redacted])[0]
            timings["embed (shared with retrieval)"].append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            classifier.classify(question, (), vector, redacted)
            timings["classify (patterns + learned)"].append((time.perf_counter() - started + prepared) * 1000)
            started = time.perf_counter()
            patterns_only.classify(question)
            timings["classify (patterns only)"].append((time.perf_counter() - started + prepared) * 1000)
    print(f"{len(texts)} messages x 3 rounds, 2 CPU cores.\n")
    print("| stage | p50 ms | p95 ms |")
    print("|---|---|---|")
    for stage, values in timings.items():
        print(f"| {stage} | {statistics.median(values):.2f} | {percentile(values, 95):.2f} |")


if __name__ == "__main__":
    main()
