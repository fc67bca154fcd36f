"""Simulated users through the fake Bot API: answered updates/s, latency and lost updates, beside the
pipeline alone.

    python -m benchmarks.telegram_load [--users 60] [--messages 5] [--database URL] [--data-dir DIR]

The real python-telegram-bot Application long-polls the fake over real HTTP on 127.0.0.1, with the real
model, the shipped knowledge base and a real database (SQLite in a temporary folder unless --database).
The fake runs in its own process, as Telegram would, and is driven through its control API. Every user
sends all their messages at once; latency runs from queuing an update to the fake receiving its reply.
"Pipeline alone" is `Pipeline.ask` one message after another, warm, with no Telegram and no database.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import statistics
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.pipeline import build_pipeline
from bot.settings import Settings
from ingest.sync import run
from knowledge_base.embedding import load_embedder
from tests.fakes.telegram_server import FakeTelegram
from tests.telegram_harness import bot_settings, running_bot

FIRST_USER = 500_000


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) by nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


@dataclass(frozen=True)
class RemoteFake:
    """The fake Bot API in a child process, driven over its control API."""

    token: str
    base_url: str
    control_url: str

    def _call(self, action: str, body: dict[str, Any] | None = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(  # noqa: S310 - our own server on 127.0.0.1
            f"{self.control_url}/{action}", data=data, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return json.loads(response.read())

    def send_text(self, user_id: int, text: str) -> dict[str, Any]:
        """Play a user sending a text."""
        return dict(self._call("send_text", {"user_id": user_id, "text": text})["result"])

    def sent(self) -> list[dict[str, Any]]:
        """Everything the bot sent."""
        return list(self._call("sent"))


def _serve_fake(queue: Any) -> None:
    fake = FakeTelegram().start()
    queue.put((fake.token, fake.base_url, fake.control_url))
    threading.Event().wait()


def start_fake() -> tuple[RemoteFake, Any]:
    """Start the fake in a child process."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_serve_fake, args=(queue,), daemon=True)
    process.start()
    return RemoteFake(*queue.get(timeout=60)), process


def questions(count: int) -> list[str]:
    """Texts from the shipped question set (three languages), repeated as needed."""
    lines = Path("evals/datasets/questions.jsonl").read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line)["text"] for line in lines if line.strip()]
    return [rows[n % len(rows)] for n in range(count)]


async def load(
    settings: Settings, database: str, users: int, messages: int, rate_limit: float
) -> dict[str, float]:
    """Drive the bot and measure."""
    pipeline = build_pipeline(settings)
    texts = questions(users * messages)
    for text in texts[:200]:  # warm: the sentence cache fills, as in a running bot
        pipeline.ask(text)
    started = time.perf_counter()
    alone = []
    for text in texts[:200]:
        t = time.perf_counter()
        pipeline.ask(text)
        alone.append((time.perf_counter() - t) * 1000)
    alone_rate = len(alone) / (time.perf_counter() - started)

    fake, process = start_fake()
    try:
        config = bot_settings(
            settings,
            fake,  # type: ignore[arg-type]
            database,
            flood_messages=max(10, messages + 1),
            telegram_rate_limit=rate_limit,
            moderator_chat_id=None,
        )
        async with running_bot(config, pipeline):
            sent_at: dict[tuple[int, int], float] = {}
            first = time.monotonic()
            for m in range(messages):
                for u in range(users):
                    user = FIRST_USER + u
                    update = await asyncio.to_thread(fake.send_text, user, texts[u * messages + m])
                    sent_at[(user, update["message"]["message_id"])] = time.monotonic()
            deadline = time.monotonic() + 120
            replies: dict[tuple[int, int], float] = {}
            while time.monotonic() < deadline:
                for r in await asyncio.to_thread(fake.sent):
                    key = (r["chat_id"], r["reply_to_message_id"])
                    if key in sent_at and key not in replies:
                        replies[key] = r["at"]
                if len(replies) == len(sent_at):
                    break
                await asyncio.sleep(0.2)
    finally:
        process.kill()
    latencies = [(replies[k] - sent_at[k]) * 1000 for k in replies]
    elapsed = max(replies.values()) - first if replies else float("nan")
    return {
        "updates": len(sent_at),
        "answered": len(replies),
        "lost": len(sent_at) - len(replies),
        "rate": len(replies) / elapsed,
        "p50": percentile(latencies, 50),
        "p95": percentile(latencies, 95),
        "alone_rate": alone_rate,
        "alone_p50": statistics.median(alone),
        "alone_p95": percentile(alone, 95),
    }


def main() -> None:
    """Print the figures as a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=60)
    parser.add_argument("--messages", type=int, default=5, help="messages each user sends at once")
    parser.add_argument("--database", default=None, help="SQLAlchemy URL (default: SQLite in a temp folder)")
    parser.add_argument("--data-dir", type=Path, default=None, help="an ingested data directory to reuse")
    parser.add_argument(
        "--rate-limit",
        type=float,
        default=30.0,
        help="the bot's message rate limit (0: off; the fake has none)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(data_dir=args.data_dir or Path(folder))
        if args.data_dir is None:
            run(settings, lambda: load_embedder(settings.embedding_model))
        database = args.database or f"sqlite:///{Path(folder) / 'bench.db'}"
        figures = asyncio.run(load(settings, database, args.users, args.messages, args.rate_limit))
    kind = database.split(":", 1)[0]
    limit = f"limit {args.rate_limit:g}/s" if args.rate_limit else "no rate limit"
    print(f"| measure ({args.users} users x {args.messages} messages, {kind}, {limit}) | value |")
    print("|---|---|")
    print(f"| updates sent | {figures['updates']} |")
    print(f"| answered / lost | {figures['answered']} / {figures['lost']} |")
    print(f"| answered updates/s through Telegram | {figures['rate']:.1f} |")
    print(f"| latency p50 / p95 (ms) | {figures['p50']:.0f} / {figures['p95']:.0f} |")
    print(f"| pipeline alone: asks/s | {figures['alone_rate']:.1f} |")
    print(f"| pipeline alone: p50 / p95 (ms) | {figures['alone_p50']:.1f} / {figures['alone_p95']:.1f} |")


if __name__ == "__main__":
    main()
