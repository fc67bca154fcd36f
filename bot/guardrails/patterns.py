"""Curated multilingual patterns for the unambiguous cases, matched on the normalised message.

English, Roman Urdu (after spelling variants are folded) and Urdu script. Each list is ordered by
nothing; the classifier applies categories in order of danger. A pattern should fire only on what a
moderator would agree is unambiguous; curious, academic or grieving questions must not match.
"""

from __future__ import annotations

import re

GROUPS = (
    r"(?:taliban|ttp|tehreek[- ]?e[- ]?taliban|isis|isil|daesh|daish|is[- ]?k|islamic state|al[- ]?qaeda|alqaeda"
    r"|lashkar(?:[- ]?e[- ]?\w+)?|jaish(?:[- ]?e[- ]?\w+)?|lej|bla|tlp|mujahideen|mujahidin|the brothers|the caravan"
    r"|طالبان|داعش|القاعدہ|لشکر|جیش|مجاہدین)"
)
TARGET_GROUPS = (
    r"(?:shias?|shiites?|sunnis?|ahmadis?|qadianis?|christians?|isais?|hindus?|jews?|yahudis?|sikhs?|barelvis?"
    r"|deobandis?|wahhabis?|kafirs?|kuffar|infidels?|pashtuns?|punjabis?|baloch|muhajirs?|women|minorities"
    r"|شیعہ|سنی|احمدی|قادیانی|عیسائی|ہندو|یہودی|کافر|کافروں)"
)
WEAPONS = (
    r"(?:bomb|bombs|explosives?|ied|suicide vest|suicide jacket|detonator|grenade|tnt|ammonium nitrate|pipe bomb"
    r"|rocket|kalashnikov|ak[- ]?47|pistol|gun|rifle|weapon|weapons|aslaha|aslah|bandook|banduq|barood"
    r"|بم|بارود|دھماکہ خیز|اسلحہ|بندوق|پستول|خودکش جیکٹ)"
)

SELF_HARM = [
    r"\b(?:i|i'm|im|i am)\b[^.?!]{0,30}\b(?:want|wanna|going|plan|planning|thinking about|think about)\b[^.?!]{0,20}"
    r"\b(?:to die|kill myself|end (?:it|my life|everything)|suicide|hurt myself|cut myself)",
    r"\b(?:kill|killing|hurt|hurting|cut|cutting) myself\b",
    r"\bend(?:ing)? my life\b",
    r"\bi (?:don'?t|do not) want to (?:live|be alive|exist)\b",
    r"\b(?:no reason|no point) (?:to|in) (?:live|living)\b",
    r"\bbetter off dead\b|\bwant to disappear forever\b|\bsuicidal\b",
    r"\b(?:main|mujhe|mera)\b[^.?!]{0,25}\b(?:marna|mar jana|khudkushi|khud ?kushi|apni jaan)\b[^.?!]{0,20}"
    r"\b(?:chahta|chahti|chahiye|karna|karunga|karungi|lena|le lun|dun|doon)",
    r"\b(?:jeena|jina|zinda rehna) nahi chahta|\bjeena nahi chahti|\bzindagi khatam kar",
    r"\bkhudkushi (?:kar lun|kar loon|karna chahta|karna chahti|ka soch)",
    r"(?:مرنا چاہتا|مرنا چاہتی|خودکشی کر|جینا نہیں چاہتا|جینا نہیں چاہتی|اپنی جان لے|زندگی ختم کر)",
    # Goodbyes and plans: the indirect ways young people say it.
    r"\b(?:won'?t|will not) be (?:here|around|alive) (?:much longer|tomorrow|next week|by)\b",
    r"\b(?:end it all|kill myself|take my own life|not wake up|go to sleep forever)\b",
    r"\bno ?one (?:would|will) (?:miss|notice) (?:me|if i)\b|\beveryone (?:would|will) be better off without me\b",
    r"\b(?:apne ?aap|khud) ko (?:khatam|maar|mar|nuqsan|zakhmi) kar (?:lunga|lungi|loon|lun|dunga|dungi|raha|rahi)\b",
    r"\b(?:sab ko|sabko) alvida\b|\bmain (?:kal|ab) (?:tak )?nahi (?:rahunga|rahungi|rahoon)\b",
    r"(?:خود کو ختم کر|اپنے آپ کو ختم کر|اپنے آپ کو مار|سب کو الوداع|اس دنیا میں (?:مزید |اب )?نہیں رہنا)",
]

VIOLENT_INTENT = [
    r"\b(?:i|i'm|im|i am|we|we're|we are)\b[^.?!]{0,20}\b(?:will|'ll|going to|gonna|want to|wanna|plan to|am going to)"
    r"\b[^.?!]{0,15}\b(?:kill|shoot|stab|bomb|blow up|attack|behead|slaughter|burn)\b",
    r"\b(?:i|we)\b[^.?!]{0,10}\b(?:will|'ll)\b[^.?!]{0,10}\bmake (?:them|him|her) pay\b",
    r"\b(?:i'?ll|i will|i'm going to) (?:kill|shoot|stab|bomb) (?:you|him|her|them|everyone)\b",
    r"\b(?:main|hum)\b[^.?!]{0,30}\b(?:maar|mar|qatal|qatl|uda|jala|khatam)\b[^.?!]{0,8}"
    r"\b(?:dunga|doonga|dungi|denge|daalunga|dalunga|karunga|karenge|kar dunga|kar denge)\b",
    r"\b(?:usko|unko|inko|sab ko|sabko|tujhe|tumhe)\b[^.?!]{0,12}\b(?:maar|qatal|qatl|uda)\b[^.?!]{0,6}"
    r"\b(?:dunga|doonga|dungi|denge|doon ga)\b",
    r"(?:مار دوں گا|مار ڈالوں گا|قتل کر دوں گا|اڑا دوں گا|مار دیں گے|قتل کر دیں گے|اڑا دیں گے)",
    r"\bwajib[- ]?ul[- ]?qata?l\b[^.?!]{0,60}\b(?:main|hum|i'll|i will|we will)\b[^.?!]{0,20}"
    r"\b(?:karunga|karungi|karenge|kar dunga|do it|take care of)",
    r"\b(?:ye|yeh|yeh wala) kaam (?:main|hum) (?:khud )?(?:karunga|karungi|karenge|kar dunga|kar denge)\b",
]

OPERATIONAL = [
    rf"\bhow (?:do|can|could|would|should) (?:i|we|one|you)\b[^.?!]{{0,25}}\b(?:make|build|assemble|get|buy|obtain)\b"
    rf"[^.?!]{{0,20}}{WEAPONS}",
    rf"\b(?:recipe|instructions?|steps|tutorial|guide) (?:for|to) (?:make|making|build|building)?\s*(?:a |an )?{WEAPONS}",
    rf"\bhow (?:do|can|could) (?:i|we)\b[^.?!]{{0,20}}\b(?:join|reach|contact|find|meet|travel to|get to)\b"
    rf"[^.?!]{{0,25}}(?:{GROUPS}|\bthem\b[^.?!]{{0,20}}(?:waziristan|afghanistan|syria|kunar|tirah|mountains))",
    rf"\b(?:join|reach|contact)\b[^.?!]{{0,10}}{GROUPS}[^.?!]{{0,30}}\b(?:how|where|kaise|kahan|number|contact|link)\b",
    rf"\bwhere (?:can|do) (?:i|we) (?:find|meet|join|reach)\b[^.?!]{{0,20}}{GROUPS}",
    r"\bhow (?:to|do i|can i) (?:send|transfer|give) money to\b[^.?!]{0,30}(?:mujahideen|fighters|"
    + GROUPS
    + ")",
    r"\b(?:which|best) (?:target|place) (?:to|for) (?:attack|bomb|hit)\b",
    r"\bhow to (?:carry out|plan|do) (?:an? )?(?:attack|bombing|suicide attack|ambush)\b",
    rf"{WEAPONS}[^.?!]{{0,10}}\b(?:kaise|kese|kis tarah)\b[^.?!]{{0,10}}\b(?:banate|banaen|banayen|banaye|banaon|"
    r"banata|bana|banta|milta|milega|hasil)",
    rf"{GROUPS}[^.?!]{{0,25}}\b(?:kaise|kese|kahan)\b[^.?!]{{0,10}}\b(?:join|shamil|milun|milen|mil sakta|pohanch|rabta)",
    rf"\b(?:join|shamil)\b[^.?!]{{0,5}}\b(?:hona|hone|karna|kaise)\b[^.?!]{{0,25}}{GROUPS}",
    rf"{GROUPS}.{{0,80}}\b(?:kaise|kese|kahan|how (?:do|can) i|where (?:do|can) i)\b[^.?!]{{0,20}}"
    r"\b(?:join|milun|milen|mil sakta|mil sakti|shamil|pohanch|pohnch|reach|contact|find them)",
    r"(?:بم|بارود|خودکش جیکٹ|دھماکہ خیز مواد)[^۔؟?]{0,15}(?:کیسے|کس طرح)[^۔؟?]{0,10}(?:بنا|بنت|حاصل)",
    r"(?:طالبان|داعش|مجاہدین|لشکر)[^۔؟?]{0,30}(?:کیسے|کہاں)[^۔؟?]{0,15}(?:شامل|ملوں|پہنچ|رابطہ)",
]

PROMPT_INJECTION = [
    r"\bignore (?:all |any |the |your |my )?(?:previous |prior |above |earlier )?(?:instructions|rules|prompts?|guidelines)",
    r"\b(?:forget|disregard|override|bypass) (?:all |your |the )?(?:previous )?(?:instructions|rules|guidelines|filters|sources)",
    r"\b(?:system prompt|your instructions|your rules|initial prompt|hidden prompt)\b[^.?!]{0,20}\b(?:show|print|reveal|repeat|tell|what)",
    r"\b(?:show|print|reveal|repeat|tell me)\b[^.?!]{0,20}\b(?:system prompt|your instructions|your prompt|hidden rules)\b",
    r"\byou are (?:now|no longer)\b|\bfrom now on you (?:are|will)\b|\bpretend (?:to be|you are)\b|\bact as (?:a|an|my)\b",
    r"\bjailbreak\b|\bdeveloper mode\b|\bdo anything now\b|\bdan mode\b",
    r"\b(?:use|cite|add) (?:this|my|these) (?:as (?:a )?)?(?:source|sources)\b|\bnew source:",
    r"\b(?:apni|apne) (?:hidayat|hidayaat|rules|usool)\b[^.?!]{0,15}\b(?:bhool|bhul|chhor|chor|nazar andaz)",
    r"(?:اپنی ہدایات|اپنے اصول)[^۔؟?]{0,15}(?:بھول|نظر انداز|چھوڑ)",
]

PROPAGANDA = [
    r"(?:t\.me|telegram\.me|chat\.whatsapp\.com|discord\.gg)/\S+",
    r"\bjoin (?:us|our (?:channel|group|ranks|brothers)|the (?:caravan|ranks|mujahideen))\b",
    r"\b(?:caravan of (?:martyrs|jihad)|soldiers of the caliphate|khilafah is (?:coming|returning)|the caliphate (?:will|shall) return)\b",
    r"\b(?:rise up|wake up),? (?:o )?(?:ummah|muslims|brothers)\b[^.?!]{0,40}\b(?:jihad|fight|weapons|kill)\b",
    r"\b(?:democracy is (?:shirk|kufr)|the constitution is (?:kufr|taghut)|voting is (?:shirk|kufr|haram))\b",
    r"\b(?:share|forward) (?:this|it) (?:to|with) (?:every|all)\b[^.?!]{0,40}\b(?:jihad|kuffar|murtad|mujahideen)\b",
    r"\b(?:polio (?:drops|vaccine)s? (?:are|is) (?:a )?(?:plot|conspiracy|haram|poison)|polio (?:drops|vaccine) "
    r"(?:make|makes|cause|causes) (?:infertility|impotence|sterility))",
    r"\b(?:jamhooriat|jamhuriyat|democracy) (?:shirk|kufr) hai\b|\bwaqt aa gaya hai\b[^.?!]{0,30}\bjihad\b",
    r"(?:جمہوریت کفر|جمہوریت شرک|قافلے میں شامل|خلافت واپس)",
]

SYMPATHY = [
    rf"{GROUPS}[^.?!]{{0,20}}\b(?:are|is|were)\b[^.?!]{{0,15}}\b(?:right|heroes|real muslims|true muslims|the only honest"
    r"|only honest|brave|justified|doing (?:the )?right|our saviours|true mujahideen|fighting for islam)\b",
    rf"\bi (?:support|love|admire|respect|like|stand with|agree with)\b[^.?!]{{0,10}}{GROUPS}",
    rf"\b(?:i want to|i wanna|i wish i could|thinking of|i'm thinking of|i am thinking of) (?:join|joining|become|becoming)"
    rf"\b[^.?!]{{0,20}}(?:{GROUPS}|a mujahid|a fighter|a martyr|shaheed)",
    rf"{GROUPS}[^.?!]{{0,20}}\b(?:hi|he|hain|hai)\b[^.?!]{{0,10}}\b(?:sahi|sachay|sache|sacha|asli musalman|haq par|hero|heroes)\b",
    rf"\b(?:main|mujhe)\b[^.?!]{{0,10}}{GROUPS}[^.?!]{{0,15}}\b(?:support|pasand|acha lagta|achay lagte|ache lagte|shamil hona)",
    r"\b(?:suicide (?:attacks?|bombings?) (?:are|is) (?:justified|halal|allowed|the answer|right)|martyrdom operations are)\b",
    r"\b(?:khudkush hamla|khudkush hamle)\b[^.?!]{0,15}\b(?:jaiz|sahi|theek) (?:hai|hain)\b(?![^.?!]*\?)",
    r"\b(?:the )?(?:army|government|state) (?:are|is) (?:murtads?|apostates?|kafirs?|taghut)\b",
    r"(?:طالبان|مجاہدین|داعش)[^۔؟?]{0,20}(?:ہی سچے|حق پر|ہیرو|صحیح ہیں)",
    r"(?:خودکش حملہ|خودکش حملے)[^۔؟?]{0,10}(?:جائز ہے|جائز ہیں)(?![^۔]*؟)",
]

HATE_SPEECH = [
    rf"{TARGET_GROUPS}[^.?!]{{0,10}}\b(?:are|r)\b[^.?!]{{0,8}}\b(?:dogs|pigs|vermin|rats|animals|snakes|filth|traitors"
    r"|not human|subhuman|a disease|cancer)\b",
    rf"\b(?:kill|killing|finish|wipe out|exterminate|burn|hang) (?:all |every |the )?{TARGET_GROUPS}",
    rf"{TARGET_GROUPS}[^.?!]{{0,15}}\b(?:should|must|deserve to|ought to) (?:be )?(?:die|killed|burned|hanged|wiped out|"
    r"expelled)",
    r"\bwajib[- ]?ul[- ]?qatl\b|\bwajib ul qatal\b|واجب القتل",
    rf"{TARGET_GROUPS}[^.?!]{{0,15}}\b(?:kutte|kuttay|suar|keeray|napak|ghaddar)\b",
    rf"{TARGET_GROUPS}[^.?!]{{0,10}}\b(?:ko|sab ko)\b[^.?!]{{0,10}}\b(?:maar do|mar do|khatam kar do|jala do|nikal do)\b",
    r"(?:شیعہ|احمدی|قادیانی|عیسائی|ہندو|کافروں)[^۔؟?]{0,15}(?:کتے|سور|ناپاک|غدار|کو مار دو|کو ختم کر دو)",
]

SPAM = [
    r"\b(?:buy now|click here|earn (?:money|\$\d+)|work from home|free followers|crypto signals|100% guaranteed|"
    r"limited offer|discount code|whatsapp me for|dm for price)\b",
    r"(?:https?://|www\.)\S+.*(?:https?://|www\.)\S+.*(?:https?://|www\.)\S+",
]

PERSONAL_DATA = {
    "cnic": r"\b\d{5}[- ]?\d{7}[- ]?\d\b",
    "phone": r"(?:\+92[\s-]?|\b0)3\d{2}[\s-]?\d{7}\b|\+92[\s-]?\d{2,3}[\s-]?\d{6,8}\b|\b0\d{2,3}[\s-]?\d{7,8}\b",
    "email": r"\b[\w.+-]+@[\w-]+\.[\w.-]+\b",
    "address": r"\b(?:house|flat|h\.?)\s?(?:no\.?|number|#)\s?\d+\b|\bstreet (?:no\.?|number|#)\s?\d+\b|"
    r"\bmakan (?:number|no\.?) ?\d+\b|مکان نمبر ?\d+|گلی نمبر ?\d+",
}

# Greetings and small talk get a welcome, not an "out of scope" note.
GREETING = re.compile(
    r"^(?:hi+|hello+|hey+|salam|salaam|assalam\w*|as-?salamu? ?alaikum|aoa|slm|good (?:morning|evening)|thanks?|"
    r"thank you|shukriya|shukria|jazak ?allah\w*|السلام علیکم|سلام|شکریہ)\b[\s!.,?]*\w{0,12}[\s!.?]*$"
)


def compile_all(patterns: list[str]) -> list[re.Pattern[str]]:
    """Compile a pattern list."""
    return [re.compile(p) for p in patterns]
