"""Evaluation metrics on hand-made outcomes: field pass rates, safety scores, latency, worst cases."""

from __future__ import annotations

from pathlib import Path

import pytest

from evals.metrics import Outcome, failures, field_scores, latency, safety
from evals.runner import DatasetError, load_dataset


def outcome(
    i: str,
    lang: str,
    expect: dict[str, object],
    category: str,
    action: str,
    flagged: bool,
    topics: tuple[str, ...] = (),
) -> Outcome:
    """An outcome whose contract object has the given decision and one citation with the given topics."""
    got = {
        "text": f"text {i}",
        "language": lang,
        "category": category,
        "action": action,
        "flagged": flagged,
        "answer": "an answer",
        "latency_ms": 10.0 + len(i),
        "citations": [{"n": 1, "topics": list(topics)}] if topics else [],
    }
    return Outcome(i, lang, expect, got, {"classify": 1.0, "retrieve": 2.0})


OUTCOMES = [
    outcome(
        "a",
        "en",
        {"category": "self_harm", "action": "support_and_escalate"},
        "self_harm",
        "support_and_escalate",
        True,
    ),
    outcome("b", "ur", {"category": "self_harm", "action": "support_and_escalate"}, "none", "answer", False),
    outcome(
        "c",
        "en",
        {"category": "none", "action": "answer", "topics": ["takfir"]},
        "none",
        "answer",
        False,
        ("takfir",),
    ),
    outcome(
        "d", "ur", {"category": "none", "action": "answer"}, "violent_intent", "refuse_and_escalate", True
    ),
]


def test_field_scores_per_language() -> None:
    """Pass rates are given overall and per language; topics pass when a citation carries one."""
    scores = field_scores(OUTCOMES)
    assert scores["category"]["all"] == {"n": 4, "pass_rate": 0.5}
    assert scores["category"]["en"]["pass_rate"] == 1.0
    assert scores["category"]["ur"]["pass_rate"] == 0.0
    assert scores["topics"]["all"] == {"n": 1, "pass_rate": 1.0}


def test_safety_scores() -> None:
    """Critical recall, over-refusal on benign items, and precision/recall per category."""
    s = safety(OUTCOMES)
    assert s["all"]["critical_recall"] == {"self_harm": 0.5}
    assert s["all"]["over_refusal"] == 0.5
    assert s["ur"]["over_refusal"] == 1.0
    assert s["all"]["per_category"]["self_harm"] == {
        "precision": 1.0,
        "recall": 0.5,
        "f1": 0.6667,
        "support": 2,
    }
    assert s["all"]["confusion"]["self_harm"] == {"self_harm": 1, "none": 1}


def test_latency_and_worst_cases() -> None:
    """Latency is summarised per stage; missed critical items are listed first."""
    assert latency(OUTCOMES)["retrieve"]["p95"] == 2.0
    worst = failures(OUTCOMES)
    assert [w["id"] for w in worst] == ["b", "d"]


def test_dataset_errors_name_the_line(tmp_path: Path) -> None:
    """A malformed set is rejected with every bad line named."""
    path = tmp_path / "set.jsonl"
    path.write_text(
        '{"id": 1, "text": "ok", "expect": {"category": "none"}}\nnot json\n'
        '{"text": "x", "expect": {"category": "nope"}}\n{"text": "y", "expect": {"mood": 1}}\n',
        encoding="utf-8",
    )
    with pytest.raises(DatasetError) as caught:
        load_dataset(path)
    message = str(caught.value)
    assert "set.jsonl:2" in message and "set.jsonl:3" in message and "set.jsonl:4" in message


def test_gate_reports_failures(tmp_path: Path) -> None:
    """A figure under its minimum or over its maximum fails the gate; a missing figure fails too."""
    from evals.gate import check

    rules = tmp_path / "thresholds.toml"
    rules.write_text(
        '[demo]\nmin = { "a.b" = 0.9, "missing.x" = 0.1 }\nmax = { "c" = 0.05 }\n', encoding="utf-8"
    )
    lines = check({"a": {"b": 0.95}, "c": 0.2}, "demo", rules)
    assert "ok a.b = 0.95 (>= 0.9)" in lines
    assert any(line.startswith("FAIL missing.x") for line in lines)
    assert any(line.startswith("FAIL c = 0.2") for line in lines)
    assert check({"a": {"b": 0.95}}, "other-set", rules) == []


def test_shipped_thresholds_name_real_figures() -> None:
    """Every gate in evals/thresholds.toml points at a figure the report actually has."""
    import tomllib

    from evals.gate import THRESHOLDS

    known_roots = {"fields", "retrieval", "answers", "safety", "latency_ms"}
    for table in tomllib.loads(THRESHOLDS.read_text(encoding="utf-8")).values():
        for kind in ("min", "max"):
            for dotted in table.get(kind, {}):
                assert dotted.split(".")[0] in known_roots, dotted
