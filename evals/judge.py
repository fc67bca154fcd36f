"""An optional LLM judge: ragas-style faithfulness and answer relevancy, and a counter-narrative rubric
(opposition, relatedness, specificity, toxicity, fluency). Its prompt is ``prompts/judge.md``.

Runs only when an LLM endpoint is configured and ``rahnuma eval --judge`` asks for it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from bot.llm import reply_text
from bot.types import Result

PROMPT = (Path(__file__).resolve().parent / "prompts" / "judge.md").read_text(encoding="utf-8")
KEYS = ("faithfulness", "relevancy", "opposition", "relatedness", "specificity", "toxicity", "fluency")
_JSON = re.compile(r"\{.*\}", re.DOTALL)


class JudgeError(RuntimeError):
    """The judge's reply could not be read."""


def judge(model: Any, result: Result) -> dict[str, float]:
    """The judge's scores for one cited answer, as ``judge_<key>`` figures."""
    by_chunk = {p.chunk_id: p for p in result.passages}
    passages = "\n\n".join(
        f"[{c.n}] {c.title}: {by_chunk[c.chunk_id].text}" for c in result.citations if c.chunk_id in by_chunk
    )
    prompt = PROMPT.replace("{question}", result.question.text).replace("{answer}", result.answer)
    reply = reply_text(model, prompt.replace("{passages}", passages), "Score the answer.")
    match = _JSON.search(reply)
    try:
        data = json.loads(match.group(0)) if match else {}
        scores = {f"judge_{k}": float(data[k]) for k in KEYS}
    except (ValueError, KeyError, TypeError) as exc:
        raise JudgeError(f"the judge's reply is not the expected JSON: {reply[:80]!r}") from exc
    return scores
