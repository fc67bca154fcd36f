"""Small dataclasses that cross the layers: question, passage, verdict, citation, result."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Category = Literal[
    "none",
    "extremist_sympathy",
    "propaganda",
    "hate_speech",
    "violent_intent",
    "operational_request",
    "self_harm",
    "prompt_injection",
    "personal_data",
    "off_topic",
    "spam",
]
Severity = Literal["none", "low", "medium", "high", "critical"]
Action = Literal[
    "answer", "answer_and_flag", "support_and_escalate", "refuse_and_escalate", "refuse", "out_of_scope"
]
SEVERITIES: tuple[Severity, ...] = ("none", "low", "medium", "high", "critical")
FLAGGING_ACTIONS: frozenset[str] = frozenset(
    {"answer_and_flag", "support_and_escalate", "refuse_and_escalate"}
)


@dataclass(frozen=True)
class Question:
    """A message as received, the normalised copy that is judged, and its language."""

    text: str
    normalised: str
    language: str


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk with its scores."""

    chunk_id: str
    source_id: str
    text: str
    title: str
    language: str
    topics: tuple[str, ...]
    locator: str | None
    url: str | None
    score: float  # cosine similarity between the question and the chunk
    lexical: float = 0.0  # BM25 score, 0 when the chunk was not a lexical hit
    fused: float = 0.0  # reciprocal-rank fusion score, the order of the result list


@dataclass(frozen=True)
class Verdict:
    """The guardrails' judgement of a message."""

    category: Category
    severity: Severity
    action: Action
    reasons: tuple[str, ...] = ()

    @property
    def flagged(self) -> bool:
        """Whether the conversation goes to the moderators."""
        return self.action in FLAGGING_ACTIONS


@dataclass(frozen=True)
class Citation:
    """A numbered reference to an approved source."""

    n: int
    source_id: str
    title: str
    topics: tuple[str, ...]
    locator: str | None
    url: str | None
    chunk_id: str


@dataclass
class Result:
    """What the pipeline returns for one message; ``to_contract`` gives the contract's JSON object."""

    question: Question
    verdict: Verdict
    answer: str
    citations: list[Citation] = field(default_factory=list)
    passages: list[Passage] = field(default_factory=list)
    stage_ms: dict[str, float] = field(default_factory=dict)
    latency_ms: float = 0.0
    notes: list[str] = field(default_factory=list)

    def to_contract(self) -> dict[str, Any]:
        """The object `rahnuma ask --json` prints (shared/contract.md, section 4)."""
        return {
            "text": self.question.text,
            "language": self.question.language,
            "category": self.verdict.category,
            "severity": self.verdict.severity,
            "action": self.verdict.action,
            "flagged": self.verdict.flagged,
            "answer": self.answer,
            "citations": [
                {
                    "n": c.n,
                    "source_id": c.source_id,
                    "title": c.title,
                    "topics": list(c.topics),
                    "locator": c.locator,
                    "url": c.url,
                }
                for c in self.citations
            ],
            "retrieval": [
                {
                    "source_id": p.source_id,
                    "chunk_id": p.chunk_id,
                    "score": round(p.score, 4),
                    "topics": list(p.topics),
                }
                for p in self.passages
            ],
            "latency_ms": round(self.latency_ms, 1),
        }

    def debug(self) -> dict[str, Any]:
        """Everything, for maintainers."""
        return {
            "result": self.to_contract(),
            "stage_ms": self.stage_ms,
            "notes": self.notes,
            "verdict": asdict(self.verdict),
        }
