"""The learned guardrail layer: reproducible weights, separate data, and a pipeline that never crashes."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.guardrails.learned import DATA_PATH, MODEL_PATH, LearnedClassifier, data_digest
from bot.guardrails.policy import CATEGORIES
from bot.guardrails.train import train
from bot.pipeline import Pipeline
from knowledge_base.embedding import DEFAULT_MODEL, load_embedder
from tests.conftest import REPO

pytestmark = [pytest.mark.integration]
EVAL_SETS = [
    REPO / "evals" / "datasets" / name for name in ("safety.jsonl", "lookalikes.jsonl", "topics.jsonl")
]


def texts(path: Path) -> set[str]:
    """The texts of a JSON-lines set, compared without case or spacing."""
    return {
        " ".join(json.loads(line)["text"].casefold().split())
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    }


def test_training_and_evaluation_sets_share_no_text() -> None:
    """No training text appears in any evaluation set."""
    training = texts(DATA_PATH)
    for path in EVAL_SETS:
        assert not training & texts(path), path.name


def test_weights_match_the_training_set() -> None:
    """The committed weights were built from the committed training set, with the default model."""
    model = LearnedClassifier.load(MODEL_PATH)
    assert model.meta["training_sha256"] == data_digest(DATA_PATH)
    assert model.embedding_model == DEFAULT_MODEL
    assert set(model.classes) == set(CATEGORIES)


@pytest.mark.slow
def test_training_is_reproducible(tmp_path: Path) -> None:
    """Retraining from the same data gives the committed weights and thresholds."""
    model, summary = train(load_embedder(DEFAULT_MODEL))
    committed = LearnedClassifier.load(MODEL_PATH)
    assert model.thresholds == committed.thresholds
    assert model.classes == committed.classes
    np.testing.assert_allclose(model.coef, committed.coef, atol=2e-3)
    assert summary["cv_accuracy"] == committed.meta["cross_validation"]["accuracy"]


@pytest.mark.slow
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(min_size=0, max_size=5000) | st.binary(max_size=200).map(lambda b: b.decode("latin-1")))
def test_no_input_crashes_the_pipeline(real_pipeline: Pipeline, text: str) -> None:
    """Any text of any size or script gets a contract result, never an exception."""
    result = real_pipeline.ask(text).to_contract()
    assert result["category"] in CATEGORIES
    assert result["answer"]
