"""Compare dense, BM25 and hybrid retrieval per language on a contract-form question set; print a table.

    python -m benchmarks.retrieval_modes [--dataset evals/datasets/topics.jsonl]

Needs an ingested store (``rahnuma ingest``). A passage is a hit when it carries one of the expected topics.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from collections import defaultdict
from pathlib import Path

from bot.language import detect_language
from bot.normalise import normalise
from bot.pipeline import build_pipeline
from bot.settings import Settings
from bot.types import Question


def main() -> None:
    """Print hit@1, hit@3 and MRR per retrieval mode and language."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dataset", type=Path, default=Path("evals/datasets/topics.jsonl"))
    parser.add_argument("--urdu-dense-weight", type=float, nargs="*", default=[0.0, 0.25, 1.0])
    args = parser.parse_args()
    pipeline = build_pipeline(Settings())
    items = [
        json.loads(line) for line in args.dataset.read_text(encoding="utf-8").splitlines() if line.strip()
    ]
    print("| mode | urdu dense weight | language | n | hit@1 | hit@3 | MRR |")
    print("|---|---|---|---|---|---|---|")
    base = pipeline.retriever.settings
    for mode in ("dense", "bm25", "hybrid"):
        for weight in args.urdu_dense_weight if mode == "hybrid" else [base.urdu_dense_weight]:
            pipeline.retriever.settings = dataclasses.replace(base, urdu_dense_weight=weight)
            ranks: dict[str, list[int | None]] = defaultdict(list)
            for item in items:
                language = detect_language(item["text"])
                question = Question(item["text"], normalise(item["text"], language), language)
                vector = pipeline.embedder.embed([question.normalised])[0]
                passages = pipeline.retriever.search(question, vector, mode)
                expected = set(item["expect"]["topics"])
                ranks[language].append(
                    next((i for i, p in enumerate(passages) if expected & set(p.topics)), None)
                )
            for language, found in sorted(ranks.items()):
                n = len(found)
                hit1 = sum(1 for r in found if r == 0) / n
                hit3 = sum(1 for r in found if r is not None and r < 3) / n
                mrr = sum(1 / (r + 1) for r in found if r is not None) / n
                shown = weight if mode == "hybrid" else "-"
                print(f"| {mode} | {shown} | {language} | {n} | {hit1:.2f} | {hit3:.2f} | {mrr:.3f} |")


if __name__ == "__main__":
    main()
