"""Tests for the loaders: text, sections and locators from each format, and errors naming the file."""

from __future__ import annotations

import random
import zipfile
from pathlib import Path

import docx
import pytest
from fpdf import FPDF

from ingest.loaders import LoadedDocument, LoaderError, load


def make_pdf(path: Path, pages: list[str | None]) -> Path:
    """Write a PDF with one page per item; ``None`` makes a page with no text."""
    pdf = FPDF()
    pdf.set_font("Helvetica", size=12)
    for text in pages:
        pdf.add_page()
        if text is not None:
            pdf.multi_cell(0, 10, text)
    pdf.output(str(path))
    return path


def load_error(path: Path) -> str:
    """The message of the LoaderError that loading ``path`` raises; fails the test if none is raised."""
    with pytest.raises(LoaderError) as caught:
        load(path)
    message = str(caught.value)
    assert str(path) in message, f"the error does not name the file: {message}"
    return message


def locators(document: LoadedDocument) -> list[str | None]:
    """The locators of a document's sections, in order."""
    return [section.locator for section in document.sections]


def text_under(document: LoadedDocument, locator: str | None) -> str:
    """The text of the one section with ``locator``."""
    (section,) = [s for s in document.sections if s.locator == locator]
    return section.text


# ---- each format ----


def test_pdf_pages_become_page_locators(tmp_path: Path) -> None:
    """A two-page PDF loads as two sections located ``p. 1`` and ``p. 2`` holding each page's text."""
    path = make_pdf(tmp_path / "two-pages.pdf", ["Alpha page speaks of peace.", "Bravo page speaks of law."])
    document = load(path)
    assert locators(document) == ["p. 1", "p. 2"]
    assert "Alpha page speaks of peace." in text_under(document, "p. 1")
    assert "Bravo" not in text_under(document, "p. 1")
    assert "Bravo page speaks of law." in text_under(document, "p. 2")
    assert document.front_matter == {}


def test_pdf_blank_page_is_skipped_but_numbering_kept(tmp_path: Path) -> None:
    """A blank page between two text pages is skipped without renumbering the page after it."""
    path = make_pdf(tmp_path / "gap.pdf", ["First page text here.", None, "Third page text here."])
    assert locators(load(path)) == ["p. 1", "p. 3"]


def test_docx_headings_become_section_locators(tmp_path: Path) -> None:
    """DOCX paragraphs are grouped under the heading before them, which becomes their locator."""
    document = docx.Document()
    document.add_paragraph("An opening paragraph before any heading.")
    document.add_heading("Point one: who is a Muslim", level=1)
    document.add_paragraph("The first paragraph under point one.")
    document.add_paragraph("The second paragraph under point one.")
    document.add_heading("Point two: takfir", level=2)
    document.add_paragraph("Takfir between Muslims is forbidden.")
    path = tmp_path / "statement.docx"
    document.save(str(path))

    loaded = load(path)
    assert locators(loaded) == [None, "Point one: who is a Muslim", "Point two: takfir"]
    assert text_under(loaded, None) == "An opening paragraph before any heading."
    assert text_under(loaded, "Point one: who is a Muslim") == (
        "The first paragraph under point one.\n\nThe second paragraph under point one."
    )
    assert text_under(loaded, "Point two: takfir") == "Takfir between Muslims is forbidden."
    assert all("Point" not in s.text for s in loaded.sections), "a heading leaked into body text"


HTML = """<!doctype html>
<html><head><title>Page title</title><script>var secret = "tracking code";</script>
<style>p { color: red; }</style></head>
<body>
<nav><a href="/">Home</a> <p>Menu item in nav</p></nav>
<p>Introductory paragraph before headings.</p>
<h2>First heading</h2>
<p>Paragraph one under the first heading.</p>
<p>Paragraph two with <b>bold</b> words.<script>alert("inline script");</script></p>
<h2>Second heading</h2>
<ul><li>A list item under the second heading.</li></ul>
</body></html>
"""


def test_html_drops_scripts_and_nav_and_splits_on_headings(tmp_path: Path) -> None:
    """HTML loses scripts, styles and navigation; each h2 starts a section located by its text."""
    path = tmp_path / "page.html"
    path.write_text(HTML, encoding="utf-8")
    document = load(path)
    everything = "\n".join(s.text for s in document.sections)
    for dropped in ("tracking code", "inline script", "Menu item", "Home", "color: red"):
        assert dropped not in everything
    assert locators(document) == [None, "First heading", "Second heading"]
    assert text_under(document, None) == "Introductory paragraph before headings."
    assert text_under(document, "First heading") == (
        "Paragraph one under the first heading.\n\nParagraph two with bold words."
    )
    assert text_under(document, "Second heading") == "A list item under the second heading."


MARKDOWN = """---
summarises: "The Amman Message (2004)"
where: "The Three Points"
year: 2004
---
# The Amman Message

An introduction with **bold** and a [link](https://example.org).

## Point one
Who is a Muslim.

## Point two
Takfir is forbidden.
"""


def test_markdown_front_matter_and_headings(tmp_path: Path) -> None:
    """Markdown front matter is parsed, headings become locators and inline markup is removed."""
    path = tmp_path / "amman.md"
    path.write_text(MARKDOWN, encoding="utf-8")
    document = load(path)
    assert document.front_matter == {
        "summarises": "The Amman Message (2004)",
        "where": "The Three Points",
        "year": 2004,
    }
    assert locators(document) == ["The Amman Message", "Point one", "Point two"]
    assert text_under(document, "The Amman Message") == "An introduction with bold and a link."
    assert text_under(document, "Point one") == "Who is a Muslim."
    assert text_under(document, "Point two") == "Takfir is forbidden."
    everything = "\n".join(s.text for s in document.sections)
    assert "summarises" not in everything
    assert "---" not in everything
    assert "#" not in everything


def test_markdown_without_front_matter(tmp_path: Path) -> None:
    """Markdown without front matter loads with an empty front-matter mapping."""
    path = tmp_path / "plain.markdown"
    path.write_text("## Only heading\nSome body text.\n", encoding="utf-8")
    document = load(path)
    assert document.front_matter == {}
    assert locators(document) == ["Only heading"]


def test_markdown_keeps_underscores_inside_words(tmp_path: Path) -> None:
    """Underscores inside words (identifiers, URLs) are not mistaken for emphasis and removed."""
    path = tmp_path / "underscores.md"
    path.write_text(
        "## Heading\nSee https://example.org/a_b_c and the word snake_case_name.\n", encoding="utf-8"
    )
    text = load(path).sections[0].text
    assert "https://example.org/a_b_c" in text
    assert "snake_case_name" in text


def test_plain_text_is_one_cleaned_section(tmp_path: Path) -> None:
    """A UTF-8 text file (with a BOM and Urdu) loads as one section with no locator and tidied whitespace."""
    path = tmp_path / "note.txt"
    path.write_bytes("\ufeffFirst   line\twith  spaces.\n\n\n\n\nجان کی حرمت\n".encode())
    document = load(path)
    assert len(document.sections) == 1
    assert document.sections[0].locator is None
    assert document.sections[0].text == "First line with spaces.\n\nجان کی حرمت"
    assert document.front_matter == {}


# ---- errors name the file ----


def test_missing_file(tmp_path: Path) -> None:
    """A path that does not exist raises LoaderError naming it."""
    assert "not found" in load_error(tmp_path / "absent.md")


def test_unsupported_suffix(tmp_path: Path) -> None:
    """A file of an unsupported type raises LoaderError naming it and its suffix."""
    path = tmp_path / "slides.pptx"
    path.write_bytes(b"anything")
    assert "'.pptx'" in load_error(path)


def test_corrupt_pdf(tmp_path: Path) -> None:
    """Random bytes saved as .pdf raise LoaderError naming the file."""
    path = tmp_path / "corrupt.pdf"
    path.write_bytes(random.Random(7).randbytes(4096))
    assert "unreadable PDF" in load_error(path)


def test_pdf_without_text(tmp_path: Path) -> None:
    """A PDF whose only page has no text raises LoaderError naming the file and saying there is no text."""
    path = make_pdf(tmp_path / "scan.pdf", [None])
    assert "no extractable text" in load_error(path)


@pytest.mark.parametrize("kind", ["random-bytes", "zip-without-document"])
def test_corrupt_docx(tmp_path: Path, kind: str) -> None:
    """A .docx that is not a Word document raises LoaderError naming the file."""
    path = tmp_path / "broken.docx"
    if kind == "random-bytes":
        path.write_bytes(random.Random(11).randbytes(2048))
    else:
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("hello.txt", "not a word document")
    load_error(path)


@pytest.mark.parametrize("suffix", [".txt", ".md", ".html"])
def test_non_utf8_text(tmp_path: Path, suffix: str) -> None:
    """A text-based file that is not UTF-8 raises LoaderError naming the file and the encoding problem."""
    path = tmp_path / f"latin1{suffix}"
    path.write_bytes("Caf\u00e9 na\u00efve".encode("latin-1"))
    assert "UTF-8" in load_error(path)


def test_invalid_front_matter_yaml(tmp_path: Path) -> None:
    """Front matter that is not YAML raises LoaderError naming the file."""
    path = tmp_path / "bad-front.md"
    path.write_text('---\nsummarises: "unclosed\nwhere: [a, b\n---\n## H\nBody text.\n', encoding="utf-8")
    assert "front matter" in load_error(path)


def test_front_matter_that_is_not_a_mapping(tmp_path: Path) -> None:
    """Front matter that parses to a list raises LoaderError naming the file."""
    path = tmp_path / "list-front.md"
    path.write_text("---\n- one\n- two\n---\n## H\nBody text.\n", encoding="utf-8")
    assert "mapping" in load_error(path)


@pytest.mark.parametrize("suffix", [".md", ".txt", ".html", ".pdf", ".docx"])
def test_empty_file(tmp_path: Path, suffix: str) -> None:
    """An empty file of any supported type raises LoaderError naming the file."""
    path = tmp_path / f"empty{suffix}"
    path.write_bytes(b"")
    load_error(path)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("blank.txt", " \n\t\n  \n"),
        ("only-front.md", "---\nwhere: x\n---\n"),
        ("bare.html", "<html><body></body></html>"),
    ],
)
def test_file_with_no_text(tmp_path: Path, name: str, content: str) -> None:
    """A file that holds only whitespace or markup raises LoaderError saying no text was found."""
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    assert "no text" in load_error(path)
