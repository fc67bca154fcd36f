"""The policy that maps a category to an action and a severity (shared/contract.md, section 2).

The defaults below are the contract's; an organisation may override them with a TOML file.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import cast, get_args

from bot.types import Action, Category, Severity, Verdict

DEFAULTS: dict[str, tuple[Action, Severity]] = {
    "none": ("answer", "none"),
    "extremist_sympathy": ("answer_and_flag", "medium"),
    "propaganda": ("answer_and_flag", "medium"),
    "hate_speech": ("answer_and_flag", "medium"),
    "violent_intent": ("refuse_and_escalate", "critical"),
    "operational_request": ("refuse_and_escalate", "high"),
    "self_harm": ("support_and_escalate", "critical"),
    "prompt_injection": ("refuse", "low"),
    "personal_data": ("answer", "low"),
    "off_topic": ("out_of_scope", "none"),
    "spam": ("refuse", "low"),
}
CATEGORIES: tuple[str, ...] = get_args(Category)
ACTIONS: tuple[str, ...] = get_args(Action)
SEVERITY_ORDER: tuple[str, ...] = get_args(Severity)


class PolicyError(ValueError):
    """The policy file is invalid."""


@dataclass(frozen=True)
class Policy:
    """Category → (action, severity)."""

    rules: dict[str, tuple[Action, Severity]]

    @classmethod
    def default(cls) -> Policy:
        """The contract's defaults."""
        return cls(dict(DEFAULTS))

    @classmethod
    def from_file(cls, path: Path) -> Policy:
        """Defaults overridden by a TOML file of ``[category] action = "...", severity = "..."`` tables."""
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise PolicyError(f"{path}: {exc}") from None
        rules = dict(DEFAULTS)
        problems = []
        for category, table in data.items():
            if category not in CATEGORIES:
                problems.append(f"{path}: [{category}] is not a contract category")
                continue
            action, severity = rules[category]
            action = table.get("action", action)
            severity = table.get("severity", severity)
            if action not in ACTIONS:
                problems.append(f"{path}: [{category}] action {action!r} is not a contract action")
            if severity not in SEVERITY_ORDER:
                problems.append(f"{path}: [{category}] severity {severity!r} is not a contract severity")
            rules[category] = (cast(Action, action), cast(Severity, severity))
        if problems:
            raise PolicyError("\n".join(problems))
        return cls(rules)

    def decide(
        self, category: Category, reasons: tuple[str, ...] = (), raise_to: Severity | None = None
    ) -> Verdict:
        """The verdict for a category, its severity raised to ``raise_to`` when context calls for it."""
        action, severity = self.rules[category]
        if raise_to is not None and SEVERITY_ORDER.index(raise_to) > SEVERITY_ORDER.index(severity):
            severity = raise_to
        return Verdict(category, severity, action, reasons)
