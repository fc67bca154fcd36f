"""The learned layer of the guardrails: a linear classifier on sentence embeddings and character n-grams.

Character n-grams carry Urdu script and Roman Urdu spellings that the English embedding model misses;
the embedding carries meaning across paraphrases. The weights are built from the labelled set in
``bot/guardrails/data/train.jsonl`` by ``rahnuma guardrails train`` (reproducible: fixed folds, fixed
seed) and stored as plain arrays (no pickle) with the metadata that says how they were made.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

log = logging.getLogger(__name__)
MODEL_DIR = Path(__file__).resolve().parent / "model"
MODEL_PATH = MODEL_DIR / "classifier.npz"
DATA_PATH = Path(__file__).resolve().parent / "data" / "train.jsonl"
WORD_PATTERN = r"(?u)\b\w+\b"  # single-letter words count too ("q" for kyun)
CHAR_FEATURES = 2**15
WORD_FEATURES = 2**14
# Categories checked before the arg-max, each with its own threshold: missing one of these costs most.
PRIORITY = ("self_harm", "violent_intent", "operational_request")


@lru_cache(maxsize=1)
def _vectorizers() -> tuple[Any, Any]:
    """The two stateless hashing vectorizers, built once per process."""
    from sklearn.feature_extraction.text import HashingVectorizer

    chars = HashingVectorizer(
        analyzer="char_wb",
        ngram_range=(2, 4),
        n_features=CHAR_FEATURES,
        alternate_sign=False,
        norm="l2",
        lowercase=False,
    )
    words = HashingVectorizer(
        analyzer="word",
        ngram_range=(1, 2),
        n_features=WORD_FEATURES,
        alternate_sign=False,
        norm="l2",
        lowercase=False,
        token_pattern=WORD_PATTERN,
    )
    return chars, words


def features(texts: Sequence[str], vectors: npt.NDArray[np.float32]) -> Any:
    """Hashed character and word n-grams of the normalised texts, beside their embeddings (sparse rows)."""
    from scipy.sparse import csr_matrix, hstack

    chars, words = _vectorizers()
    return hstack([chars.transform(texts), words.transform(texts), csr_matrix(vectors)]).tocsr()


def data_digest(path: Path = DATA_PATH) -> str:
    """The SHA-256 of the training set, recorded with the weights."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass(frozen=True)
class Prediction:
    """The learned layer's category and its probability."""

    category: str
    probability: float
    probabilities: dict[str, float]


class LearnedClassifier:
    """Weights and thresholds loaded from ``classifier.npz``."""

    def __init__(
        self,
        coef: npt.NDArray[np.float32],
        intercept: npt.NDArray[np.float32],
        classes: list[str],
        thresholds: dict[str, float],
        meta: dict[str, Any],
    ) -> None:
        self.coef = coef
        self.intercept = intercept
        self.classes = classes
        self.thresholds = thresholds
        self.meta = meta

    @property
    def embedding_model(self) -> str:
        """The embedding model the weights expect."""
        return str(self.meta["embedding_model"])

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> LearnedClassifier:
        """Load weights saved by ``save``."""
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            return cls(
                data["coef"].astype(np.float32),
                data["intercept"].astype(np.float32),
                meta["classes"],
                meta["thresholds"],
                meta,
            )

    def save(self, path: Path = MODEL_PATH) -> None:
        """Write weights and metadata as plain arrays."""
        path.parent.mkdir(parents=True, exist_ok=True)
        meta = {**self.meta, "classes": self.classes, "thresholds": self.thresholds}
        np.savez_compressed(
            path,
            coef=self.coef.astype(np.float32),
            intercept=self.intercept.astype(np.float32),
            meta=np.array(json.dumps(meta, ensure_ascii=False, sort_keys=True)),
        )

    def probabilities(
        self, texts: Sequence[str], vectors: npt.NDArray[np.float32]
    ) -> npt.NDArray[np.float64]:
        """Class probabilities, one row a text."""
        logits = features(texts, vectors) @ self.coef.T.astype(np.float64) + self.intercept
        logits = np.asarray(logits, dtype=np.float64)
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        result: npt.NDArray[np.float64] = exp / exp.sum(axis=1, keepdims=True)
        return result

    def decide(self, row: npt.NDArray[np.float64]) -> Prediction:
        """Priority categories above their thresholds first, then the most probable category."""
        return self.decide_among({c: float(p) for c, p in zip(self.classes, row, strict=True)})

    def decide_among(
        self, probabilities: dict[str, float], excluded: frozenset[str] = frozenset()
    ) -> Prediction:
        """The decision over the categories not ``excluded`` (ruled out, e.g. for lack of evidence)."""
        probs = {c: p for c, p in probabilities.items() if c not in excluded}
        for category in PRIORITY:
            if category in probs and probs[category] >= self.thresholds.get(category, 1.1):
                return Prediction(category, probs[category], probabilities)
        best = max(probs, key=lambda c: probs[c])
        return Prediction(best, probs[best], probabilities)

    def predict(self, text: str, vector: npt.NDArray[np.float32]) -> Prediction:
        """Classify one normalised text with its embedding."""
        return self.decide(self.probabilities([text], vector.reshape(1, -1))[0])


def load_learned(embedding_model: str, path: Path = MODEL_PATH) -> LearnedClassifier | None:
    """The learned layer when its weights exist and match the embedding model; otherwise None, with a warning."""
    if not path.is_file():
        log.warning("no guardrail classifier weights at %s; run `rahnuma guardrails train`", path)
        return None
    model = LearnedClassifier.load(path)
    if model.embedding_model != embedding_model:
        log.warning(
            "guardrail classifier was trained with %s, not %s: patterns only until "
            "`rahnuma guardrails train` is run",
            model.embedding_model,
            embedding_model,
        )
        return None
    return model
