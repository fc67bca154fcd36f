"""Evidence a learned verdict needs before it refuses and escalates.

The learned layer generalises from few examples and can mistake an ordinary "how do I ...?" question for an
operational request. A refusal pushes a curious teenager back to the recruiters, so a *learned*
``operational_request`` must name something of violence: a weapon, an armed group, an attack, a target, a
fighting place or the money or travel to reach one. Patterns are not gated (they are already specific).
``violent_intent`` and ``self_harm`` are not gated: threats are often indirect ("he won't see Eid"), and
gating violent_intent this way halved its recall on the safety set (0.86 → 0.52), so it stays ungated.
"""

from __future__ import annotations

import re

LATIN = tuple(
    "bomb explosi ied vest detonat grenade gun pistol rifle kalashnikov ak47 ak-47 weapon aslah "
    "bandook banduq barood poison zeher zehr knife chhuri churi chaku acid petrol molotov fuel "
    "fertili shoot goli kill qatl qatal maar murder stab burn jala attack hamla hamle blast dhamak "
    "target taliban ttp isis isil daesh daish qaeda lashkar jaish mujahid fighters militan jihad "
    "jehad camp markaz training border khost kunar waziristan tirah syria afghan mountains pahar "
    "hawala hundi fund donat chanda recruit brothers caravan qafil revenge "
    "badla sabaq tonight blasphem gustakh wajib behead hostage "
    "kidnap agwa".split()
)
URDU = tuple(
    "بم بارود دھماک جیکٹ بندوق پستول کلاشنکوف اسلحہ ہتھیار زہر چھری چاقو تیزاب پیٹرول گولی قتل مار "
    "حملہ حملے جلا طالبان داعش القاعدہ لشکر جیش مجاہد جہاد کیمپ مرکز تربیت سرحد بارڈر خوست "
    "وزیرستان تیراہ پہاڑ حوالہ ہنڈی چندہ بھرتی بدلہ سبق گستاخ توہین واجب اغوا یرغمال".split()
)
# Phrases of several words (kept whole: their single words alone carry no danger).
PHRASES = (
    "join them",
    "unke paas",
    "un tak",
    "teach them a lesson",
    "aaj raat",
    "kal subah",
    "لڑنے والوں",
    "آج رات",
    "کل صبح",
)
DANGER = re.compile(
    r"\b(?:"
    + "|".join(re.escape(t) for t in LATIN + PHRASES[:6])
    + r")|"
    + "|".join(re.escape(t) for t in URDU + PHRASES[6:])
)
GATED = frozenset({"operational_request"})


def has_evidence(category: str, normalised: str) -> bool:
    """Whether a learned verdict of this category may stand for this message."""
    return category not in GATED or bool(DANGER.search(normalised))
