"""Is a message within Rahnuma's scope? Words that make it so, in English, Roman Urdu and Urdu.

A message is only called ``off_topic`` when it has none of these words and nothing relevant was
retrieved: a question about the history of an attack, a group or an operation is in scope even when the
knowledge base has no source for it (then the reply says so honestly).
"""

from __future__ import annotations

import re

LATIN_TERMS = tuple(
    "jihad jehad islam muslim musalman quran qur'an hadith hadees sharia shariat fatwa fatwe kafir "
    "kufr takfir murtad shia sunni ahmadi qadiani sect firqa deobandi barelvi wahhabi taliban ttp "
    "isis isil daesh daish qaeda lashkar jaish tnsm tlp terror dehshat extrem radical militan mujahid "
    "martyr shaheed shuhada suicide khudkush khudkushi bomb blast dhamaka dhamake explosi attack "
    "hamla hamle violen kill qatl qatal murder weapon aslaha gun army fauj fouj operation insurgen "
    "shorish militia jirga government hukumat constitution aain aeen democra jamhur election vote "
    "minorit aqliyat christian isai hindu sikh church temple mandir blasphem gustakh tauheen girls "
    "school taleem education polio vaccin qatre recruit groom propaganda fake rumou conspira sazish "
    "job rozgar naukri skill hunar poverty ghurbat injustice insaf ghussa gussa angry anger lonely "
    "akela stress depress anxi hopeless mayoos udaas hate nafrat peace aman paigham caliph khilafat "
    "khalifa ummah kashmir afghan waziristan swat malakand tirah khost shrine darbar mazar "
    "identity belong shanakht rehab deradical revenge badla honour ghairat mob".split()
)
URDU_TERMS = tuple(
    "جہاد اسلام مسلم مسلمان قرآن حدیث شریعت فتو کافر کفر تکفیر مرتد شیعہ سنی احمدی قادیانی فرقہ فرقے "
    "دیوبندی بریلوی طالبان داعش القاعدہ لشکر جیش دہشت انتہا عسکریت مجاہد شہید شہدا خودکش "
    "خودکشی بم دھماک حملہ حملے تشدد قتل اسلحہ بندوق فوج آپریشن شورش جرگہ حکومت ریاست آئین جمہوری "
    "انتخاب ووٹ اقلیت عیسائی ہندو سکھ چرچ مندر توہین گستاخ لڑکی لڑکیوں اسکول سکول تعلیم پولیو ویکسین "
    "قطرے بھرتی پروپیگنڈا جعلی افواہ سازش روزگار نوکری ہنر غربت ناانصافی انصاف غصہ اکیلا اکیلی مایوس "
    "اداس نفرت امن پیغام خلافت امت کشمیر افغان وزیرستان سوات ملاکنڈ تیراہ مزار دربار مجسم شناخت بدلہ "
    "غیرت".split()
)
URDU_PHRASES = ("شدت پسند", "نقل مکانی")  # kept whole: "پسند" alone means "like"
DOMAIN = re.compile(
    r"\b(?:"
    + "|".join(re.escape(t) for t in LATIN_TERMS)
    + r")|"
    + "|".join(re.escape(t) for t in URDU_TERMS + URDU_PHRASES)
)


def in_scope(normalised: str) -> bool:
    """Whether a normalised message names anything Rahnuma speaks about."""
    return bool(DOMAIN.search(normalised))
