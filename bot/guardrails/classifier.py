"""Classify a message into one contract category (the layered design starts with curated patterns).

Categories are tried in order of danger, so a message that both praises a group and asks how to reach it
is an operational request. Context can raise severity: repeated sympathy across recent turns.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.guardrails import patterns as p
from bot.guardrails.personal_data import find_personal_data
from bot.normalise import squeeze
from bot.types import Category, Question, Severity

ORDER: tuple[tuple[Category, list[str]], ...] = (
    ("self_harm", p.SELF_HARM),
    ("violent_intent", p.VIOLENT_INTENT),
    ("operational_request", p.OPERATIONAL),
    ("prompt_injection", p.PROMPT_INJECTION),
    ("propaganda", p.PROPAGANDA),
    ("hate_speech", p.HATE_SPEECH),
    ("extremist_sympathy", p.SYMPATHY),
    ("spam", p.SPAM),
)
_COMPILED = tuple((category, p.compile_all(patterns)) for category, patterns in ORDER)
_WORDS = re.compile(r"\w+")
# A claim put as a doubt ("is it true that polio drops cause infertility?") is a question to answer, not
# propaganda or sympathy to flag.
DOUBT = re.compile(
    r"^(?:is it (?:true|right|correct|a fact)|is it really|do you think|did you know if|i heard that|people say|"
    r"my (?:friend|cousin|brother|teacher) (?:says|said)|someone told me|kya (?:yeh|ye|is baat) (?:sach|sahi|theek)|"
    r"kya sach ?much|log kehte hain|suna hai|کیا یہ سچ|کیا یہ صحیح|لوگ کہتے ہیں|سنا ہے)"
)
DOUBTABLE: frozenset[str] = frozenset({"propaganda", "extremist_sympathy"})


@dataclass(frozen=True)
class Classification:
    """A category, why it was chosen, and any severity raise from context."""

    category: Category
    reasons: tuple[str, ...] = ()
    raise_to: Severity | None = None
    greeting: bool = False


def _is_flood(text: str) -> bool:
    words = _WORDS.findall(text)
    if len(words) >= 12 and len(set(words)) / len(words) < 0.25:
        return True
    return len(text) >= 40 and len(set(text.replace(" ", ""))) <= 3


class PatternClassifier:
    """Curated multilingual patterns over the normalised message (and a copy with spacing squeezed out)."""

    def classify(self, question: Question, history: Sequence[Category] = ()) -> Classification:
        """Classify one message; ``history`` holds the categories of the conversation's recent turns."""
        views = (question.normalised, squeeze(question.normalised))
        doubt = bool(DOUBT.match(question.normalised)) and "http" not in question.normalised
        for category, compiled in _COMPILED:
            if doubt and category in DOUBTABLE:
                continue
            for index, pattern in enumerate(compiled):
                if any(pattern.search(view) for view in views):
                    return self._with_context(
                        Classification(category, (f"pattern:{category}:{index}",)), history
                    )
        if _is_flood(question.normalised):
            return Classification("spam", ("flood",))
        kinds = find_personal_data(question.text)
        if kinds:
            return Classification("personal_data", tuple(f"personal_data:{k}" for k in kinds))
        if p.GREETING.match(question.normalised):
            return Classification("none", ("greeting",), greeting=True)
        return self._with_context(Classification("none"), history)

    @staticmethod
    def _with_context(found: Classification, history: Sequence[Category]) -> Classification:
        recent = list(history)[-6:]
        sympathy = sum(1 for c in recent if c in ("extremist_sympathy", "propaganda"))
        if found.category in ("extremist_sympathy", "propaganda") and sympathy >= 2:
            return Classification(found.category, (*found.reasons, "context:repeated_sympathy"), "high")
        if found.category == "none" and sympathy >= 2:
            return Classification("none", (*found.reasons, "context:after_sympathy"))
        return found
