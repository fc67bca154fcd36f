"""Find and redact personal data (phone, CNIC, email, street address) before anything is stored."""

from __future__ import annotations

import re

from bot.guardrails.patterns import PERSONAL_DATA

_COMPILED = {kind: re.compile(pattern, re.IGNORECASE) for kind, pattern in PERSONAL_DATA.items()}
# CNIC before phone: a 13-digit CNIC also looks like a long number.
_ORDER = ("cnic", "email", "phone", "address")


def find_personal_data(text: str) -> list[str]:
    """The kinds of personal data in a text, in a stable order."""
    return [kind for kind in _ORDER if _COMPILED[kind].search(text)]


def redact(text: str) -> tuple[str, list[str]]:
    """The text with personal data replaced by ``[kind removed]`` markers, and the kinds found."""
    found = []
    for kind in _ORDER:
        text, count = _COMPILED[kind].subn(f"[{kind} removed]", text)
        if count:
            found.append(kind)
    return text, found
