"""`rahnuma eval`: run evaluation sets through the real pipeline, report, compare retrieval modes, gate."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from evals.gate import THRESHOLDS, check
from evals.report import comparison_markdown, write_report
from evals.runner import DatasetError, load_dataset, run_dataset, summarise

MODES = ("dense", "bm25", "hybrid")


@click.command("eval")
@click.option(
    "--dataset",
    "datasets",
    multiple=True,
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A JSON-lines set (repeatable).",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("evals/reports"),
    help="Folder for the reports (one sub-folder per set).",
)
@click.option("--compare", is_flag=True, help="Also run dense only, BM25 only and hybrid, side by side.")
@click.option("--gate", is_flag=True, help="Exit 1 when a figure falls below evals/thresholds.toml.")
@click.option(
    "--thresholds",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=THRESHOLDS,
    help="The gates file.",
)
@click.option("--no-charts", is_flag=True, help="Skip the PNG charts.")
@click.option(
    "--judge",
    "use_judge",
    is_flag=True,
    help="Also score cited answers with the LLM judge (needs RAHNUMA_LLM_URL).",
)
@click.option("--quiet", is_flag=True, help="No progress bar.")
def eval_command(
    datasets: tuple[Path, ...],
    out: Path,
    compare: bool,
    gate: bool,
    thresholds: Path,
    no_charts: bool,
    use_judge: bool,
    quiet: bool,
) -> None:
    """Run evaluation sets through the pipeline and report every metric per field and language."""
    from tqdm import tqdm

    from bot.cli import _build_pipeline, configure_logging, load_settings

    settings = load_settings()
    configure_logging(settings.log_level)
    try:
        loaded = [(path, load_dataset(path)) for path in datasets]
    except DatasetError as exc:
        raise click.ClickException(str(exc)) from None
    from bot.llm import chat_model

    judge_model = chat_model(settings) if use_judge else None
    if use_judge and judge_model is None:
        raise click.ClickException("--judge needs an LLM endpoint: set RAHNUMA_LLM_URL")
    pipeline = _build_pipeline(settings)
    failed_gates = []
    for path, items in loaded:
        with tqdm(total=len(items), desc=path.stem, disable=quiet, file=sys.stderr) as bar:
            outcomes = run_dataset(pipeline, items, progress=bar.update, judge_model=judge_model)
        summary = summarise(path, outcomes)
        if gate:
            summary["gate"] = check(summary, path.stem, thresholds)
            failed_gates += [f"{path.stem}: {line}" for line in summary["gate"] if line.startswith("FAIL")]
        _, md_path = write_report(summary, out / path.stem, with_charts=not no_charts)
        click.echo(f"{path}: {len(items)} items → {md_path}")
        compact = {
            name: by_lang.get("all", {}).get("pass_rate") for name, by_lang in summary["fields"].items()
        }
        click.echo("  pass rates: " + json.dumps(compact))
        if "all" in summary["safety"]:
            s = summary["safety"]["all"]
            click.echo(f"  critical recall {s['critical_recall']}, over-refusal {s['over_refusal']}")
        for line in summary.get("gate", []):
            click.echo(f"  gate: {line}")
        if compare:
            rows = _compare(pipeline, path, items, quiet)
            table = comparison_markdown(rows)
            (out / path.stem / "compare.md").write_text(
                f"# Retrieval modes on `{path}`\n\nA cross-encoder reranker is not compared: no cross-encoder "
                "model ships as a package that loads offline here.\n\n" + table + "\n",
                encoding="utf-8",
            )
            (out / path.stem / "compare.json").write_text(json.dumps(rows, indent=2), encoding="utf-8")
            click.echo(table)
    if failed_gates:
        raise click.ClickException(
            "quality gates failed:\n" + "\n".join(f"  {line}" for line in failed_gates)
        )


def _compare(pipeline: Any, path: Path, items: list[dict[str, Any]], quiet: bool) -> list[dict[str, Any]]:
    from tqdm import tqdm

    rows = []
    for mode in MODES:
        with tqdm(total=len(items), desc=f"{path.stem} [{mode}]", disable=quiet, file=sys.stderr) as bar:
            summary = summarise(path, run_dataset(pipeline, items, mode, bar.update))
        for lang, r in summary["retrieval"].items():
            rows.append(
                {
                    "mode": mode,
                    "language": lang,
                    **{k: r[k] for k in ("hit@1", "hit@3", "mrr", "ndcg@5")},
                    "groundedness": summary["answers"].get(lang, {}).get("groundedness"),
                    "topics": summary["fields"].get("topics", {}).get(lang, {}).get("pass_rate"),
                    "p50": summary["latency_ms"]["total"]["p50"],
                }
            )
    return rows
