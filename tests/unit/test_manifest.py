"""Tests for the manifest schema, its every-problem validation, and the shipped knowledge base."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from ingest.loaders import load
from knowledge_base import KB_DIR
from knowledge_base.manifest import MANIFEST_NAME, ManifestError, load_manifest, validate_entries
from knowledge_base.referrals import load_referrals
from knowledge_base.vocabulary import TOPICS


def entry(ident: str = "amman-message-2004", **overrides: Any) -> dict[str, Any]:
    """A valid approved manifest entry whose file is ``sources/<id>.md``."""
    base: dict[str, Any] = {
        "id": ident,
        "title": "The Amman Message",
        "issuer": "Royal Aal al-Bayt Institute",
        "year": 2004,
        "language": "en",
        "topics": ["takfir"],
        "url": "https://ammanmessage.com/",
        "license": "Paraphrased summary",
        "status": "approved",
        "reviewed_by": "A Reviewer",
        "reviewed_on": "2026-01-15",
        "path": f"sources/{ident}.md",
    }
    base.update(overrides)
    return base


def write_kb(root: Path, entries: list[dict[str, Any]], make_files: bool = True) -> Path:
    """Write a manifest (and, unless told otherwise, each entry's file) into ``root``."""
    (root / "sources").mkdir(parents=True, exist_ok=True)
    if make_files:
        for item in entries:
            path = item.get("path")
            if isinstance(path, str) and not path.startswith("/") and ".." not in path:
                (root / path).parent.mkdir(parents=True, exist_ok=True)
                (root / path).write_text("# Heading\n\nSome text.\n", encoding="utf-8")
    (root / MANIFEST_NAME).write_text(
        yaml.safe_dump({"sources": entries}, allow_unicode=True), encoding="utf-8"
    )
    return root


def problems_of(root: Path) -> list[str]:
    """The problems ``load_manifest`` reports for ``root``; fails the test if it reports none."""
    with pytest.raises(ManifestError) as caught:
        load_manifest(root)
    assert caught.value.path == root / MANIFEST_NAME
    return caught.value.problems


def test_valid_minimal_manifest_loads(tmp_path: Path) -> None:
    """A manifest with one complete approved entry loads into sources rooted at its folder."""
    write_kb(tmp_path, [entry()])
    manifest = load_manifest(tmp_path)
    assert manifest.root == tmp_path
    assert [s.id for s in manifest.sources] == ["amman-message-2004"]
    source = manifest.sources[0]
    assert source.reviewed_on == dt.date(2026, 1, 15)
    assert source.topics == ("takfir",)
    assert source.attribution == "Royal Aal al-Bayt Institute"
    assert manifest.file_of(source) == tmp_path / "sources" / "amman-message-2004.md"
    assert manifest.by_id()["amman-message-2004"] is source


def test_author_alone_is_enough_attribution(tmp_path: Path) -> None:
    """An entry with an author and no issuer is valid and attributed to the author."""
    write_kb(tmp_path, [entry(issuer=None, author="A. Scholar")])
    assert load_manifest(tmp_path).sources[0].attribution == "A. Scholar"


# Each case: (a raw entry with one fault, the field its problem must name, a phrase its problem must contain).
BROKEN_ENTRIES: list[tuple[dict[str, Any], str, str]] = [
    (entry("bad-topic", topics=["astrology"]), "topics", "'astrology' is not allowed"),
    (entry("bad-language", language="fr"), "language", "'fr' is not allowed"),
    (entry("bad-status", status="published"), "status", "'published' is not allowed"),
    (entry("Bad_Slug", path="sources/bad-slug.md"), "id", "lowercase"),
    (entry("no-review", reviewed_by=None, reviewed_on=None), "reviewed_by", "approved"),
    (entry("no-attribution", issuer=None, author=None), "issuer", "author"),
    (entry("ftp-url", url="ftp://example.org/file"), "url", "https://"),
    (entry("absolute-path", path="/etc/absolute.md"), "path", "relative"),
    (entry("dotdot-path", path="sources/../../outside.md"), "path", "relative"),
    (entry("bad-suffix", path="sources/bad-suffix.exe"), "path", ".md"),
]


def test_every_problem_is_reported_at_once_naming_entry_and_field(tmp_path: Path) -> None:
    """One fault in each of many entries: all are reported, each naming entry number, id and field."""
    good = entry("good-one")
    missing = entry("missing-file", path="sources/missing-file.md")
    duplicate = entry("good-one", path="sources/good-one-again.md")
    entries = [good] + [case[0] for case in BROKEN_ENTRIES] + [missing, duplicate]
    write_kb(tmp_path, entries)
    (tmp_path / "sources" / "missing-file.md").unlink()

    problems = problems_of(tmp_path)

    for offset, (raw, field, phrase) in enumerate(BROKEN_ENTRIES):
        name = f"entry {offset + 2} ({raw['id']!r})"
        matching = [p for p in problems if p.startswith(name + ":")]
        assert matching, f"no problem reported for {name}: {problems}"
        assert any(field in p and phrase in p for p in matching), (name, matching)
    missing_name = f"entry {len(BROKEN_ENTRIES) + 2} ('missing-file')"
    assert any(p.startswith(missing_name) and "field 'path'" in p and "not found" in p for p in problems), (
        problems
    )
    duplicate_name = f"entry {len(BROKEN_ENTRIES) + 3} ('good-one')"
    assert any(
        p.startswith(duplicate_name) and "field 'id'" in p and "entry 1 ('good-one')" in p for p in problems
    ), problems
    assert not any(p.startswith("entry 1 ") for p in problems), "the valid first entry was blamed"
    blamed = {p.split(":", 1)[0] for p in problems}
    assert len(blamed) == len(BROKEN_ENTRIES) + 2, sorted(blamed)


@pytest.mark.parametrize(
    ("raw", "field", "phrase"), BROKEN_ENTRIES, ids=[case[0]["id"] for case in BROKEN_ENTRIES]
)
def test_single_broken_entry_is_rejected(
    tmp_path: Path, raw: dict[str, Any], field: str, phrase: str
) -> None:
    """Each kind of fault on its own makes the manifest invalid with one problem naming the field."""
    write_kb(tmp_path, [raw])
    problems = problems_of(tmp_path)
    assert all(p.startswith(f"entry 1 ({raw['id']!r}): ") for p in problems), problems
    assert any(field in p and phrase in p for p in problems), problems


def test_unknown_topic_is_not_also_reported_as_an_empty_list(tmp_path: Path) -> None:
    """A single unknown topic yields exactly one problem, not a second claim that ``topics`` is empty."""
    write_kb(tmp_path, [entry("bad-topic", topics=["astrology"])])
    problems = problems_of(tmp_path)
    assert problems == [p for p in problems if "'astrology' is not allowed" in p], problems


def test_several_faults_in_one_entry_are_all_reported(tmp_path: Path) -> None:
    """An entry with a bad language, no attribution, no review and no file gets a problem per fault."""
    write_kb(
        tmp_path,
        [entry("many-faults", language="fr", issuer=None, author=None, reviewed_by=None, reviewed_on=None)],
        make_files=False,
    )
    problems = problems_of(tmp_path)
    assert all(p.startswith("entry 1 ('many-faults'): ") for p in problems)
    assert any("field 'language'" in p for p in problems), problems
    assert any("'issuer'" in p for p in problems), problems
    assert any("'reviewed_by'" in p for p in problems), problems
    assert any("field 'path'" in p and "not found" in p for p in problems), problems


def test_problems_name_the_field_path_of_a_bad_topic(tmp_path: Path) -> None:
    """A bad topic's problem names the ``topics`` field with the position of the offending item."""
    write_kb(tmp_path, [entry(topics=["takfir", "astrology"])])
    (problem,) = problems_of(tmp_path)
    assert "field 'topics.1'" in problem


def test_missing_file_for_draft_source_is_a_problem(tmp_path: Path) -> None:
    """A draft (not retracted) source whose file is missing is reported with its path."""
    write_kb(
        tmp_path, [entry("draft-one", status="draft", reviewed_by=None, reviewed_on=None)], make_files=False
    )
    (problem,) = problems_of(tmp_path)
    assert problem.startswith("entry 1 ('draft-one'): field 'path'")
    assert "sources/draft-one.md" in problem


def test_retracted_source_with_missing_file_is_accepted(tmp_path: Path) -> None:
    """A retracted source may have lost its file; the manifest still loads."""
    write_kb(tmp_path, [entry("kept"), entry("withdrawn", status="retracted")])
    (tmp_path / "sources" / "withdrawn.md").unlink()
    manifest = load_manifest(tmp_path)
    assert [s.id for s in manifest.sources] == ["kept", "withdrawn"]


def test_approved_returns_only_approved_sources(tmp_path: Path) -> None:
    """``approved()`` drops draft and retracted sources and keeps order."""
    write_kb(
        tmp_path,
        [
            entry("first-approved"),
            entry("a-draft", status="draft", reviewed_by=None, reviewed_on=None),
            entry("a-retracted", status="retracted"),
            entry("second-approved"),
        ],
    )
    manifest = load_manifest(tmp_path)
    assert len(manifest.sources) == 4
    assert [s.id for s in manifest.approved()] == ["first-approved", "second-approved"]


def test_non_mapping_entry_is_reported_and_others_still_checked(tmp_path: Path) -> None:
    """An entry that is not a mapping is reported by number, and later entries are still validated."""
    with pytest.raises(ManifestError) as caught:
        validate_entries(["just a string", entry("x-y", language="de")], tmp_path, tmp_path / MANIFEST_NAME)
    problems = caught.value.problems
    assert problems[0].startswith("entry 1: ")
    assert "mapping" in problems[0]
    assert problems[1].startswith("entry 2 ('x-y'): field 'language'")


def test_not_yaml_manifest_is_reported(tmp_path: Path) -> None:
    """A manifest file that is not YAML raises ManifestError saying so."""
    (tmp_path / MANIFEST_NAME).write_text("sources: [unclosed\n  - id: : :\n", encoding="utf-8")
    (problem,) = problems_of(tmp_path)
    assert "not valid YAML" in problem


@pytest.mark.parametrize(
    "text",
    ["[]\n", "sources: 3\n", "other: []\n", "sources:\n  id: one\n"],
    ids=["top-level-list", "sources-not-list", "no-sources-key", "sources-mapping"],
)
def test_manifest_without_sources_list_is_reported(tmp_path: Path, text: str) -> None:
    """A manifest without a list under ``sources`` raises ManifestError naming ``sources``."""
    (tmp_path / MANIFEST_NAME).write_text(text, encoding="utf-8")
    (problem,) = problems_of(tmp_path)
    assert "'sources'" in problem


def test_missing_manifest_is_reported(tmp_path: Path) -> None:
    """A folder with no manifest raises ManifestError saying the file does not exist."""
    (problem,) = problems_of(tmp_path)
    assert "does not exist" in problem


def test_error_message_lists_every_problem(tmp_path: Path) -> None:
    """The exception's message carries the manifest path, the count and every problem line."""
    write_kb(tmp_path, [entry("one", language="xx"), entry("two", status="nope")])
    with pytest.raises(ManifestError) as caught:
        load_manifest(tmp_path)
    message = str(caught.value)
    assert str(tmp_path / MANIFEST_NAME) in message
    assert "2 problem(s)" in message
    for problem in caught.value.problems:
        assert problem in message


# ---- the shipped knowledge base ----


def test_shipped_manifest_is_valid_and_broad() -> None:
    """The shipped manifest validates, has at least 40 approved sources and covers every topic."""
    manifest = load_manifest(KB_DIR)
    approved = manifest.approved()
    assert len(approved) >= 40
    covered = {topic for source in approved for topic in source.topics}
    assert set(TOPICS) <= covered, f"topics without an approved source: {sorted(set(TOPICS) - covered)}"


def test_shipped_manifest_has_urdu_and_roman_urdu_sources() -> None:
    """The shipped manifest has at least ten approved sources each in Urdu and Roman Urdu."""
    approved = load_manifest(KB_DIR).approved()
    assert sum(s.language == "ur" for s in approved) >= 10
    assert sum(s.language == "roman_ur" for s in approved) >= 10


def test_shipped_source_files_carry_front_matter() -> None:
    """Every shipped source file is Markdown whose front matter has ``summarises`` and ``where``."""
    manifest = load_manifest(KB_DIR)
    for source in manifest.approved():
        path = manifest.file_of(source)
        assert path.suffix in (".md", ".markdown"), f"{source.id}: {path.name} is not Markdown"
        front = load(path).front_matter
        assert isinstance(front.get("summarises"), str), f"{source.id}: no 'summarises'"
        assert front["summarises"].strip(), f"{source.id}: empty 'summarises'"
        assert isinstance(front.get("where"), str), f"{source.id}: no 'where'"
        assert front["where"].strip(), f"{source.id}: empty 'where'"


def test_shipped_referrals_are_valid_and_dated() -> None:
    """The shipped referrals file validates and every entry records when and where it was verified."""
    assert (KB_DIR / "referrals.yaml").is_file()
    referrals = load_referrals(KB_DIR)
    assert referrals
    assert len({r.id for r in referrals}) == len(referrals)
    for referral in referrals:
        assert isinstance(referral.verified_on, dt.date), referral.id
        assert referral.verified_from.strip(), f"{referral.id}: empty verified_from"
