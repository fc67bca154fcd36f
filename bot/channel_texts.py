"""What the assistant says around its answers, in three languages: welcome, privacy, help, and the notes a
chat channel needs (non-text messages, forwarded posts, a person asked for, flood control, deletion).

Channel-neutral plain text: Telegram and the terminal chat render it their own way.
"""

from __future__ import annotations

from bot.replies import Texts, pick

LANGUAGES = {"en": "English", "ur": "اردو", "roman_ur": "Roman Urdu"}

WELCOME: Texts = {
    "en": (
        "Assalam-o-alaikum, welcome to Rahnuma.\n"
        "Ask me anything about extremism, jihad, sects, recruitment online, or feeling angry or alone. "
        "I answer from named sources that scholars and experts have reviewed, and I show you which ones.\n"
        "I am not a mufti and I do not give fatwas. I am not the police. I am a guide to reliable sources.\n"
        "What is kept: your messages and my answers, under a code name instead of your Telegram id, with "
        "phone numbers and similar details removed. Ordinary messages are deleted after {days} days. "
        "If a message suggests someone may be in danger, trained moderators may read that conversation. "
        "/privacy says more; /delete erases your messages.\n"
        "Choose a language, or just write in the one you like."
    ),
    "ur": (
        "السلام علیکم، رہنما میں خوش آمدید۔\n"
        "انتہاپسندی، جہاد، فرقہ واریت، آن لائن بھرتی، یا غصے اور تنہائی کے بارے میں جو چاہیں پوچھیں۔ "
        "میں ایسے نامزد ذرائع سے جواب دیتا ہوں جنہیں علما اور ماہرین نے دیکھا ہے، اور بتاتا ہوں کہ کون سے۔\n"
        "میں مفتی نہیں، فتویٰ نہیں دیتا۔ میں پولیس نہیں ہوں۔ میں قابلِ اعتماد ذرائع تک رہنمائی کرتا ہوں۔\n"
        "کیا محفوظ ہوتا ہے: آپ کے پیغامات اور میرے جواب، آپ کی ٹیلیگرام شناخت کے بجائے ایک فرضی کوڈ کے ساتھ، "
        "فون نمبر جیسی تفصیلات ہٹا کر۔ عام پیغامات {days} دن بعد مٹا دیے جاتے ہیں۔ "
        "اگر کسی پیغام سے لگے کہ کوئی خطرے میں ہے تو تربیت یافتہ نگران وہ گفتگو پڑھ سکتے ہیں۔ "
        "مزید کے لیے /privacy؛ اپنے پیغامات مٹانے کے لیے /delete۔\n"
        "زبان چنیں، یا جس زبان میں چاہیں لکھیں۔"
    ),
    "roman_ur": (
        "Assalam-o-alaikum, Rahnuma mein khush aamdeed.\n"
        "Intehapasandi, jihad, firqa wariyat, online bharti, ya ghussay aur tanhai ke baare mein jo chahein "
        "poochein. Main aise naam wale zaraye se jawab deta hoon jinhein ulama aur mahireen ne dekha hai, aur "
        "batata hoon kaun se.\n"
        "Main mufti nahi, fatwa nahi deta. Main police nahi hoon. Main qabil-e-aitbaar zaraye tak rehnumai "
        "karta hoon.\n"
        "Kya mehfooz hota hai: aap ke messages aur mere jawab, aap ki Telegram id ki jagah ek code naam ke "
        "saath, phone number jaisi tafseel hata kar. Aam messages {days} din baad mita diye jate hain. "
        "Agar kisi message se lage ke koi khatre mein hai to tarbiyat yafta moderators woh guftagu parh "
        "sakte hain. Mazeed ke liye /privacy; apne messages mitane ke liye /delete.\n"
        "Zaban chunein, ya jis zaban mein chahein likhein."
    ),
}

PRIVACY: Texts = {
    "en": (
        "Privacy, in short:\n"
        "- I keep your messages and my answers so the service can be checked and improved. You are stored "
        "under a code name made from your Telegram id with a secret key, not under the id itself.\n"
        "- Phone numbers, CNIC numbers, emails and addresses are removed from your messages before they "
        "are stored.\n"
        "- Ordinary messages are deleted automatically after {days} days.\n"
        "- If a message suggests danger to you or to others, the conversation is kept for trained "
        "moderators, who may read it and reply to you here. They follow the organisation's safeguarding "
        "rules.\n"
        "- /delete erases your stored messages at any time."
    ),
    "ur": (
        "رازداری، مختصراً:\n"
        "- آپ کے پیغامات اور میرے جواب محفوظ رہتے ہیں تاکہ سروس جانچی اور بہتر کی جا سکے۔ آپ کو آپ کی ٹیلیگرام "
        "شناخت سے نہیں بلکہ ایک خفیہ کلید سے بنے کوڈ نام سے محفوظ کیا جاتا ہے۔\n"
        "- فون نمبر، شناختی کارڈ نمبر، ای میل اور پتے محفوظ کرنے سے پہلے ہٹا دیے جاتے ہیں۔\n"
        "- عام پیغامات {days} دن بعد خودبخود مٹ جاتے ہیں۔\n"
        "- اگر کسی پیغام سے آپ یا دوسروں کو خطرہ لگے تو وہ گفتگو تربیت یافتہ نگرانوں کے لیے رکھی جاتی ہے، جو اسے "
        "پڑھ کر یہاں جواب دے سکتے ہیں۔ وہ ادارے کے حفاظتی اصولوں پر چلتے ہیں۔\n"
        "- /delete سے آپ کسی بھی وقت اپنے پیغامات مٹا سکتے ہیں۔"
    ),
    "roman_ur": (
        "Privacy, mukhtasar:\n"
        "- Aap ke messages aur mere jawab mehfooz rehte hain taake service jaanchi aur behtar ki ja sake. Aap "
        "ko Telegram id se nahi balke ek khufia key se bane code naam se rakha jata hai.\n"
        "- Phone number, CNIC number, email aur pate mehfooz karne se pehle hata diye jate hain.\n"
        "- Aam messages {days} din baad khud ba khud mit jate hain.\n"
        "- Agar kisi message se aap ya doosron ko khatra lage to woh guftagu tarbiyat yafta moderators ke liye "
        "rakhi jati hai, jo use parh kar yahan jawab de sakte hain.\n"
        "- /delete se aap kisi bhi waqt apne messages mita sakte hain."
    ),
}

HELP: Texts = {
    "en": (
        'Just write your question, for example: "Who can declare jihad?" or "Is it true polio drops '
        'are a plot?". Under each answer you can tell me if it helped.\n'
        "/language: choose a language\n/sources: the approved sources\n/privacy: what is stored\n"
        "/delete: erase your messages\n/human: ask for a person\n/start: the welcome again"
    ),
    "ur": (
        'بس اپنا سوال لکھیں، مثلاً: "جہاد کا اعلان کون کر سکتا ہے؟"۔ ہر جواب کے نیچے آپ بتا سکتے ہیں کہ '
        "اس سے مدد ملی یا نہیں۔\n"
        "/language: زبان چنیں\n/sources: منظور شدہ ذرائع\n/privacy: کیا محفوظ ہوتا ہے\n"
        "/delete: اپنے پیغامات مٹائیں\n/human: کسی انسان سے بات\n/start: خوش آمدید دوبارہ"
    ),
    "roman_ur": (
        'Bas apna sawal likhein, maslan: "Jihad ka elan kaun kar sakta hai?". Har jawab ke neeche aap '
        "bata sakte hain ke madad mili ya nahi.\n"
        "/language: zaban chunein\n/sources: manzoor shuda zaraye\n/privacy: kya mehfooz hota hai\n"
        "/delete: apne messages mitayein\n/human: kisi insaan se baat\n/start: khush aamdeed dobara"
    ),
}

LANGUAGE_CHOSEN: Texts = {
    "en": "I will use English for my notes. Write in any language; I answer in the one you write in.",
    "ur": "میں اپنے نوٹس اردو میں دوں گا۔ آپ جس زبان میں لکھیں گے، جواب اسی میں آئے گا۔",
    "roman_ur": "Main apne notes Roman Urdu mein doon ga. Aap jis zaban mein likhein ge, jawab usi mein aaye ga.",
}
CHOOSE_LANGUAGE: Texts = {
    "en": "Choose a language:",
    "ur": "زبان چنیں:",
    "roman_ur": "Zaban chunein:",
}

NON_TEXT: Texts = {
    "en": "I can only read text for now. Please type your question, in English, Urdu or Roman Urdu.",
    "ur": "میں ابھی صرف لکھا ہوا متن پڑھ سکتا ہوں۔ براہِ کرم اپنا سوال لکھ کر بھیجیں۔",
    "roman_ur": "Main abhi sirf likha hua text parh sakta hoon. Please apna sawal likh kar bhejein.",
}
FORWARDED: Texts = {
    "en": "You forwarded a post. Let's look at its claims together.",
    "ur": "آپ نے ایک پوسٹ آگے بھیجی ہے۔ آئیے اس کے دعووں کو مل کر دیکھتے ہیں۔",
    "roman_ur": "Aap ne ek post forward ki hai. Aayiye is ke daawon ko mil kar dekhte hain.",
}
EDITED: Texts = {
    "en": "You edited your message; here is my answer to the new text.",
    "ur": "آپ نے اپنا پیغام بدلا ہے؛ نئے متن کا جواب یہ ہے۔",
    "roman_ur": "Aap ne apna message badla hai; naye text ka jawab yeh hai.",
}
HUMAN_REQUESTED: Texts = {
    "en": (
        "I have asked for a person. A trained moderator will read this conversation and may reply here. "
        "They are not always online, so it can take a while. Until then I keep answering as usual. "
        "If you or someone else is in danger right now, call 1122 (Rescue) or 15 (Police)."
    ),
    "ur": (
        "میں نے کسی انسان سے بات کی درخواست بھیج دی ہے۔ ایک تربیت یافتہ نگران یہ گفتگو پڑھ کر یہاں جواب دے سکتا "
        "ہے۔ وہ ہر وقت آن لائن نہیں ہوتے، اس لیے کچھ وقت لگ سکتا ہے۔ تب تک میں معمول کے مطابق جواب دیتا رہوں گا۔ "
        "اگر آپ یا کوئی اور ابھی خطرے میں ہے تو 1122 (ریسکیو) یا 15 (پولیس) پر کال کریں۔"
    ),
    "roman_ur": (
        "Main ne kisi insaan se baat ki darkhwast bhej di hai. Ek tarbiyat yafta moderator yeh guftagu parh "
        "kar yahan jawab de sakta hai. Woh har waqt online nahi hote, is liye kuch waqt lag sakta hai. Tab tak "
        "main mamool ke mutabiq jawab deta rahoon ga. Agar aap ya koi aur abhi khatre mein hai to 1122 "
        "(Rescue) ya 15 (Police) par call karein."
    ),
}
FLOOD: Texts = {
    "en": "You are sending messages faster than I can read them. Please wait a minute, then ask again.",
    "ur": "آپ اتنی تیزی سے پیغام بھیج رہے ہیں کہ میں پڑھ نہیں پا رہا۔ براہِ کرم ایک منٹ رک کر دوبارہ پوچھیں۔",
    "roman_ur": "Aap itni tezi se messages bhej rahe hain ke main parh nahi pa raha. Please ek minute ruk kar dobara poochein.",
}
DELETE_CONFIRM: Texts = {
    "en": "Erase all your stored messages and my answers? This cannot be undone.",
    "ur": "آپ کے تمام محفوظ پیغامات اور میرے جواب مٹا دیے جائیں؟ یہ واپس نہیں ہو سکتا۔",
    "roman_ur": "Aap ke tamam mehfooz messages aur mere jawab mita diye jayein? Yeh wapas nahi ho sakta.",
}
DELETE_DONE: Texts = {
    "en": (
        "Done: {count} stored messages were erased. If a moderator was already looking into a safety "
        "concern, only a note that a concern existed is kept, without your words."
    ),
    "ur": (
        "ہو گیا: {count} محفوظ پیغامات مٹا دیے گئے۔ اگر کوئی نگران پہلے سے کسی حفاظتی خدشے کو دیکھ رہا تھا تو "
        "صرف یہ نوٹ رہتا ہے کہ خدشہ تھا، آپ کے الفاظ نہیں۔"
    ),
    "roman_ur": (
        "Ho gaya: {count} mehfooz messages mita diye gaye. Agar koi moderator pehle se kisi hifazati khadshe "
        "ko dekh raha tha to sirf yeh note rehta hai ke khadsha tha, aap ke alfaaz nahi."
    ),
}
DELETE_CANCELLED: Texts = {
    "en": "Nothing was erased.",
    "ur": "کچھ نہیں مٹایا گیا۔",
    "roman_ur": "Kuch nahi mitaya gaya.",
}
FEEDBACK_THANKS: Texts = {
    "en": "Thank you, noted.",
    "ur": "شکریہ، نوٹ کر لیا۔",
    "roman_ur": "Shukriya, note kar liya.",
}
REPORT_THANKS: Texts = {
    "en": "Thank you. A person will look at this answer.",
    "ur": "شکریہ۔ ایک انسان اس جواب کو دیکھے گا۔",
    "roman_ur": "Shukriya. Ek insaan is jawab ko dekhe ga.",
}
SOURCES_HEADER: Texts = {
    "en": "The approved sources I answer from, by topic:",
    "ur": "منظور شدہ ذرائع جن سے میں جواب دیتا ہوں، موضوع کے لحاظ سے:",
    "roman_ur": "Manzoor shuda zaraye jin se main jawab deta hoon, mauzoo ke lihaz se:",
}
SOURCES_LABEL: Texts = {"en": "Sources", "ur": "ذرائع", "roman_ur": "Zaraye"}
BUTTONS: dict[str, Texts] = {
    "helpful": {"en": "👍 Helpful", "ur": "👍 مفید", "roman_ur": "👍 Mufeed"},
    "not_helpful": {"en": "👎 Not helpful", "ur": "👎 مفید نہیں", "roman_ur": "👎 Mufeed nahi"},
    "report": {"en": "⚠️ Report", "ur": "⚠️ رپورٹ", "roman_ur": "⚠️ Report"},
    "delete_yes": {"en": "Yes, erase", "ur": "ہاں، مٹا دیں", "roman_ur": "Haan, mita dein"},
    "delete_no": {"en": "No, keep", "ur": "نہیں، رہنے دیں", "roman_ur": "Nahi, rehne dein"},
}


def say(texts: Texts, language: str | None, **values: object) -> str:
    """The text in the language (English when unknown), with its ``{placeholders}`` filled."""
    text = pick(texts, language or "en")
    return text.format(**values) if values else text
