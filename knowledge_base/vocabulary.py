"""Names fixed by the project's contract (shared/contract.md, sections 1 and 3)."""

from typing import Final, Literal, get_args

Topic = Literal[
    "takfir",
    "suicide_attacks",
    "armed_rebellion",
    "jihad_authority",
    "sectarianism",
    "minorities",
    "women_education",
    "polio_vaccination",
    "constitution_democracy",
    "grievances",
    "livelihoods",
    "digital_literacy",
    "recruitment",
    "mental_health",
    "rehabilitation",
    "hate_speech",
    "state_policy",
    "identity",
    "peace_coexistence",
]
TOPICS: Final[tuple[str, ...]] = get_args(Topic)

Language = Literal["en", "ur", "roman_ur", "other"]
LANGUAGES: Final[tuple[str, ...]] = get_args(Language)

SourceStatus = Literal["draft", "approved", "retracted"]

TOPIC_LABELS: Final[dict[str, dict[str, str]]] = {
    "takfir": {"en": "declaring Muslims unbelievers (takfir)", "ur": "تکفیر", "roman_ur": "takfir"},
    "suicide_attacks": {"en": "suicide attacks", "ur": "خودکش حملے", "roman_ur": "khudkush hamle"},
    "armed_rebellion": {
        "en": "armed rebellion and militias",
        "ur": "مسلح بغاوت",
        "roman_ur": "musallah baghawat",
    },
    "jihad_authority": {
        "en": "what jihad means and who may declare it",
        "ur": "جہاد اور اس کا اختیار",
        "roman_ur": "jihad aur uska ikhtiyar",
    },
    "sectarianism": {"en": "sectarian hatred", "ur": "فرقہ واریت", "roman_ur": "firqa wariyat"},
    "minorities": {"en": "rights of minorities", "ur": "اقلیتوں کے حقوق", "roman_ur": "aqliyaton ke huqooq"},
    "women_education": {"en": "girls' education", "ur": "لڑکیوں کی تعلیم", "roman_ur": "larkiyon ki taleem"},
    "polio_vaccination": {"en": "polio vaccination", "ur": "پولیو ویکسین", "roman_ur": "polio vaccine"},
    "constitution_democracy": {
        "en": "the constitution and the law",
        "ur": "آئین اور قانون",
        "roman_ur": "aain aur qanoon",
    },
    "grievances": {
        "en": "injustice and lawful redress",
        "ur": "ناانصافی اور قانونی راستے",
        "roman_ur": "na-insafi aur qanooni raaste",
    },
    "livelihoods": {
        "en": "education, skills and jobs",
        "ur": "تعلیم، ہنر اور روزگار",
        "roman_ur": "taleem, hunar aur rozgar",
    },
    "digital_literacy": {
        "en": "propaganda and fake media",
        "ur": "پروپیگنڈا اور جعلی ویڈیوز",
        "roman_ur": "propaganda aur fake videos",
    },
    "recruitment": {
        "en": "how recruiters work",
        "ur": "بھرتی کرنے والوں کے طریقے",
        "roman_ur": "recruiters ke tareeqe",
    },
    "mental_health": {
        "en": "stress, anger and support",
        "ur": "ذہنی دباؤ اور مدد",
        "roman_ur": "zehni dabao aur madad",
    },
    "rehabilitation": {
        "en": "leaving a group",
        "ur": "گروہ چھوڑنا اور بحالی",
        "roman_ur": "group chhorna aur bahali",
    },
    "hate_speech": {"en": "hate speech", "ur": "نفرت انگیز باتیں", "roman_ur": "nafrat angez baatein"},
    "state_policy": {
        "en": "Paigham-e-Pakistan and the National Action Plan",
        "ur": "پیغامِ پاکستان اور قومی ایکشن پلان",
        "roman_ur": "Paigham-e-Pakistan aur National Action Plan",
    },
    "identity": {
        "en": "belonging and identity",
        "ur": "شناخت اور اپنائیت",
        "roman_ur": "shanakht aur apnaiyat",
    },
    "peace_coexistence": {
        "en": "sanctity of life and living together",
        "ur": "جان کی حرمت اور بقائے باہمی",
        "roman_ur": "jaan ki hurmat aur mil jul kar rehna",
    },
}
