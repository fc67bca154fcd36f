"""`rahnuma eval`: run an evaluation set through the real pipeline and write the report."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from evals.report import write_report
from evals.runner import DatasetError, load_dataset, run_dataset, summarise


@click.command("eval")
@click.option("--dataset", "datasets", multiple=True, required=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path), help="A JSON-lines set (repeatable).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("evals/reports"),
              help="Folder for report.json and report.md (one sub-folder per set).")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def eval_command(datasets: tuple[Path, ...], out: Path, quiet: bool) -> None:
    """Run evaluation sets through the pipeline and report every metric per field and language."""
    from tqdm import tqdm

    from bot.cli import _build_pipeline, configure_logging, load_settings

    settings = load_settings()
    configure_logging(settings.log_level)
    try:
        loaded = [(path, load_dataset(path)) for path in datasets]
    except DatasetError as exc:
        raise click.ClickException(str(exc)) from None
    pipeline = _build_pipeline(settings)
    for path, items in loaded:
        with tqdm(total=len(items), desc=path.stem, disable=quiet, file=sys.stderr) as bar:
            outcomes = run_dataset(pipeline, items, bar.update)
        summary = summarise(path, outcomes)
        json_path, md_path = write_report(summary, out / path.stem)
        click.echo(f"{path}: {len(items)} items → {md_path}")
        compact = {name: by_lang.get("all", {}).get("pass_rate") for name, by_lang in summary["fields"].items()}
        click.echo("  pass rates: " + json.dumps(compact))
        if "all" in summary["safety"]:
            s = summary["safety"]["all"]
            click.echo(f"  critical recall {s['critical_recall']}, over-refusal {s['over_refusal']}")
