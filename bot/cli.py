"""The `rahnuma` command line: `ingest`, `ask`, `sources`."""

from __future__ import annotations

import json
import logging
import sys
import time
from pathlib import Path
from typing import Any, TextIO

import click
from pydantic import ValidationError

from bot.settings import Settings
from knowledge_base.manifest import ManifestError, load_manifest
from knowledge_base.store import StoreError

log = logging.getLogger("rahnuma")


def load_settings() -> Settings:
    """Settings from the environment and config file, with domain errors made readable."""
    try:
        return Settings()
    except (ValidationError, ValueError) as exc:
        raise click.ClickException(f"invalid settings: {exc}") from None


def configure_logging(level: str) -> None:
    """Standard-library logging to stderr, once per entry point; quiet third-party loggers."""
    logging.basicConfig(
        level=level, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    for noisy in (
        "httpx",
        "sentence_transformers",
        "chromadb",
        "transformers",
        "urllib3",
        "bm25s",
        "alembic",
    ):
        logging.getLogger(noisy).setLevel(logging.WARNING)


@click.group()
@click.version_option(package_name="rahnuma")
def main() -> None:
    """Rahnuma: cited counter-narrative answers to young people's questions about violent extremism."""


def _add_subcommands() -> None:
    """Mount the writer's and the evaluation harness's commands; this is the one place they meet the bot."""
    from bot.console.cli import users_group
    from evals.cli import eval_command
    from ingest.cli import ingest_command

    main.add_command(ingest_command)
    main.add_command(eval_command)
    main.add_command(users_group)


_add_subcommands()


def _build_pipeline(settings: Settings) -> Any:
    from bot.pipeline import build_pipeline

    try:
        return build_pipeline(settings)
    except (ManifestError, StoreError) as exc:
        raise click.ClickException(str(exc)) from None


def _render_text(result: Any) -> str:
    lines = [result.answer]
    if result.citations:
        lines.append("")
        lines.append("Sources:")
        for c in result.citations:
            where = f", {c.locator}" if c.locator else ""
            link = f" <{c.url}>" if c.url else ""
            lines.append(f"[{c.n}] {c.title}{where}{link}")
    return "\n".join(lines)


def _read_batch(handle: TextIO) -> list[tuple[int, dict[str, Any] | None, str | None]]:
    """JSON lines; a broken line becomes an error entry for that line, not a crash."""
    items: list[tuple[int, dict[str, Any] | None, str | None]] = []
    for number, line in enumerate(handle, 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            items.append((number, None, f"line {number}: not valid JSON ({exc.msg})"))
            continue
        if not isinstance(item, dict) or not isinstance(item.get("text"), str):
            items.append(
                (
                    number,
                    item if isinstance(item, dict) else None,
                    f"line {number}: needs a JSON object with a string 'text'",
                )
            )
            continue
        items.append((number, item, None))
    return items


@main.command("ask")
@click.argument("text", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print the contract's JSON object.")
@click.option(
    "--batch",
    "batch",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help='Answer a JSON-lines file of {"id": ..., "text": ...}, loading models once.',
)
def ask_command(text: str | None, as_json: bool, batch: Path | None) -> None:
    """Answer a question (or a batch of them) as the assistant would."""
    if (text is None) == (batch is None):
        raise click.UsageError("give either TEXT or --batch FILE")
    settings = load_settings()
    configure_logging(settings.log_level)
    pipeline = _build_pipeline(settings)
    if batch is None:
        result = pipeline.ask(text)
        click.echo(json.dumps(result.to_contract(), ensure_ascii=False) if as_json else _render_text(result))
        return
    started = time.perf_counter()
    failures = 0
    with open(batch, encoding="utf-8") as handle:
        for _number, item, error in _read_batch(handle):
            if error is not None:
                failures += 1
                out: dict[str, Any] = {"id": (item or {}).get("id"), "error": error}
            else:
                assert item is not None
                out = {"id": item.get("id"), **pipeline.ask(item["text"]).to_contract()}
            click.echo(
                json.dumps(out, ensure_ascii=False)
                if as_json
                else f"{out.get('id')}: {out.get('answer', error)}"
            )
    log.info("batch done in %.1f s, %d bad lines", time.perf_counter() - started, failures)


@main.group("sources")
def sources_group() -> None:
    """Inspect the knowledge base."""


@sources_group.command("check")
def sources_check() -> None:
    """Validate the manifest and every approved source file, without touching the store."""
    from ingest.sync import SourceErrors, prepare

    settings = load_settings()
    try:
        manifest = load_manifest(settings.kb_dir)
        prepared = prepare(manifest, settings)
    except (ManifestError, SourceErrors) as exc:
        raise click.ClickException(str(exc)) from None
    chunks = sum(len(p.chunks) for p in prepared.values())
    click.echo(f"{len(manifest.sources)} sources, {len(prepared)} approved, {chunks} chunks: all readable.")


@sources_group.command("list")
def sources_list() -> None:
    """List sources with status, language and topics."""
    settings = load_settings()
    try:
        manifest = load_manifest(settings.kb_dir)
    except ManifestError as exc:
        raise click.ClickException(str(exc)) from None
    for s in manifest.sources:
        click.echo(f"{s.status:<9} {s.language:<8} {s.id}  [{', '.join(s.topics)}]")


@main.group("guardrails")
def guardrails_group() -> None:
    """Build and inspect the guardrails' learned classifier."""


@guardrails_group.command("train")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Where to write the weights (default: bot/guardrails/model/classifier.npz).",
)
def guardrails_train(output: Path | None) -> None:
    """Train the classifier from bot/guardrails/data/train.jsonl and print its cross-validation."""
    from bot.guardrails.learned import MODEL_PATH
    from bot.guardrails.train import train
    from knowledge_base.embedding import load_embedder

    settings = load_settings()
    configure_logging(settings.log_level)
    model, summary = train(load_embedder(settings.embedding_model))
    model.save(output or MODEL_PATH)
    click.echo(json.dumps(summary, indent=2, ensure_ascii=False))
    click.echo(f"Weights written to {output or MODEL_PATH}.")


def _bootstrap(settings: Settings) -> Any:
    from bot.bootstrap import bootstrap
    from bot.storage.db import DatabaseError

    try:
        return bootstrap(settings)
    except (ManifestError, StoreError, DatabaseError, ValueError) as exc:
        raise click.ClickException(str(exc)) from None


@main.command("serve")
@click.option("--polling", "mode", flag_value="polling", help="Long-poll Telegram for updates.")
@click.option(
    "--webhook",
    "mode",
    flag_value="webhook",
    help="Receive updates at RAHNUMA_WEBHOOK_URL (default when it is set).",
)
def serve_command(mode: str | None) -> None:
    """Run the Telegram bot and the web application (health check, webhook, console) until stopped."""
    import asyncio

    from bot.console import setup_console
    from bot.serve import serve

    settings = load_settings()
    configure_logging(settings.log_level)
    if mode == "webhook" and (settings.webhook_url is None or settings.webhook_secret is None):
        raise click.ClickException("--webhook needs RAHNUMA_WEBHOOK_URL and RAHNUMA_WEBHOOK_SECRET")
    if mode is not None and settings.telegram_token is None:
        raise click.ClickException(f"--{mode} needs RAHNUMA_TELEGRAM_TOKEN")
    services = _bootstrap(settings)
    try:
        asyncio.run(serve(services, mode, extensions=[setup_console]))
    finally:
        services.close()


@main.command("chat")
def chat_command() -> None:
    """Talk to the assistant in this terminal (offline, no Telegram token needed)."""
    import asyncio

    from bot.chat import chat

    settings = load_settings()
    configure_logging(settings.log_level)
    services = _bootstrap(settings)
    interactive = sys.stdin.isatty()

    def read() -> str | None:
        try:
            return input("you> ") if interactive else (sys.stdin.readline() or None)
        except EOFError:
            return None

    try:
        asyncio.run(chat(services, read, click.echo))
    finally:
        services.close()


@main.group("db")
def db_group() -> None:
    """Look after the database."""


@db_group.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the database schema to the newest version."""
    from bot.storage.db import Database, DatabaseError

    settings = load_settings()
    database = Database(settings.database())
    try:
        database.migrate()
    except DatabaseError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{database.description} is at schema revision {database.current_revision()}.")


@db_group.command("purge")
def db_purge() -> None:
    """Delete unflagged messages older than the retention period now (serve does it every hour)."""
    from bot.conversations import purge_expired
    from bot.storage.db import Database, DatabaseError

    settings = load_settings()
    configure_logging(settings.log_level)
    database = Database(settings.database())
    try:
        database.migrate()
        count = purge_expired(database, settings.retention_days)
    except DatabaseError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        database.close()
    click.echo(f"Removed {count} messages older than {settings.retention_days} days.")


if __name__ == "__main__":  # pragma: no cover
    main()
