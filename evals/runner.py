"""Run a contract-form evaluation set (shared/contract.md, section 5) through the real pipeline."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.guardrails.policy import CATEGORIES
from bot.pipeline import Pipeline
from evals.metrics import FIELDS, Outcome, failures, field_scores, latency, safety
from knowledge_base.vocabulary import LANGUAGES, TOPICS


class DatasetError(ValueError):
    """A line of the set is malformed; the message names the file and line."""


def load_dataset(path: Path) -> list[dict[str, Any]]:
    """Items of a JSON-lines set, validated; every problem is reported at once."""
    items, problems = [], []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(f"{where}: not JSON ({exc.msg})")
            continue
        if not isinstance(item, dict) or not isinstance(item.get("text"), str):
            problems.append(f"{where}: needs an object with a string 'text'")
            continue
        expect = item.get("expect", {})
        if not isinstance(expect, dict) or set(expect) - set(FIELDS):
            problems.append(f"{where}: 'expect' may hold only {', '.join(FIELDS)}")
            continue
        if "category" in expect and expect["category"] not in CATEGORIES:
            problems.append(f"{where}: unknown category {expect['category']!r}")
        if "topics" in expect and not set(expect["topics"]) <= set(TOPICS):
            problems.append(f"{where}: unknown topic in {expect['topics']!r}")
        if item.get("language", "en") not in LANGUAGES:
            problems.append(f"{where}: unknown language {item.get('language')!r}")
        items.append({"id": str(item.get("id", number)), "text": item["text"],
                      "language": item.get("language") or "unknown", "expect": expect})
    if problems:
        raise DatasetError("\n".join(problems))
    return items


def run_dataset(pipeline: Pipeline, items: list[dict[str, Any]],
                progress: Callable[[int], object] | None = None) -> list[Outcome]:
    """Ask every item; keep the contract object and the stage timings."""
    outcomes = []
    for item in items:
        result = pipeline.ask(item["text"])
        outcomes.append(Outcome(item["id"], item["language"], item["expect"], result.to_contract(), result.stage_ms))
        if progress is not None:
            progress(1)
    return outcomes


def summarise(dataset: Path, outcomes: list[Outcome]) -> dict[str, Any]:
    """Every figure of a run, machine-readable."""
    return {
        "dataset": str(dataset),
        "items": len(outcomes),
        "fields": field_scores(outcomes),
        "safety": safety(outcomes),
        "latency_ms": latency(outcomes),
        "worst_cases": failures(outcomes),
    }
