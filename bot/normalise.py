"""Normalise a message before judging it: a copy for matching, the original is kept.

Careful with Urdu: NFKC would fold the Urdu letters' presentation forms correctly, but a generic Arabic
normaliser would also turn ک/ی/ہ into ك/ي/ه; here it is the other way round (Arabic variants become the
Urdu letters), and the zero-width non-joiner, legitimate inside Urdu words, is kept in the copy.
"""

from __future__ import annotations

import re
import unicodedata

ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200d\u2060\ufeff\u00ad\u180e"), None)
BIDI_CONTROLS = dict.fromkeys(
    map(ord, "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u061c"), None
)
# Arabic letters typed on Arabic keyboards → the Urdu letters Urdu text uses.
ARABIC_TO_URDU = str.maketrans({"ك": "ک", "ي": "ی", "ى": "ی", "ه": "ہ", "ۀ": "ۂ", "ة": "ۃ"})
URDU_DIACRITICS = re.compile("[\u064b-\u065f\u0670\u06d6-\u06ed]")
LATIN_HOMOGLYPHS = str.maketrans(
    {
        "а": "a",
        "е": "e",
        "о": "o",
        "р": "p",
        "с": "c",
        "у": "y",
        "х": "x",
        "і": "i",
        "ј": "j",
        "ѕ": "s",
        "ԁ": "d",
        "ɡ": "g",
        "һ": "h",
        "ӏ": "l",
        "ո": "n",
        "ѵ": "v",
        "ԝ": "w",
        "α": "a",
        "ο": "o",
        "ε": "e",
        "ι": "i",
        "κ": "k",
        "ν": "v",
        "ρ": "p",
        "τ": "t",
        "υ": "u",
    }
)
LEET = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i"}
)
LEET_WORD = re.compile(r"\b(?=\w*[a-z])(?=\w*[013457@$])[\w@$!]+\b")
REPEATS = re.compile(r"(\w)\1{2,}")  # three or more: stretched ("jihaaad"); doubles are real letters
SPACES = re.compile(r"\s+")

# Common Roman Urdu spelling variants → one form (whole words only).
ROMAN_VARIANTS = {
    "kia": "kya",
    "kiya": "kya",
    "kyaa": "kya",
    "he": "hai",
    "hay": "hai",
    "hain": "hain",
    "hei": "hai",
    "hy": "hai",
    "ha": "hai",
    "jehad": "jihad",
    "jahad": "jihad",
    "jihaad": "jihad",
    "khudkash": "khudkush",
    "khudkashi": "khudkushi",
    "khud-kush": "khudkush",
    "kafer": "kafir",
    "kaafir": "kafir",
    "kufar": "kufr",
    "nai": "nahi",
    "nahin": "nahi",
    "nhi": "nahi",
    "nahee": "nahi",
    "mein": "main",
    "ap": "aap",
    "q": "kyun",
    "kyu": "kyun",
    "kiun": "kyun",
    "kyon": "kyun",
    "krna": "karna",
    "krta": "karta",
    "krte": "karte",
    "musalman": "musalman",
    "musalmaan": "musalman",
    "muslman": "musalman",
    "shaheed": "shaheed",
    "shahid": "shaheed",
}
ROMAN_WORD = re.compile(r"[a-z][a-z\-]*")


def strip_invisible(text: str) -> str:
    """Remove zero-width and bidi control characters, keeping the ZWNJ that Urdu words use."""
    return text.translate(ZERO_WIDTH).translate(BIDI_CONTROLS)


def normalise(text: str, language: str | None = None) -> str:
    """A lower-cased, folded copy of a message for matching and retrieval.

    Roman Urdu spelling variants are folded only when ``language`` is ``roman_ur`` (English "he" is a word).
    """
    text = unicodedata.normalize("NFKC", text)
    text = strip_invisible(text)
    text = text.translate(ARABIC_TO_URDU)
    text = URDU_DIACRITICS.sub("", text)
    text = text.casefold().translate(LATIN_HOMOGLYPHS)
    text = LEET_WORD.sub(lambda m: m.group(0).translate(LEET), text)
    text = REPEATS.sub(r"\1", text)
    if language == "roman_ur":
        text = ROMAN_WORD.sub(lambda m: ROMAN_VARIANTS.get(m.group(0), m.group(0)), text)
    return SPACES.sub(" ", text).strip()


def squeeze(text: str) -> str:
    """The normalised text with spaces and punctuation between single letters removed ("b o m b" → "bomb")."""
    joined = re.sub(r"\b(\w)[\s.\-_*]+(?=\w\b)", r"\1", text)
    return LEET_WORD.sub(lambda m: m.group(0).translate(LEET), joined)  # "b 0 m b" → "b0mb" → "bomb"
