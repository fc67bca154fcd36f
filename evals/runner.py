"""Run a contract-form evaluation set (shared/contract.md, section 5) through the real pipeline.

A line is one message (``text``, ``expect``), or a conversation (``turns``: a list of such messages)
whose earlier turns are the context of the later ones.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.guardrails.policy import CATEGORIES
from bot.pipeline import Pipeline
from bot.types import Category
from evals.answers import measure
from evals.judge import judge
from evals.metrics import FIELDS, Outcome, answers, failures, field_scores, latency, retrieval, safety
from knowledge_base.vocabulary import LANGUAGES, TOPICS


class DatasetError(ValueError):
    """A line of the set is malformed; the message names the file and line."""


def _check_expect(expect: Any, where: str, problems: list[str]) -> bool:
    if not isinstance(expect, dict) or set(expect) - set(FIELDS):
        problems.append(f"{where}: 'expect' may hold only {', '.join(FIELDS)}")
        return False
    if "category" in expect and expect["category"] not in CATEGORIES:
        problems.append(f"{where}: unknown category {expect['category']!r}")
    if "topics" in expect and not set(expect["topics"]) <= set(TOPICS):
        problems.append(f"{where}: unknown topic in {expect['topics']!r}")
    return True


def load_dataset(path: Path) -> list[dict[str, Any]]:
    """Items of a JSON-lines set, conversations expanded into turns; every problem is reported at once."""
    items: list[dict[str, Any]] = []
    problems: list[str] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(f"{where}: not JSON ({exc.msg})")
            continue
        if not isinstance(item, dict):
            problems.append(f"{where}: needs a JSON object")
            continue
        language = item.get("language") or "unknown"
        if language not in (*LANGUAGES, "unknown"):
            problems.append(f"{where}: unknown language {language!r}")
        ident = str(item.get("id", number))
        turns = item.get("turns")
        if turns is None:
            turns, conversation = [item], None
        elif not isinstance(turns, list) or not turns:
            problems.append(f"{where}: 'turns' must be a non-empty list")
            continue
        else:
            conversation = ident
        for k, turn in enumerate(turns):
            if not isinstance(turn, dict) or not isinstance(turn.get("text"), str):
                problems.append(
                    f"{where}: needs a string 'text'" + (f" in turn {k + 1}" if conversation else "")
                )
                continue
            expect = turn.get("expect", {})
            if _check_expect(expect, where, problems):
                items.append(
                    {
                        "id": f"{ident}#{k + 1}" if conversation else ident,
                        "text": turn["text"],
                        "language": turn.get("language", language),
                        "expect": expect,
                        "conversation": conversation,
                    }
                )
    if problems:
        raise DatasetError("\n".join(problems))
    return items


def run_dataset(
    pipeline: Pipeline,
    items: list[dict[str, Any]],
    mode: str | None = None,
    progress: Callable[[int], object] | None = None,
    judge_model: Any | None = None,
) -> list[Outcome]:
    """Ask every item (turns of a conversation with their history); keep what the metrics need.

    With ``judge_model``, every cited answer is also scored by the LLM judge.
    """
    outcomes = []
    histories: dict[str, list[Category]] = {}
    for item in items:
        history = histories.setdefault(item["conversation"], []) if item["conversation"] else []
        result = pipeline.ask(item["text"], tuple(history), mode)
        if item["conversation"]:
            history.append(result.verdict.category)
        measures = measure(result, pipeline.embedder, pipeline.approved)
        if judge_model is not None and result.citations:
            measures.update(judge(judge_model, result))
        outcomes.append(
            Outcome(
                item["id"], item["language"], item["expect"], result.to_contract(), result.stage_ms, measures
            )
        )
        if progress is not None:
            progress(1)
    return outcomes


def summarise(dataset: Path, outcomes: list[Outcome]) -> dict[str, Any]:
    """Every figure of a run, machine-readable."""
    return {
        "dataset": str(dataset),
        "items": len(outcomes),
        "fields": field_scores(outcomes),
        "retrieval": retrieval(outcomes),
        "answers": answers(outcomes),
        "safety": safety(outcomes),
        "latency_ms": latency(outcomes),
        "worst_cases": failures(outcomes),
    }
