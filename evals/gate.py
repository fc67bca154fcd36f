"""Quality gates: ``evals/thresholds.toml`` names, per set, the figures that must not fall below (or rise above)
their threshold. Thresholds are set from measured results and never loosened to pass."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

THRESHOLDS = Path(__file__).resolve().parent / "thresholds.toml"


def lookup(summary: dict[str, Any], dotted: str) -> Any:
    """A figure of a summary by its dotted path, e.g. ``safety.all.critical_recall.self_harm``."""
    value: Any = summary
    for part in dotted.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def check(summary: dict[str, Any], set_name: str, path: Path = THRESHOLDS) -> list[str]:
    """Every gate of a set, each as 'ok' or 'FAIL' with the figure and its threshold."""
    rules = tomllib.loads(path.read_text(encoding="utf-8")).get(set_name, {})
    lines = []
    for kind, sign in (("min", ">="), ("max", "<=")):
        for dotted, threshold in rules.get(kind, {}).items():
            value = lookup(summary, dotted)
            ok = value is not None and (value >= threshold if kind == "min" else value <= threshold)
            lines.append(f"{'ok' if ok else 'FAIL'} {dotted} = {value} ({sign} {threshold})")
    return lines
