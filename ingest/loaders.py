"""Loaders for Markdown, plain text, HTML, PDF and DOCX: each returns sections of text with a locator."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml


@dataclass(frozen=True)
class Section:
    """A stretch of text and where it is in the original (a heading, a page)."""

    text: str
    locator: str | None = None


@dataclass(frozen=True)
class LoadedDocument:
    """A source file's text, split into sections, and any front matter it carries."""

    sections: tuple[Section, ...]
    front_matter: dict[str, Any] = field(default_factory=dict)


class LoaderError(Exception):
    """A source file could not be read; the message names the file and the problem."""


_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*(?:\n|\Z)", re.DOTALL)
_WHITESPACE = re.compile(r"[ \t\u00a0]+")


def _clean(text: str) -> str:
    lines = [_WHITESPACE.sub(" ", line).strip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _decode(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LoaderError(f"{path}: not UTF-8 text (byte {exc.start})") from None


def load_markdown(path: Path) -> LoadedDocument:
    """Markdown with optional YAML front matter; each heading starts a section."""
    from langchain_text_splitters import MarkdownHeaderTextSplitter

    raw = _decode(path)
    front: dict[str, Any] = {}
    match = _FRONT_MATTER.match(raw)
    if match:
        try:
            loaded = yaml.safe_load(match.group(1)) or {}
        except yaml.YAMLError as exc:
            raise LoaderError(f"{path}: front matter is not valid YAML: {exc}") from None
        if not isinstance(loaded, dict):
            raise LoaderError(f"{path}: front matter must be a mapping")
        front = loaded
        raw = raw[match.end() :]
    splitter = MarkdownHeaderTextSplitter(
        headers_to_split_on=[("#", "h1"), ("##", "h2"), ("###", "h3")], strip_headers=True
    )
    sections = []
    for doc in splitter.split_text(raw):
        heading = doc.metadata.get("h3") or doc.metadata.get("h2") or doc.metadata.get("h1")
        text = _clean(_strip_markdown(doc.page_content))
        if text:
            sections.append(Section(text, heading))
    return LoadedDocument(tuple(sections), front)


def _strip_markdown(text: str) -> str:
    text = re.sub(r"!\[[^\]]*\]\([^)]*\)", "", text)
    text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"(\*\*|\*|`)(?=\S)(.+?)(?<=\S)\1", r"\2", text)
    text = re.sub(r"(?<!\w)(__|_)(?=\S)(.+?)(?<=\S)\1(?!\w)", r"\2", text)  # not inside words: a_b_c
    return re.sub(r"^\s*>\s?", "", text, flags=re.MULTILINE)


def load_text(path: Path) -> LoadedDocument:
    """Plain UTF-8 text, one section."""
    text = _clean(_decode(path))
    return LoadedDocument((Section(text),) if text else ())


def load_html(path: Path) -> LoadedDocument:
    """HTML: scripts, styles and navigation dropped; h1-h3 start sections."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(_decode(path), "html.parser")
    for tag in soup(["script", "style", "nav", "header", "footer", "noscript", "form"]):
        tag.decompose()
    body = soup.body or soup
    sections: list[Section] = []
    heading: str | None = None
    buffer: list[str] = []

    def flush() -> None:
        text = _clean("\n\n".join(buffer))
        if text:
            sections.append(Section(text, heading))
        buffer.clear()

    for element in body.find_all(["h1", "h2", "h3", "p", "li", "blockquote", "td"]):
        if element.find_parent(["p", "li", "blockquote", "td"]) is not None:
            continue  # already counted through its parent
        text = element.get_text(" ", strip=True)
        if element.name in ("h1", "h2", "h3"):
            flush()
            heading = text or heading
        elif text:
            buffer.append(text)
    flush()
    if not sections:
        text = _clean(body.get_text("\n"))
        if text:
            sections.append(Section(text))
    return LoadedDocument(tuple(sections))


def load_pdf(path: Path) -> LoadedDocument:
    """PDF text, one section a page, located as ``p. N``."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted:
            raise LoaderError(f"{path}: the PDF is encrypted")
        pages = [page.extract_text() or "" for page in reader.pages]
    except LoaderError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise LoaderError(f"{path}: unreadable PDF ({exc})") from None
    sections = tuple(Section(_clean(text), f"p. {n}") for n, text in enumerate(pages, 1) if text.strip())
    if not sections:
        raise LoaderError(f"{path}: the PDF has no extractable text (a scan needs OCR first)")
    return LoadedDocument(sections)


def load_docx(path: Path) -> LoadedDocument:
    """DOCX paragraphs; paragraphs styled as headings start sections."""
    import zipfile

    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(str(path))
    except PackageNotFoundError:
        raise LoaderError(f"{path}: unreadable DOCX (not a Word document)") from None
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise LoaderError(f"{path}: unreadable DOCX ({exc})") from None
    sections: list[Section] = []
    heading: str | None = None
    buffer: list[str] = []
    for paragraph in document.paragraphs:
        style = (paragraph.style.name if paragraph.style is not None else "") or ""
        text = paragraph.text.strip()
        if style.lower().startswith(("heading", "title")):
            if buffer:
                sections.append(Section(_clean("\n\n".join(buffer)), heading))
                buffer = []
            heading = text or heading
        elif text:
            buffer.append(text)
    if buffer:
        sections.append(Section(_clean("\n\n".join(buffer)), heading))
    return LoadedDocument(tuple(sections))


LOADERS: dict[str, Callable[[Path], LoadedDocument]] = {
    ".md": load_markdown,
    ".markdown": load_markdown,
    ".txt": load_text,
    ".html": load_html,
    ".htm": load_html,
    ".pdf": load_pdf,
    ".docx": load_docx,
}


def load(path: Path) -> LoadedDocument:
    """Load any supported file; raise ``LoaderError`` naming the file on any problem."""
    loader = LOADERS.get(path.suffix.lower())
    if loader is None:
        raise LoaderError(f"{path}: unsupported file type {path.suffix!r}")
    if not path.is_file():
        raise LoaderError(f"{path}: file not found")
    try:
        document = loader(path)
    except LoaderError:
        raise
    except Exception as exc:  # a parser's own surprise still names the file
        raise LoaderError(f"{path}: could not be read ({type(exc).__name__}: {exc})") from None
    if not document.sections:
        raise LoaderError(f"{path}: no text found")
    return document
