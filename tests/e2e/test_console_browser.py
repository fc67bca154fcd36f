"""The console in a real browser: `rahnuma serve --polling` against the fake Telegram, driven by Chromium.

A young person writes something alarming; a moderator logs in on a phone-sized and a desktop-sized
screen, claims the item, reads the transcript, takes over, replies (the reply reaches the young person's
chat), hands back and resolves; an admin sees every step in the audit log. Screenshots of the queue, a
transcript and the dashboard at both widths go to a temporary folder, or to the folder named by
RAHNUMA_SCREENSHOTS (``RAHNUMA_SCREENSHOTS=docs/screenshots`` refreshes the committed ones).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import sync_playwright

from bot.settings import Settings
from tests.conftest import REPO, ingest
from tests.fakes.telegram_server import FakeTelegram

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SHOTS = Path(os.environ.get("RAHNUMA_SCREENSHOTS") or tempfile.mkdtemp(prefix="rahnuma-shots-"))
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
PASSWORD = "a long enough password"
YOUTH = 5550001
REPLY = "I'm a person from the Rahnuma team. You matter. Can we talk about what is happening?"


@pytest.fixture(autouse=True)
def _chromium_is_installed() -> None:
    """The browser test fails, never skips, without Chromium: `scripts/test` installs it."""
    if not CHROMIUM.exists():
        pytest.fail(
            "Chromium is not installed at /usr/bin/chromium; run `bash scripts/test`, which installs it"
        )


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rahnuma(*args: str, env: dict[str, str], stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run the console script to completion."""
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        env=env,
        cwd=REPO,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def server(small_settings: Settings, tmp_path: Path) -> Iterator[tuple[str, FakeTelegram]]:
    """`rahnuma serve --polling` in a child process, talking to a fake Telegram; the console's base URL."""
    ingest(small_settings)
    fake = FakeTelegram().start()
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAHNUMA_")}
    env.update(
        {
            "RAHNUMA_DATA_DIR": str(small_settings.data_dir),
            "RAHNUMA_KB_DIR": str(small_settings.kb_dir),
            "RAHNUMA_EMBEDDING_MODEL": small_settings.embedding_model,
            "RAHNUMA_TELEGRAM_TOKEN": fake.token,
            "RAHNUMA_TELEGRAM_API_URL": fake.base_url,
            "RAHNUMA_WEB_PORT": str(port),
            "RAHNUMA_DELIVERY_RETRY_SECONDS": "1",
            "HF_HUB_OFFLINE": "1",
        }
    )
    for name, role in (("amina", "moderator"), ("root", "admin")):
        done = rahnuma(
            "users", "add", name, "--role", role, "--password-stdin", env=env, stdin=PASSWORD + "\n"
        )
        assert done.returncode == 0, done.stderr
    listed = rahnuma("users", "list", env=env)
    assert "amina\tmoderator" in listed.stdout and PASSWORD not in listed.stdout
    log = (tmp_path / "serve.log").open("w")
    child = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "serve", "--polling"], env=env, cwd=REPO, stdout=log, stderr=log
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=2) as response:  # noqa: S310 - local
                    if response.status == 200:
                        break
            except OSError:
                pass
            assert child.poll() is None, (tmp_path / "serve.log").read_text()
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.3)
        yield base, fake
    finally:
        child.terminate()
        try:
            child.wait(timeout=30)
        except subprocess.TimeoutExpired:
            child.kill()
        log.close()
        fake.stop()
        assert "5550001" not in (tmp_path / "serve.log").read_text()  # no raw Telegram ids in the logs


def log_in(page: Any, base: str, name: str) -> None:
    """Log in through the form."""
    page.goto(base + "/login")
    page.fill("input[name=username]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def shoot(page: Any, name: str) -> None:
    """A full-page screenshot, checked to be a real image."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 5000


def test_moderator_works_an_item_in_a_real_browser(server: tuple[str, FakeTelegram]) -> None:
    """Log in, see the queue, claim, read, take over, reply (it reaches the chat), hand back, resolve, audit."""
    base, fake = server
    fake.send_text(YOUTH, "I want to kill myself")
    answered = fake.wait_for_sent(YOUTH, 1, timeout=30)
    assert answered
    fake.send_text(YOUTH + 1, "I will attack the school tomorrow <script>alert(1)</script>")
    fake.wait_for_sent(YOUTH + 1, 1, timeout=30)

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            errors: list[str] = []
            phone = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
            page = phone.new_page()
            page.on("dialog", lambda dialog: errors.append(dialog.message))
            page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)

            page.goto(base + "/queue")
            assert page.url.endswith("/login")
            log_in(page, base, "amina")
            page.goto(base + "/queue")
            assert page.locator(".item").count() >= 1
            first = page.locator(".item").first
            assert "critical" in first.inner_text().lower() and "self_harm" in first.inner_text()
            shoot(page, "queue-phone")

            first.locator("a").click()
            page.wait_for_load_state()
            assert "I want to kill myself" in page.inner_text(".transcript")
            assert "support_and_escalate" in page.inner_text(".transcript")
            shoot(page, "transcript-phone")

            page.click("button:has-text('Claim')")
            assert "You hold this item now" in page.inner_text("main")
            page.click("button:has-text('Take over the chat')")
            assert "the bot is silent" in page.inner_text("main")
            page.fill("textarea[name=text] >> nth=0", REPLY)
            page.click("button:has-text('Send reply')")
            assert "Reply stored" in page.inner_text("main")
            sent = fake.wait_for_sent(YOUTH, 2, timeout=20)
            assert any(REPLY in str(m.get("text")) for m in sent)
            page.click("button:has-text('Hand back to the bot')")
            assert "The bot has the conversation again" in page.inner_text("main")
            page.fill("form[action$='/note'] textarea", "Shared the helpline; will check in tomorrow.")
            page.click("button:has-text('Add note')")
            page.check("input[value=supported]")
            page.click("button:has-text('Resolve')")
            assert "Item resolved" in page.inner_text("main")

            page.goto(base + "/dashboard")
            assert page.locator("svg.chart").count() >= 2
            shoot(page, "dashboard-phone")

            desktop = browser.new_context(viewport=DESKTOP)
            big = desktop.new_page()
            big.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
            log_in(big, base, "root")
            big.goto(base + "/queue?view=open")
            shoot(big, "queue-desktop")
            big.locator(".item a").first.click()
            big.wait_for_load_state()
            assert "<script>" in big.inner_text(".transcript")  # shown as text, not run
            shoot(big, "transcript-desktop")
            big.goto(base + "/dashboard")
            shoot(big, "dashboard-desktop")
            big.goto(base + "/audit")
            audit = big.inner_text("table.audit")
            for action in ("claim", "take_over", "reply", "hand_back", "note", "resolve", "login"):
                assert action in audit
            assert "amina" in audit
            assert not errors, errors
        finally:
            browser.close()
