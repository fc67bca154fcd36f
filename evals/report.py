"""Write an evaluation run as report.json and a Markdown report a maintainer can read."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def _table(header: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join("" if v is None else str(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def markdown(summary: dict[str, Any]) -> str:
    """The report as Markdown tables."""
    parts = [f"# Evaluation of `{summary['dataset']}`", "", f"{summary['items']} items.", "", "## Fields", ""]
    rows = [[name, lang, s["n"], s["pass_rate"]] for name, by_lang in summary["fields"].items()
            for lang, s in by_lang.items()]
    parts += [_table(["field", "language", "n", "pass rate"], rows), ""]
    if summary["safety"]:
        parts += ["## Safety", ""]
        rows = [[lang, s["n"], s["accuracy"], s["critical_recall"], s["over_refusal"], s["flag_rate"]]
                for lang, s in summary["safety"].items()]
        parts += [_table(["language", "n", "category accuracy", "critical recall", "over-refusal", "flag rate"], rows), ""]
        overall = summary["safety"]["all"]["per_category"]
        rows = [[c, m["precision"], m["recall"], m["f1"], m["support"]] for c, m in overall.items()]
        parts += ["### Per category (all languages)", "", _table(["category", "precision", "recall", "F1", "support"],
                                                                 rows), ""]
    rows = [[stage, v["p50"], v["p95"], v["p99"]] for stage, v in summary["latency_ms"].items()]
    parts += ["## Latency (ms)", "", _table(["stage", "p50", "p95", "p99"], rows), ""]
    if summary["worst_cases"]:
        parts += ["## Worst cases", ""]
        rows = [[w["id"], w["language"], w["text"][:80].replace("|", "/"), ", ".join(w["failed"]),
                 w["expect"].get("category", ""), w["got"]["category"]] for w in summary["worst_cases"]]
        parts += [_table(["id", "lang", "text", "failed", "expected", "got"], rows), ""]
    return "\n".join(parts)


def write_report(summary: dict[str, Any], folder: Path) -> tuple[Path, Path]:
    """Write report.json and report.md into a folder."""
    folder.mkdir(parents=True, exist_ok=True)
    json_path, md_path = folder / "report.json", folder / "report.md"
    json_path.write_text(json.dumps(summary, indent=2, ensure_ascii=False), encoding="utf-8")
    md_path.write_text(markdown(summary), encoding="utf-8")
    return json_path, md_path
