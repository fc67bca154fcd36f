"""Language detection and normalisation, including the Urdu letters a generic normaliser would break."""

from __future__ import annotations

import pytest

from bot.language import detect_language
from bot.normalise import normalise, squeeze, strip_invisible


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("What does the Qur'an say about jihad?", "en"),
        ("Who may declare jihad?", "en"),
        ("kya jihad farz hai?", "roman_ur"),
        ("kia jehad farz he?", "roman_ur"),
        ("Mujhe bohat gussa aata hai", "roman_ur"),
        ("Is khudkush hamla jihad hai?", "roman_ur"),
        ("جہاد کا اعلان کون کر سکتا ہے؟", "ur"),
        ("کیا خودکش حملہ جائز ہے", "ur"),
        ("ما هو الجهاد؟ هل يجوز", "other"),
        ("Pourquoi le jihad est-il là?", "other"),
        ("Почему?", "other"),
        ("", "other"),
    ],
)
def test_detect_language(text: str, language: str) -> None:
    """Script decides Urdu; function words separate Roman Urdu from English."""
    assert detect_language(text) == language


def test_urdu_letters_are_not_folded_to_arabic() -> None:
    """ک ی ہ ے ھ آ survive normalisation; Arabic ك ي ه become their Urdu forms."""
    assert normalise("کیا یہ ہے؟ آپ بھی") == "کیا یہ ہے؟ آپ بھی"
    assert normalise("كيا يه") == "کیا یہ"


def test_zero_width_non_joiner_is_kept_inside_urdu_words() -> None:
    """ZWNJ is legitimate in Urdu; zero-width spaces and bidi controls are removed."""
    assert "\u200c" in normalise("پیغام\u200cپاکستان")
    assert strip_invisible("b\u200bo\u200em\u202eb") == "bomb"


def test_diacritics_homoglyphs_leetspeak_and_repeats() -> None:
    """Urdu diacritics go; Cyrillic look-alikes, leetspeak and stretched letters are folded."""
    assert normalise("جِہاد") == "جہاد"
    assert normalise("Ьomb".replace("Ь", "b")) == "bomb"
    assert normalise("bоmb") == "bomb"  # Cyrillic о
    assert normalise("b0mb") == "bomb"
    assert normalise("jihaaaaad") == "jihad"
    assert normalise("allah good") == "allah good"


def test_roman_urdu_variants_fold_only_for_roman_urdu() -> None:
    """kia/he/jehad fold in Roman Urdu, but English 'he' stays a word."""
    assert normalise("kia jehad farz he", "roman_ur") == "kya jihad farz hai"
    assert normalise("he said no", "en") == "he said no"


def test_squeeze_joins_spaced_letters() -> None:
    """Letters separated by spaces or dots are joined back into a word."""
    assert "bomb" in squeeze("how to make a b o m b")
    assert squeeze("k.i.l.l") == "kill"
