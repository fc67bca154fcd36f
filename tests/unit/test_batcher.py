"""Embeddings of concurrent messages are computed together, and give what one-by-one embedding gives."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import numpy as np

from bot.pipeline import EmbeddingBatcher
from knowledge_base.embedding import HASHING_MODEL, Vectors, load_embedder


class CountingEmbedder:
    """The hashing embedder, recording the size of every call."""

    def __init__(self) -> None:
        self.inner = load_embedder(HASHING_MODEL)
        self.name, self.dimension = self.inner.name, self.inner.dimension
        self.calls: list[int] = []

    def embed(self, texts: Sequence[str]) -> Vectors:
        """Embed and record the batch size."""
        self.calls.append(len(texts))
        return self.inner.embed(texts)


async def test_concurrent_messages_share_one_model_call() -> None:
    """Twenty messages arriving together are embedded in one or two calls, each getting its own vector."""
    embedder = CountingEmbedder()
    batcher = EmbeddingBatcher(embedder, max_batch=16)
    texts = [f"question number {n} about jihad" for n in range(20)]
    vectors = await asyncio.gather(*(batcher.embed(t) for t in texts))
    batcher.close()
    assert embedder.calls == [16, 4]
    alone = embedder.inner.embed(texts)
    assert np.allclose(np.stack(vectors), alone, atol=1e-6)


async def test_a_failed_batch_fails_each_waiting_message() -> None:
    """When the model raises, every message in the batch gets the error (the pipeline then fails closed)."""

    class Broken(CountingEmbedder):
        def embed(self, texts: Sequence[str]) -> Vectors:
            raise RuntimeError("model broke")

    batcher = EmbeddingBatcher(Broken())
    results = await asyncio.gather(batcher.embed("a"), batcher.embed("b"), return_exceptions=True)
    batcher.close()
    assert [str(r) for r in results] == ["model broke", "model broke"]
