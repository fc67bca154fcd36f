"""The fixed replies, written per language: support, refusals, out of scope, no source found, greetings.

Tone: calm, respectful, never shaming, no lecture. Each reply keeps the assistant's role and, where it
refuses, says what it can do instead.
"""

from __future__ import annotations

from collections.abc import Sequence

from knowledge_base.referrals import Referral
from knowledge_base.vocabulary import TOPIC_LABELS

Texts = dict[str, str]


def pick(texts: Texts, language: str) -> str:
    """The text in the language, or English."""
    return texts.get(language) or texts["en"]


SUPPORT: Texts = {
    "en": (
        "I'm really glad you told me. What you are feeling matters, and you don't have to carry it alone. "
        "If you might hurt yourself or you are in danger right now, please contact one of these now, or go to "
        "the nearest hospital:\n{referrals}\n"
        "Talking to someone you trust (a friend, a family member, a teacher) can help too. "
        "A member of our team, a real person, has been asked to look at this conversation."
    ),
    "ur": (
        "آپ نے مجھے بتایا، اس کا بہت شکریہ۔ آپ جو محسوس کر رہے ہیں وہ اہم ہے، اور آپ کو یہ بوجھ اکیلے نہیں اٹھانا۔ "
        "اگر آپ خود کو نقصان پہنچا سکتے ہیں یا ابھی خطرے میں ہیں تو براہِ کرم ابھی ان میں سے کسی سے رابطہ کریں، "
        "یا قریبی ہسپتال جائیں:\n{referrals}\n"
        "کسی ایسے شخص سے بات کرنا بھی مدد دیتا ہے جس پر آپ بھروسا کرتے ہیں۔ "
        "ہماری ٹیم کے ایک رکن، ایک حقیقی انسان، کو اس گفتگو کو دیکھنے کے لیے کہا گیا ہے۔"
    ),
    "roman_ur": (
        "Aap ne mujhe bataya, bohat shukriya. Aap jo mehsoos kar rahe hain woh ahem hai, aur aap ko yeh bojh "
        "akele nahi uthana. Agar aap khud ko nuqsan pohancha sakte hain ya abhi khatre mein hain to please abhi "
        "in mein se kisi se rabta karein, ya qareebi hospital jayein:\n{referrals}\n"
        "Kisi aise insaan se baat karna bhi madad karta hai jis par aap bharosa karte hain. "
        "Hamari team ke ek member, ek asli insaan, ko yeh guftagu dekhne ke liye kaha gaya hai."
    ),
}

REFUSE_ESCALATE: Texts = {
    "en": (
        "I can't help with that. I won't give any information that could be used to hurt people. "
        "If something is pushing you toward violence, or someone is pressuring you, you can talk about it here "
        "and I will listen. A member of our team has been asked to look at this conversation."
    ),
    "ur": (
        "میں اس میں مدد نہیں کر سکتا۔ میں کوئی ایسی معلومات نہیں دوں گا جو لوگوں کو نقصان پہنچانے میں استعمال ہو سکے۔ "
        "اگر کوئی چیز آپ کو تشدد کی طرف دھکیل رہی ہے یا کوئی آپ پر دباؤ ڈال رہا ہے تو آپ یہاں اس پر بات کر سکتے ہیں۔ "
        "ہماری ٹیم کے ایک رکن کو اس گفتگو کو دیکھنے کے لیے کہا گیا ہے۔"
    ),
    "roman_ur": (
        "Main is mein madad nahi kar sakta. Main koi aisi maloomat nahi doon ga jo logon ko nuqsan pohanchane "
        "mein istemal ho sake. Agar koi cheez aap ko tashaddud ki taraf dhakel rahi hai ya koi aap par dabao daal "
        "raha hai to aap yahan is par baat kar sakte hain. Hamari team ke ek member ko yeh guftagu dekhne ke "
        "liye kaha gaya hai."
    ),
}

REFUSE_INJECTION: Texts = {
    "en": "I can't change my rules or my sources. I answer questions about extremism from reviewed sources only. "
    "What would you like to ask?",
    "ur": "میں اپنے اصول یا ذرائع نہیں بدل سکتا۔ میں انتہا پسندی سے متعلق سوالوں کے جواب صرف جانچے ہوئے ذرائع سے دیتا ہوں۔ "
    "آپ کیا پوچھنا چاہیں گے؟",
    "roman_ur": "Main apne usool ya sources nahi badal sakta. Main extremism ke baare mein sawalon ke jawab sirf "
    "check kiye hue sources se deta hoon. Aap kya poochna chahenge?",
}

REFUSE_SPAM: Texts = {
    "en": "I can't help with that message. If you have a question about extremism, faith or how to stay safe "
    "online, I'm here.",
    "ur": "میں اس پیغام میں مدد نہیں کر سکتا۔ اگر انتہا پسندی، دین یا آن لائن محفوظ رہنے کے بارے میں کوئی سوال ہو تو میں حاضر ہوں۔",
    "roman_ur": "Main is message mein madad nahi kar sakta. Agar extremism, deen ya online mehfooz rehne ke "
    "baare mein koi sawal ho to main yahan hoon.",
}

OUT_OF_SCOPE: Texts = {
    "en": "That's outside what I can help with. I answer questions about extremism, with reviewed sources, on "
    "topics like: {topics}.",
    "ur": "یہ میرے دائرے سے باہر ہے۔ میں انتہا پسندی سے متعلق سوالوں کے جواب جانچے ہوئے ذرائع سے دیتا ہوں، مثلاً: {topics}۔",
    "roman_ur": "Yeh mere daire se bahar hai. Main extremism ke baare mein sawalon ke jawab check kiye hue sources "
    "se deta hoon, jaise: {topics}.",
}

NO_SOURCE: Texts = {
    "en": "I don't have a reviewed source that answers this, and I won't guess. I can talk about: {topics}.",
    "ur": "میرے پاس کوئی جانچا ہوا ذریعہ نہیں جو اس کا جواب دے، اور میں اندازے سے جواب نہیں دوں گا۔ میں ان موضوعات پر بات کر سکتا ہوں: {topics}۔",
    "roman_ur": "Mere paas koi check kiya hua source nahi jo is ka jawab de, aur main andaze se jawab nahi doon ga. "
    "Main in topics par baat kar sakta hoon: {topics}.",
}

GREETING: Texts = {
    "en": "Hello, and welcome. I'm Rahnuma. Ask me anything about extremism, faith and staying safe; I answer from "
    "reviewed sources and show them. For example: {topics}.",
    "ur": "السلام علیکم، خوش آمدید۔ میں رہنما ہوں۔ انتہا پسندی، دین اور محفوظ رہنے کے بارے میں کچھ بھی پوچھیں؛ میں جانچے ہوئے ذرائع سے جواب دیتا ہوں اور انہیں دکھاتا ہوں۔ مثلاً: {topics}۔",
    "roman_ur": "Assalam o alaikum, khush aamdeed. Main Rahnuma hoon. Extremism, deen aur mehfooz rehne ke baare "
    "mein kuch bhi poochein; main check kiye hue sources se jawab deta hoon. Jaise: {topics}.",
}

INTRO: Texts = {
    "en": "Here is what reviewed sources say:",
    "ur": "جانچے ہوئے ذرائع یہ کہتے ہیں:",
    "roman_ur": "Check kiye hue sources yeh kehte hain:",
}

OPENERS: dict[str, Texts] = {
    "extremist_sympathy": {
        "en": "I hear that this matters to you, and it's fair to ask hard questions. Here is what reviewed sources say:",
        "ur": "میں سمجھتا ہوں کہ یہ آپ کے لیے اہم ہے، اور مشکل سوال پوچھنا ٹھیک ہے۔ جانچے ہوئے ذرائع یہ کہتے ہیں:",
        "roman_ur": "Main samajhta hoon ke yeh aap ke liye ahem hai, aur mushkil sawal poochna theek hai. "
        "Check kiye hue sources yeh kehte hain:",
    },
    "propaganda": {
        "en": "Messages like this are written to persuade, so it's good to check them. Here is what reviewed "
        "sources say:",
        "ur": "ایسے پیغامات قائل کرنے کے لیے لکھے جاتے ہیں، اس لیے انہیں جانچنا اچھا ہے۔ جانچے ہوئے ذرائع یہ کہتے ہیں:",
        "roman_ur": "Aise messages qaail karne ke liye likhe jate hain, is liye inhein check karna acha hai. "
        "Check kiye hue sources yeh kehte hain:",
    },
    "hate_speech": {
        "en": "Anger at a whole group of people is something many feel at times. Here is what reviewed sources say:",
        "ur": "پورے گروہ پر غصہ کبھی کبھی بہت سے لوگ محسوس کرتے ہیں۔ جانچے ہوئے ذرائع یہ کہتے ہیں:",
        "roman_ur": "Poore group par gussa kabhi kabhi bohat log mehsoos karte hain. Check kiye hue sources yeh "
        "kehte hain:",
    },
}

PERSONAL_DATA_NOTE: Texts = {
    "en": "(For your safety, please don't share phone numbers, ID numbers or addresses here; I removed them.)",
    "ur": "(آپ کی حفاظت کے لیے، براہِ کرم یہاں فون نمبر، شناختی کارڈ نمبر یا پتے نہ لکھیں؛ میں نے انہیں ہٹا دیا ہے۔)",
    "roman_ur": "(Aap ki hifazat ke liye, please yahan phone number, CNIC ya address na likhein; main ne inhein "
    "hata diya hai.)",
}

FALLBACK: Texts = {
    "en": "Sorry, I couldn't put together a reliable answer this time. A member of our team will review this "
    "question. You can ask again in other words.",
    "ur": "معذرت، اس بار میں قابلِ اعتماد جواب نہیں بنا سکا۔ ہماری ٹیم کا ایک رکن اس سوال کو دیکھے گا۔ آپ دوسرے الفاظ میں دوبارہ پوچھ سکتے ہیں۔",
    "roman_ur": "Maazrat, is dafa main qabil-e-aitmaad jawab nahi bana saka. Hamari team ka ek member yeh sawal "
    "dekhe ga. Aap doosre alfaaz mein dobara pooch sakte hain.",
}

FEATURED_TOPICS = (
    "jihad_authority",
    "suicide_attacks",
    "takfir",
    "recruitment",
    "digital_literacy",
    "mental_health",
)


def topic_list(language: str, topics: Sequence[str] = FEATURED_TOPICS) -> str:
    """Topic names in the language, comma-separated."""
    lang = language if language in ("en", "ur", "roman_ur") else "en"
    separator = "، " if lang == "ur" else ", "
    return separator.join(TOPIC_LABELS[t][lang] for t in topics)


def referral_lines(referrals: Sequence[Referral], limit: int = 4) -> str:
    """Help lines for someone in distress: one emergency service, then mental-health support lines."""
    emergency = [r for r in referrals if r.kind == "emergency"][:1]
    support = [r for r in referrals if r.kind == "mental_health"]
    others = [r for r in referrals if r.kind == "child_protection"]
    chosen = (emergency + support + others)[:limit]
    if not chosen:
        return "- your local emergency number"
    return "\n".join(f"- {r.name}: {r.contact}" + (f" ({r.hours})" if r.hours else "") for r in chosen)
