"""Detect the language of a message: en, ur (Arabic script), roman_ur (Urdu in Latin letters) or other."""

from __future__ import annotations

import re

URDU_ONLY = set("ٹڈڑںےہھۓۂ")
ARABIC_ONLY = set("ةيكىه")
ARABIC_SCRIPT = re.compile(r"[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")
LATIN = re.compile(r"[a-z]")
WORD = re.compile(r"[a-z']+")
NON_ASCII_LATIN = re.compile(r"[à-ÿğışœß]")

# Frequent Roman Urdu function words and markers, chosen not to be common English words.
ROMAN_URDU = frozenset(
    "hai hain kya kyun kaise kaisay nahi aur ke ki ka ko se main mujhe mera meri mere tum aap yeh ye "
    "woh wo kar karna karte karta kiya hota hoti hote sakta sakti sakte chahiye agar lekin magar bhi "
    "koi kuch sab log logon bohat bahut acha theek kyunke kyunki jab tab wala wali walay raha rahi "
    "rahe gaya gayi hum hamara unka unki iska uska kaun kahan kab kitna batao bataen bataiye samajh "
    "islam farz jaiz haram halal kafir musalman khudkush hamla larkiyon taleem zaroori sahi galat "
    "ghalat dil zindagi bhai yaar par pe tak liye lye wajah matlab jihad qatal qatl insan insaan mulk "
    "hukumat fatwa ulama hadees quran".split()
)
ENGLISH = frozenset(
    "the is are was were what why how who when where does do did can should would could a an of to in "
    "on and or it this that i you my your we they about with for not be if say says allowed".split()
)
NEUTRAL = frozenset("jihad islam quran fatwa hadees kafir polio taliban".split())


def detect_language(text: str) -> str:
    """Guess the language from the script and, for Latin text, Roman Urdu versus English function words."""
    arabic = len(ARABIC_SCRIPT.findall(text))
    lowered = text.casefold()
    latin = len(LATIN.findall(lowered))
    if arabic and arabic >= latin:
        letters = set(text)
        if letters & ARABIC_ONLY and not letters & URDU_ONLY:
            return "other"  # Arabic (or Persian with Arabic letters), not Urdu
        return "ur"
    if not latin:
        return "other"
    words = WORD.findall(lowered)
    roman = sum(1 for w in words if w in ROMAN_URDU and w not in NEUTRAL)
    english = sum(1 for w in words if w in ENGLISH)
    if roman and roman >= english:
        return "roman_ur"
    if english == 0 and NON_ASCII_LATIN.search(lowered):
        return "other"  # French, Turkish, German ... with their accented letters
    return "en"
