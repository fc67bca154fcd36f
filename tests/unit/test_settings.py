"""Settings: every one documented, read from the environment or a TOML file, bad values named."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.settings import Settings
from knowledge_base.config import default_data_dir
from tests.conftest import REPO


def test_every_setting_is_documented_in_env_example() -> None:
    """Each field of Settings appears in .env.example, and nothing there is stale."""
    documented = set(re.findall(r"RAHNUMA_([A-Z_]+)=", (REPO / ".env.example").read_text(encoding="utf-8")))
    fields = {name.upper() for name in Settings.model_fields}
    assert fields <= documented
    assert documented - fields == {"CONFIG"}


def test_every_setting_has_a_description() -> None:
    """Each field says what it is for."""
    assert all(field.description for field in Settings.model_fields.values())


def test_environment_and_config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A TOML file supplies settings; the environment overrides it."""
    config = tmp_path / "rahnuma.toml"
    config.write_text("retrieval_top_k = 7\nmin_score = 0.5\n", encoding="utf-8")
    monkeypatch.setenv("RAHNUMA_CONFIG", str(config))
    monkeypatch.setenv("RAHNUMA_MIN_SCORE", "0.4")
    settings = Settings()
    assert settings.retrieval_top_k == 7
    assert settings.min_score == 0.4


def test_missing_config_file_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Naming a config file that does not exist fails loudly."""
    monkeypatch.setenv("RAHNUMA_CONFIG", str(tmp_path / "nope.toml"))
    with pytest.raises(ValueError, match="does not exist"):
        Settings()


def test_bad_value_names_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    """An invalid value is reported with the setting's name."""
    monkeypatch.setenv("RAHNUMA_RETRIEVAL_MODE", "magic")
    with pytest.raises(ValidationError, match="retrieval_mode"):
        Settings()


def test_default_data_dir_is_shared_by_all_commands(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """With nothing set, ingest and ask use the same folder, whatever the working directory."""
    monkeypatch.delenv("RAHNUMA_DATA_DIR")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.chdir(tmp_path)
    assert Settings().data_dir == default_data_dir() == tmp_path / "xdg" / "rahnuma"
