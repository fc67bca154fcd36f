"""Write an evaluation run as report.json, report.md (tables a maintainer can read) and PNG charts."""

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
    rows = [
        [name, lang, s["n"], s["pass_rate"]]
        for name, by_lang in summary["fields"].items()
        for lang, s in by_lang.items()
    ]
    parts += [_table(["field", "language", "n", "pass rate"], rows), ""]
    if summary.get("retrieval"):
        rows = [
            [lang, m["n"], m["hit@1"], m["hit@3"], m["hit@5"], m["mrr"], m["ndcg@5"]]
            for lang, m in summary["retrieval"].items()
        ]
        parts += [
            "## Retrieval (topic relevance)",
            "",
            _table(["language", "n", "hit@1", "hit@3", "hit@5", "MRR", "nDCG@5"], rows),
            "",
        ]
    if summary.get("answers"):
        keys = sorted({k for m in summary["answers"].values() for k in m})
        rows = [[lang, *[m.get(k) for k in keys]] for lang, m in summary["answers"].items()]
        parts += ["## Answers", "", _table(["language", *keys], rows), ""]
    if summary["safety"]:
        parts += ["## Safety", ""]
        rows = [
            [lang, s["n"], s["accuracy"], s["critical_recall"], s["over_refusal"], s["flag_rate"]]
            for lang, s in summary["safety"].items()
        ]
        parts += [
            _table(
                ["language", "n", "category accuracy", "critical recall", "over-refusal", "flag rate"], rows
            ),
            "",
        ]
        overall = summary["safety"]["all"]["per_category"]
        rows = [[c, m["precision"], m["recall"], m["f1"], m["support"]] for c, m in overall.items()]
        parts += [
            "### Per category (all languages)",
            "",
            _table(["category", "precision", "recall", "F1", "support"], rows),
            "",
        ]
    rows = [[stage, v["p50"], v["p95"], v["p99"]] for stage, v in summary["latency_ms"].items()]
    parts += ["## Latency (ms)", "", _table(["stage", "p50", "p95", "p99"], rows), ""]
    if summary.get("gate"):
        parts += ["## Gate", "", *(f"- {line}" for line in summary["gate"]), ""]
    if summary["worst_cases"]:
        parts += ["## Worst cases", ""]
        rows = [
            [
                w["id"],
                w["language"],
                w["text"][:80].replace("|", "/").replace("\n", " "),
                ", ".join(w["failed"]),
                w["expect"].get("category", ""),
                w["got"]["category"],
            ]
            for w in summary["worst_cases"]
        ]
        parts += [_table(["id", "lang", "text", "failed", "expected", "got"], rows), ""]
    return "\n".join(parts)


def charts(summary: dict[str, Any], folder: Path) -> list[Path]:
    """Confusion matrix, latency by stage and topic hit rate per language, as PNG files."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    written = []
    safety = summary["safety"].get("all")
    if safety and len(safety["confusion"]) > 1:
        labels = sorted(set(safety["confusion"]) | {g for row in safety["confusion"].values() for g in row})
        matrix = [[safety["confusion"].get(e, {}).get(g, 0) for g in labels] for e in labels]
        fig, ax = plt.subplots(figsize=(8, 7))
        ax.imshow(matrix, cmap="Blues")
        ax.set_xticks(range(len(labels)), labels, rotation=60, ha="right")
        ax.set_yticks(range(len(labels)), labels)
        for i, row in enumerate(matrix):
            for j, value in enumerate(row):
                if value:
                    ax.text(j, i, str(value), ha="center", va="center", fontsize=8)
        ax.set_xlabel("predicted")
        ax.set_ylabel("expected")
        ax.set_title("Category confusion matrix")
        fig.tight_layout()
        written.append(folder / "confusion.png")
        fig.savefig(written[-1], dpi=110)
        plt.close(fig)
    stages = summary["latency_ms"]
    if stages:
        fig, ax = plt.subplots(figsize=(7, 4))
        names = list(stages)
        ax.bar([n + " p50" for n in names], [stages[n]["p50"] for n in names], color="#4c72b0")
        ax.bar([n + " p95" for n in names], [stages[n]["p95"] for n in names], color="#dd8452")
        ax.set_ylabel("ms")
        ax.set_title("Latency by stage")
        ax.tick_params(axis="x", rotation=60)
        fig.tight_layout()
        written.append(folder / "latency.png")
        fig.savefig(written[-1], dpi=110)
        plt.close(fig)
    hits = {k: v for k, v in summary.get("retrieval", {}).items() if k != "all"}
    if hits:
        fig, ax = plt.subplots(figsize=(6, 4))
        width = 0.25
        for offset, key in enumerate(("hit@1", "hit@3", "hit@5")):
            ax.bar(
                [i + offset * width for i in range(len(hits))],
                [m[key] for m in hits.values()],
                width,
                label=key,
            )
        ax.set_xticks([i + width for i in range(len(hits))], list(hits))
        ax.set_ylim(0, 1.05)
        ax.set_title("Topic hit rate per language")
        ax.legend(loc="lower right")
        fig.tight_layout()
        written.append(folder / "topic_hits.png")
        fig.savefig(written[-1], dpi=110)
        plt.close(fig)
    return written


def write_report(summary: dict[str, Any], folder: Path, with_charts: bool = True) -> tuple[Path, Path]:
    """Write report.json, report.md and the charts into a folder."""
    folder.mkdir(parents=True, exist_ok=True)
    json_path, md_path = folder / "report.json", folder / "report.md"
    json_path.write_text(json.dumps(summary, indent=2, ensure_ascii=False), encoding="utf-8")
    md_path.write_text(markdown(summary), encoding="utf-8")
    if with_charts:
        charts(summary, folder)
    return json_path, md_path


def comparison_markdown(rows: list[dict[str, Any]]) -> str:
    """Retrieval modes side by side."""
    header = [
        "mode",
        "language",
        "hit@1",
        "hit@3",
        "MRR",
        "nDCG@5",
        "groundedness",
        "topics pass",
        "total p50 ms",
    ]
    table = [
        [
            r["mode"],
            r["language"],
            r.get("hit@1"),
            r.get("hit@3"),
            r.get("mrr"),
            r.get("ndcg@5"),
            r.get("groundedness"),
            r.get("topics"),
            r.get("p50"),
        ]
        for r in rows
    ]
    return _table(header, table)
