"""Ingestion throughput beside raw model throughput, and `ask` latency beside the raw Chroma query.

    python -m benchmarks.ingest_and_ask [--questions 60]

Runs in a temporary data directory with the configured embedding model and the shipped corpus.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from bot.pipeline import build_pipeline
from bot.settings import Settings
from ingest.sync import Summary, prepare, run
from knowledge_base.embedding import load_embedder
from knowledge_base.manifest import load_manifest
from knowledge_base.store import search_text


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) by nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def main() -> None:
    """Print the figures as a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--questions", type=Path, default=Path("evals/datasets/topics.jsonl"))
    parser.add_argument("--rounds", type=int, default=3, help="passes over the question set")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(data_dir=Path(folder))
        embedder = load_embedder(settings.embedding_model)
        prepared = prepare(load_manifest(settings.kb_dir), settings)
        texts = [search_text(c.metadata, c.text) for p in prepared.values() for c in p.chunks]
        embedder.embed(texts[:8])  # warm up
        started = time.perf_counter()
        embedder.embed(texts)
        raw_seconds = time.perf_counter() - started

        started = time.perf_counter()
        summary = run(settings, lambda: embedder)
        ingest_seconds = time.perf_counter() - started
        assert isinstance(summary, Summary)

        pipeline = build_pipeline(settings)
        items = [json.loads(line) for line in args.questions.read_text(encoding="utf-8").splitlines() if line]
        totals, chroma = [], []
        for _ in range(args.rounds):
            for item in items:
                started = time.perf_counter()
                pipeline.ask(item["text"])
                totals.append((time.perf_counter() - started) * 1000)
                vector = embedder.embed([item["text"]])[0].tolist()
                started = time.perf_counter()
                pipeline.retriever.collection.query(
                    query_embeddings=[vector], n_results=20, include=["distances"]
                )
                chroma.append((time.perf_counter() - started) * 1000)
    print(
        f"Model: {settings.embedding_model}; corpus: {len(prepared)} sources, {len(texts)} chunks; "
        f"{len(totals)} questions asked.\n"
    )
    print("| measure | value |")
    print("|---|---|")
    print(f"| raw SentenceTransformer.encode | {len(texts) / raw_seconds:.1f} chunks/s |")
    print(
        f"| rahnuma ingest (load, chunk, embed, write, verify in child, switch) | "
        f"{len(texts) / ingest_seconds:.1f} chunks/s ({ingest_seconds:.1f} s) |"
    )
    print(
        f"| ask p50 / p95 (whole pipeline, in process) | {statistics.median(totals):.1f} / "
        f"{percentile(totals, 95):.1f} ms |"
    )
    print(
        f"| raw Chroma query p50 / p95 (top 20) | {statistics.median(chroma):.2f} / {percentile(chroma, 95):.2f} ms |"
    )


if __name__ == "__main__":
    main()
