"""`rahnuma ingest`: sync the knowledge base into the Chroma store."""

from __future__ import annotations

import logging
import sys

import click
from pydantic import ValidationError

from ingest.sync import SourceErrors, Summary, run
from knowledge_base.config import StoreSettings
from knowledge_base.embedding import load_embedder
from knowledge_base.manifest import ManifestError
from knowledge_base.store import StoreError


def _print_summary(summary: Summary) -> None:
    plan = summary.plan
    verb = "would" if summary.dry_run else "did"
    if summary.dry_run:
        for label, ids in (("add", plan.added), ("update", plan.updated), ("remove", plan.removed)):
            for source_id in ids:
                click.echo(f"  {label:<7}{source_id}")
    if not plan.changes and not summary.dry_run:
        click.echo(
            f"Nothing to do: {len(plan.unchanged)} sources unchanged (store version {summary.version})."
        )
        return
    click.echo(
        f"Ingestion {verb}: {len(plan.added)} added, {len(plan.updated)} updated, {len(plan.removed)} removed, "
        f"{len(plan.unchanged)} skipped (unchanged); {summary.chunks} chunks"
        + ("" if summary.dry_run else f", {summary.embedded} embedded; store version {summary.version}")
        + f"; {summary.seconds:.1f} s."
    )


@click.command("ingest")
@click.option("--dry-run", is_flag=True, help="Say what would change; write nothing.")
@click.option(
    "--rebuild", is_flag=True, help="Re-embed every source into a fresh version (after a model change)."
)
@click.option("--quiet", is_flag=True, help="No progress bar.")
def ingest_command(dry_run: bool, rebuild: bool, quiet: bool) -> None:
    """Embed the approved sources of the knowledge base into the store.

    Unchanged sources are skipped by content hash, changed ones replace their chunks, retracted or removed
    ones disappear. A bad source stops the run and leaves the store as it was.
    """
    try:
        settings = StoreSettings()
    except (ValidationError, ValueError) as exc:
        raise click.ClickException(f"invalid settings: {exc}") from None

    def progress(total: int) -> object:
        from tqdm import tqdm

        return tqdm(total=total, unit="chunk", desc="embedding", disable=quiet or total == 0, file=sys.stderr)

    try:
        summary = run(
            settings,
            lambda: load_embedder(settings.embedding_model),
            dry_run=dry_run,
            rebuild=rebuild,
            progress_factory=progress,  # type: ignore[arg-type]
        )
    except (ManifestError, SourceErrors, StoreError) as exc:
        raise click.ClickException(str(exc)) from None
    logging.getLogger(__name__).debug("ingestion finished")
    _print_summary(summary)
