"""Check every answer before it is sent: citations resolve, sources are approved, nothing operational, short."""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence

from bot.types import Citation, Passage

MARKER = re.compile(r"\[(\d+)\]")
OPERATIONAL_OUTPUT = [
    re.compile(p, re.IGNORECASE)
    for p in (
        r"(?:t\.me|telegram\.me|chat\.whatsapp\.com|discord\.gg)/\S+",
        r"\b(?:ammonium nitrate|potassium chlorate|tatp|acetone peroxide|detonator|blasting cap|fuse wire)\b",
        r"\b(?:mix|combine|pack)\b[^.]{0,40}\b(?:nitrate|peroxide|chlorate|fertili[sz]er|shrapnel|ball bearings)\b",
        r"\b(?:contact|reach|join) (?:them|the group|the fighters) (?:at|via|through|on)\b",
    )
]
PHONE = re.compile(
    r"\+?\d[\d\s-]{9,}\d"
)  # composed answers carry no phone numbers; help lines come from referrals


def check_answer(
    answer: str,
    citations: Sequence[Citation],
    retrieved: Sequence[Passage],
    approved: Collection[str],
    max_chars: int,
    composed: bool = True,
) -> list[str]:
    """Every problem with an answer; an empty list means it may be sent.

    ``composed`` is true for answers built from passages; fixed replies (support with verified help lines,
    refusals) may carry phone numbers from the referrals file.
    """
    problems: list[str] = []
    numbers = {c.n for c in citations}
    retrieved_chunks = {p.chunk_id for p in retrieved}
    for marker in sorted({int(m) for m in MARKER.findall(answer)}):
        if marker not in numbers:
            problems.append(f"marker [{marker}] has no citation")
    for citation in citations:
        if f"[{citation.n}]" not in answer:
            problems.append(f"citation {citation.n} is not referred to in the answer")
        if citation.source_id not in approved:
            problems.append(
                f"citation {citation.n} names {citation.source_id!r}, which is not an approved source"
            )
        if citation.chunk_id not in retrieved_chunks:
            problems.append(f"citation {citation.n} cites a passage that was not retrieved for this question")
    for pattern in OPERATIONAL_OUTPUT:
        if pattern.search(answer):
            problems.append(f"operational content: {pattern.pattern[:40]}")
    if composed and PHONE.search(answer):
        problems.append("operational content: a phone number in a composed answer")
    if len(answer) > max_chars:
        problems.append(f"answer is {len(answer)} characters, more than {max_chars}")
    return problems
