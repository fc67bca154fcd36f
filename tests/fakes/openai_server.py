"""A tiny OpenAI-compatible chat endpoint on 127.0.0.1, for the optional LLM layers' tests.

It answers the moderator prompt with {"category": ...} ("self_harm" when the message holds the word
"xyzzy") and the judge prompt with fixed scores; ``fail`` makes it answer 500; ``requests`` records bodies.
"""

from __future__ import annotations

import asyncio
import json
import threading
from typing import Any

from aiohttp import web

JUDGE_SCORES = {
    "faithfulness": 0.9,
    "relevancy": 0.8,
    "opposition": 4,
    "relatedness": 5,
    "specificity": 3,
    "toxicity": 1,
    "fluency": 5,
}


class FakeOpenAI:
    """The server, run on its own event loop in a thread, so synchronous clients can call it."""

    def __init__(self) -> None:
        self.fail = False
        self.requests: list[dict[str, Any]] = []
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._runner: web.AppRunner | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    @property
    def url(self) -> str:
        """The base URL to configure (``RAHNUMA_LLM_URL``)."""
        return f"http://127.0.0.1:{self.port}/v1"

    async def _chat(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.requests.append(body)
        if self.fail:
            return web.json_response({"error": {"message": "overloaded"}}, status=500)
        system = next((m["content"] for m in body["messages"] if m["role"] == "system"), "")
        user = next((m["content"] for m in body["messages"] if m["role"] == "user"), "")
        if "safety classifier" in system:
            content = json.dumps({"category": "self_harm" if "xyzzy" in user else "none"})
        else:
            content = json.dumps(JUDGE_SCORES)
        return web.json_response(
            {
                "id": "chatcmpl-test",
                "object": "chat.completion",
                "created": 0,
                "model": body.get("model", "m"),
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": content},
                        "finish_reason": "stop",
                    }
                ],
                "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
            }
        )

    async def _start(self) -> None:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._chat)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    def start(self) -> FakeOpenAI:
        """Start serving."""
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(timeout=10)
        return self

    def stop(self) -> None:
        """Stop serving."""
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
