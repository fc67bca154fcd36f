"""Classify a message into one contract category, in layers.

1. Curated multilingual patterns for the unambiguous cases, tried in order of danger (a message that both
   praises a group and asks how to reach it is an operational request).
2. The learned classifier (``learned.py``) on the message's embedding and character n-grams, with its own
   thresholds for the categories whose miss costs most.
3. Personal data, greetings, and context: repeated sympathy raises severity; a move from sympathy to
   logistics ("where do I find them?") is an operational request.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from bot.guardrails import patterns as p
from bot.guardrails.evidence import GATED, has_evidence
from bot.guardrails.learned import LearnedClassifier
from bot.guardrails.personal_data import find_personal_data
from bot.guardrails.scope import in_scope
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
# ... and so is a claim reported as someone else's, in a question ("my uncle says voting is haram; how do I ...?").
REPORTED = re.compile(
    r"\b(?:says?|said|believes?|believe|claims?|tells? (?:me|us)|kehta|kehti|kehte|keh raha|bolta|"
    r"bolte)\b|کہتا|کہتی|کہتے|بولتا"
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


LOGISTICS = re.compile(
    r"\b(?:where|how)\b[^.?!]{0,25}\b(?:find|reach|meet|contact|join|go to|get to)\b|\b(?:number|contact|address|"
    r"location|link)\b[^.?!]{0,15}\b(?:of|for)\b[^.?!]{0,10}\b(?:them|him|their|the group|the brothers)\b|"
    r"\b(?:kahan|kaise|kese)\b[^.?!]{0,20}\b(?:milenge|milen|milun|pohanch|pohnch|rabta|shamil|join)|"
    r"(?:کہاں|کیسے)[^۔؟?]{0,20}(?:ملیں|ملوں|پہنچ|رابطہ|شامل)"
)
LEARNED_FLOOR = {"off_topic": 0.6}


class PatternClassifier:
    """Curated patterns, then (when weights are loaded) the learned classifier, then context."""

    def __init__(self, learned: LearnedClassifier | None = None) -> None:
        self.learned = learned

    def classify(
        self,
        question: Question,
        history: Sequence[Category] = (),
        vector: npt.NDArray[np.float32] | None = None,
        redacted: str | None = None,
    ) -> Classification:
        """Classify one message; ``history`` holds the categories of the conversation's recent turns."""
        views = (question.normalised, squeeze(question.normalised))
        asks = "?" in question.text or "؟" in question.text
        doubt = (
            bool(DOUBT.match(question.normalised)) or (asks and bool(REPORTED.search(question.normalised)))
        ) and ("http" not in question.normalised)
        for category, compiled in _COMPILED:
            if doubt and category in DOUBTABLE:
                continue
            for index, pattern in enumerate(compiled):
                if any(pattern.search(view) for view in views):
                    return self._with_context(
                        Classification(category, (f"pattern:{category}:{index}",)),
                        history,
                        question.normalised,
                    )
        if _is_flood(question.normalised):
            return Classification("spam", ("flood",))
        if self.learned is not None and vector is not None:
            predicted = self.learned.predict(
                redacted if redacted is not None else question.normalised, vector
            )
            if not has_evidence(predicted.category, question.normalised):
                predicted = self.learned.decide_among(predicted.probabilities, GATED)
            floor = LEARNED_FLOOR.get(predicted.category, 0.0)
            # A learned "off_topic" stands only when the message names nothing Rahnuma speaks about.
            off_scope = predicted.category != "off_topic" or not in_scope(question.normalised)
            if (
                predicted.category not in ("none", "personal_data")
                and predicted.probability >= floor
                and off_scope
            ):
                reason = f"model:{predicted.category}:{predicted.probability:.2f}"
                found = Classification(predicted.category, (reason,))  # type: ignore[arg-type]
                return self._with_context(found, history, question.normalised)
        kinds = find_personal_data(question.text)
        if kinds:
            return Classification("personal_data", tuple(f"personal_data:{k}" for k in kinds))
        if p.GREETING.match(question.normalised):
            return Classification("none", ("greeting",), greeting=True)
        return self._with_context(Classification("none"), history, question.normalised)

    @staticmethod
    def _with_context(found: Classification, history: Sequence[Category], text: str) -> Classification:
        recent = list(history)[-6:]
        sympathy = sum(1 for c in recent if c in ("extremist_sympathy", "propaganda"))
        if found.category in ("extremist_sympathy", "propaganda") and sympathy >= 2:
            return Classification(found.category, (*found.reasons, "context:repeated_sympathy"), "high")
        if found.category in ("none", "personal_data") and sympathy >= 1 and LOGISTICS.search(text):
            return Classification("operational_request", (*found.reasons, "context:logistics_after_sympathy"))
        if found.category == "none" and sympathy >= 2:
            return Classification("none", (*found.reasons, "context:after_sympathy"))
        return found
