"""Build the learned guardrail layer from the labelled training set, reproducibly.

    rahnuma guardrails train          # writes bot/guardrails/model/classifier.npz and prints cross-validation

Texts are prepared exactly as the pipeline prepares a message (language, normalisation, redaction);
the regularisation strength and the thresholds of the priority categories are chosen on out-of-fold
predictions of the training set only. The evaluation sets in ``evals/datasets/`` are never read here.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from bot.guardrails.learned import DATA_PATH, PRIORITY, LearnedClassifier, data_digest, features
from bot.guardrails.personal_data import redact
from bot.language import detect_language
from bot.normalise import normalise
from knowledge_base.embedding import Embedder

SEED = 20261125
FOLDS = 5
C_GRID = (2.0, 8.0, 32.0)
THRESHOLD_GRID = tuple(round(t, 3) for t in np.arange(0.05, 0.625, 0.025))
MAX_FALSE_ALARMS = 0.02  # share of other messages a priority threshold may pull into its category


@dataclass(frozen=True)
class Labelled:
    """One training example."""

    text: str
    language: str
    category: str


def load_labelled(path: Path = DATA_PATH) -> list[Labelled]:
    """The JSON-lines training set."""
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            item = json.loads(line)
            if not isinstance(item.get("text"), str) or not isinstance(item.get("category"), str):
                raise ValueError(f"{path}:{number}: needs 'text' and 'category'")
            rows.append(Labelled(item["text"], item.get("language", ""), item["category"]))
    return rows


def prepare(text: str) -> str:
    """The text the classifier sees: normalised in its detected language, personal data redacted."""
    return redact(normalise(text, detect_language(text)))[0]


def _fit(x: Any, y: npt.NDArray[np.int_], c: float) -> Any:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=c, class_weight="balanced", max_iter=5000, random_state=SEED).fit(x, y)


def _out_of_fold(x: Any, y: npt.NDArray[np.int_], c: float, classes: int) -> npt.NDArray[np.float64]:
    from sklearn.model_selection import StratifiedKFold

    probs = np.zeros((x.shape[0], classes))
    for train, test in StratifiedKFold(FOLDS, shuffle=True, random_state=SEED).split(x, y):
        model = _fit(x[train], y[train], c)
        probs[np.ix_(test, model.classes_)] = model.predict_proba(x[test])
    return probs


def choose_thresholds(
    probs: npt.NDArray[np.float64], y: npt.NDArray[np.int_], classes: Sequence[str]
) -> dict[str, float]:
    """Per priority category, the threshold with the best recall whose false alarms stay under the limit."""
    thresholds = {}
    for category in PRIORITY:
        k = list(classes).index(category)
        positive = y == k
        best: tuple[float, float] = (-1.0, 0.5)
        for t in THRESHOLD_GRID:
            recall = float((probs[positive, k] >= t).mean()) if positive.any() else 0.0
            false_alarms = float((probs[~positive, k] >= t).mean())
            if false_alarms <= MAX_FALSE_ALARMS and (recall, t) > best:
                best = (recall, t)
        thresholds[category] = best[1]
    return thresholds


def report(
    predicted: Sequence[str], truth: Sequence[str], classes: Sequence[str]
) -> dict[str, dict[str, float]]:
    """Precision, recall and F1 per category."""
    out = {}
    for category in classes:
        tp = sum(1 for p, t in zip(predicted, truth, strict=True) if p == t == category)
        fp = sum(1 for p, t in zip(predicted, truth, strict=True) if p == category != t)
        fn = sum(1 for p, t in zip(predicted, truth, strict=True) if t == category != p)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        out[category] = {
            "precision": round(precision, 3),
            "recall": round(recall, 3),
            "f1": round(f1, 3),
            "support": tp + fn,
        }
    return out


def train(embedder: Embedder, path: Path = DATA_PATH) -> tuple[LearnedClassifier, dict[str, Any]]:
    """Fit the classifier; return it and a cross-validation report."""
    started = time.perf_counter()
    rows = load_labelled(path)
    classes = sorted({r.category for r in rows})
    texts = [prepare(r.text) for r in rows]
    y = np.array([classes.index(r.category) for r in rows])
    vectors = embedder.embed(texts)
    x = features(texts, vectors)
    scored = []
    for c in C_GRID:
        probs = _out_of_fold(x, y, c, len(classes))
        accuracy = float((probs.argmax(axis=1) == y).mean())
        scored.append((accuracy, -c, c, probs))
    _, _, c_best, oof = max(scored, key=lambda s: (s[0], s[1]))
    thresholds = choose_thresholds(oof, y, classes)
    final = _fit(x, y, c_best)
    coef = np.zeros((len(classes), x.shape[1]), dtype=np.float32)
    intercept = np.zeros(len(classes), dtype=np.float32)
    coef[final.classes_] = final.coef_
    intercept[final.classes_] = final.intercept_
    meta = {
        "embedding_model": embedder.name,
        "training_set": str(path.name),
        "training_sha256": data_digest(path),
        "examples": len(rows),
        "c": c_best,
        "seed": SEED,
        "folds": FOLDS,
    }
    model = LearnedClassifier(coef, intercept, classes, thresholds, meta)
    predicted = [model.decide(row).category for row in oof]
    cv = report(predicted, [r.category for r in rows], classes)
    summary = {
        "c": c_best,
        "thresholds": thresholds,
        "cross_validation": cv,
        "cv_accuracy": round(
            sum(p == r.category for p, r in zip(predicted, rows, strict=True)) / len(rows), 3
        ),
        "seconds": round(time.perf_counter() - started, 1),
    }
    model.meta["cross_validation"] = {"accuracy": summary["cv_accuracy"]}
    return model, summary
