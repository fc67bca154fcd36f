"""The optional LLM layers against a fake OpenAI-compatible endpoint: the moderator and the judge."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.pipeline import build_pipeline
from bot.settings import Settings
from tests.conftest import ingest
from tests.e2e.test_cli import rahnuma
from tests.fakes.openai_server import JUDGE_SCORES, FakeOpenAI

pytestmark = [pytest.mark.integration]


@pytest.fixture
def llm() -> Iterator[FakeOpenAI]:
    """A running fake endpoint."""
    server = FakeOpenAI().start()
    yield server
    server.stop()


@pytest.fixture
def llm_settings(small_settings: Settings, llm: FakeOpenAI) -> Settings:
    """The small knowledge base, ingested, with the fake endpoint configured."""
    ingest(small_settings)
    return small_settings.model_copy(update={"llm_url": llm.url, "llm_timeout": 5.0})


def test_without_an_endpoint_no_llm_is_used(small_settings: Settings) -> None:
    """With RAHNUMA_LLM_URL unset the pipeline has no moderator."""
    ingest(small_settings)
    assert build_pipeline(small_settings).llm_moderator is None


def test_moderator_can_raise_the_alarm(llm_settings: Settings, llm: FakeOpenAI) -> None:
    """A message the other layers pass is escalated when the moderator sees self-harm in it."""
    pipeline = build_pipeline(llm_settings)
    result = pipeline.ask("xyzzy, that is all I have left to say")
    assert result.verdict.category == "self_harm"
    assert "llm:self_harm" in result.verdict.reasons
    assert llm.requests and llm.requests[-1]["model"] == llm_settings.llm_model


def test_moderator_never_lowers_a_verdict(llm_settings: Settings) -> None:
    """The moderator saying 'none' does not undo a pattern's self-harm verdict."""
    result = build_pipeline(llm_settings).ask("I want to kill myself")
    assert result.verdict.category == "self_harm"


def test_moderator_failure_fails_closed(llm_settings: Settings, llm: FakeOpenAI) -> None:
    """An endpoint that errors makes the reply a polite refusal, flagged for a person."""
    pipeline = build_pipeline(llm_settings)
    llm.fail = True
    result = pipeline.ask("Who may declare war?")
    assert result.verdict.action == "refuse_and_escalate" and result.verdict.flagged
    assert "guardrail_error" in result.notes


def test_eval_judge_scores_cited_answers(llm_settings: Settings, tmp_path: Path) -> None:
    """`rahnuma eval --judge` adds the judge's scores to the answer figures."""
    dataset = tmp_path / "judge.jsonl"
    dataset.write_text(
        '{"id": "j1", "text": "Who may declare war, the state or a private group?", '
        '"language": "en", "expect": {"category": "none"}}\n',
        encoding="utf-8",
    )
    env = {
        "RAHNUMA_KB_DIR": str(llm_settings.kb_dir),
        "RAHNUMA_EMBEDDING_MODEL": llm_settings.embedding_model,
        "RAHNUMA_LLM_URL": str(llm_settings.llm_url),
        "RAHNUMA_MIN_SCORE": "0.05",
    }
    done = rahnuma(
        "eval",
        "--judge",
        "--quiet",
        "--no-charts",
        "--dataset",
        str(dataset),
        "--out",
        str(tmp_path / "out"),
        data_dir=llm_settings.data_dir,
        extra_env=env,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads((tmp_path / "out" / "judge" / "report.json").read_text(encoding="utf-8"))
    assert report["answers"]["all"]["judge_faithfulness"] == JUDGE_SCORES["faithfulness"]
    assert report["answers"]["all"]["judge_toxicity"] == JUDGE_SCORES["toxicity"]


def test_eval_judge_without_endpoint_is_a_clear_error(tmp_path: Path) -> None:
    """Asking for the judge with no endpoint configured says what to set."""
    dataset = tmp_path / "d.jsonl"
    dataset.write_text('{"text": "hi"}\n', encoding="utf-8")
    done = rahnuma("eval", "--judge", "--dataset", str(dataset), data_dir=tmp_path)
    assert done.returncode == 1 and "RAHNUMA_LLM_URL" in done.stderr
