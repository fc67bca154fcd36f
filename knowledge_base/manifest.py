"""The manifest of approved sources (``sources.yaml``): its schema, and validation that reports every problem."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from knowledge_base.vocabulary import Language, SourceStatus, Topic

MANIFEST_NAME = "sources.yaml"
ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SUPPORTED_SUFFIXES = (".md", ".markdown", ".txt", ".html", ".htm", ".pdf", ".docx")


class Source(BaseModel):
    """One entry of the manifest: an approved (or draft, or retracted) source and where its text lives."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    title: str = Field(min_length=3)
    issuer: str | None = None
    author: str | None = None
    year: int | None = Field(default=None, ge=600, le=2100)
    language: Language
    topics: tuple[Topic, ...]
    url: str | None = None
    license: str = Field(min_length=3)
    status: SourceStatus
    reviewed_by: str | None = None
    reviewed_on: dt.date | None = None
    schools_of_thought: tuple[str, ...] = ()
    institution: str | None = None
    locator: str | None = None
    path: str

    @field_validator("id")
    @classmethod
    def _id_is_a_slug(cls, value: str) -> str:
        if not ID_PATTERN.match(value):
            raise ValueError(
                "must be lowercase letters, digits and single hyphens, e.g. 'amman-message-2004'"
            )
        return value

    @field_validator("url")
    @classmethod
    def _url_is_http(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("https://", "http://")):
            raise ValueError("must start with https:// or http://, or be null")
        return value

    @field_validator("path")
    @classmethod
    def _path_is_supported(cls, value: str) -> str:
        if not value.lower().endswith(SUPPORTED_SUFFIXES):
            raise ValueError(f"must end with one of {', '.join(SUPPORTED_SUFFIXES)}")
        if Path(value).is_absolute() or ".." in Path(value).parts:
            raise ValueError("must be a relative path inside the knowledge base")
        return value

    @field_validator("topics", mode="before")
    @classmethod
    def _topics_listed(cls, value: Any) -> Any:
        if isinstance(value, list | tuple) and not value:
            raise ValueError("needs at least one topic")
        return value

    @field_validator("topics")
    @classmethod
    def _topics_unique(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(value)) != len(value):
            raise ValueError("lists a topic twice")
        return value

    @model_validator(mode="after")
    def _cross_field_rules(self) -> Source:
        problems = cross_field_problems(self.model_dump())
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def attribution(self) -> str:
        """Who issued or wrote the original."""
        return self.issuer or self.author or ""


def cross_field_problems(raw: dict[str, Any]) -> list[str]:
    """Rules that involve several fields; checked on the raw entry so they are reported with field errors."""
    problems = []
    if not (raw.get("issuer") or raw.get("author")):
        problems.append("field 'issuer': an entry needs an 'issuer' or an 'author'")
    if raw.get("status") == "approved" and not (raw.get("reviewed_by") and raw.get("reviewed_on")):
        problems.append("field 'reviewed_by': an approved source needs 'reviewed_by' and 'reviewed_on'")
    return problems


@dataclass(frozen=True)
class Manifest:
    """A validated manifest and the folder its paths are relative to."""

    root: Path
    sources: tuple[Source, ...]

    def by_id(self) -> dict[str, Source]:
        """Sources keyed by id."""
        return {source.id: source for source in self.sources}

    def approved(self) -> tuple[Source, ...]:
        """Only the sources that may be embedded and cited."""
        return tuple(s for s in self.sources if s.status == "approved")

    def file_of(self, source: Source) -> Path:
        """The absolute path of a source's text."""
        return self.root / source.path


class ManifestError(Exception):
    """The manifest is invalid; ``problems`` lists every problem found, each naming its entry and field."""

    def __init__(self, path: Path, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{path}: {len(problems)} problem(s)\n{lines}")


def _entry_name(index: int, raw: Any) -> str:
    ident = raw.get("id") if isinstance(raw, dict) else None
    return f"entry {index + 1} ({ident!r})" if ident else f"entry {index + 1}"


def _describe(error: Any) -> str:
    where = ".".join(str(p) for p in error["loc"]) or "(entry)"
    message = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] == "literal_error":
        message = f"{error['input']!r} is not allowed; {message.lower()}"
    return f"field '{where}': {message}"


def validate_entries(raw_entries: Iterable[Any], root: Path, path: Path) -> Manifest:
    """Validate raw manifest entries; raise ``ManifestError`` listing every problem at once."""
    problems: list[str] = []
    sources: list[Source] = []
    seen: dict[str, str] = {}
    for index, raw in enumerate(raw_entries):
        name = _entry_name(index, raw)
        if not isinstance(raw, dict):
            problems.append(f"{name}: must be a mapping of fields, got {type(raw).__name__}")
            continue
        entry_problems = [f"{name}: {p}" for p in cross_field_problems(raw)]
        source: Source | None = None
        try:
            source = Source.model_validate(raw)
        except ValidationError as exc:
            entry_problems.extend(
                f"{name}: {_describe(e)}" for e in exc.errors() if e["type"] != "value_error" or e["loc"]
            )
        ident, relative = raw.get("id"), raw.get("path")
        if isinstance(ident, str):
            if ident in seen:
                entry_problems.append(f"{name}: field 'id': duplicates {seen[ident]}")
            seen.setdefault(ident, name)
        if (
            raw.get("status") != "retracted"
            and isinstance(relative, str)
            and not Path(relative).is_absolute()
            and ".." not in Path(relative).parts
            and not (root / relative).is_file()
        ):
            entry_problems.append(f"{name}: field 'path': file not found: {relative}")
        problems.extend(entry_problems)
        if source is not None and not entry_problems:
            sources.append(source)
    if problems:
        raise ManifestError(path, problems)
    return Manifest(root=root, sources=tuple(sources))


def load_manifest(kb_dir: Path) -> Manifest:
    """Read and validate ``sources.yaml`` in ``kb_dir``."""
    path = kb_dir / MANIFEST_NAME
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ManifestError(path, ["the manifest file does not exist"]) from None
    except yaml.YAMLError as exc:
        raise ManifestError(path, [f"not valid YAML: {exc}"]) from None
    if not isinstance(data, dict) or not isinstance(data.get("sources"), list):
        raise ManifestError(path, ["must be a mapping with a list under 'sources'"])
    return validate_entries(data["sources"], kb_dir, path)
