"""Names, places and identifiers written in scripts other than Latin (CJK, Cyrillic, Greek, Arabic,
Hebrew and any other), found after the usual cues: an English title, relation or field label
(`Dr. Иванов`, `wife 王秀英`, `Patient: محمد علي`), or the same cues in the note's own script (`患者 王小明`,
`Пациент Иванов И.И.`, `Ασθενής Παπαδόπουλος`, `المريض أحمد`, `המטופל משה כהן`), a place after a residence
or address cue (`г. Новосибирск`, `住址：北京市海淀区`), an identifier after its key word (`病历号 483920`,
`СНИЛС 123-456-789 00`, `ת.ז. 012345678`), East Asian and Russian dates (`2021年3月4日`, `4 марта 2021`), and
phone-length digit runs written against their letters (`电话13912345678`).

Without lists or letter case to go by in these scripts, the cue is the evidence, and a name is at most a
few words: three in Cyrillic and Greek while they are capitalised, one in Hangul, two in the other scripts
without case, two to four characters of Han or kana (written without spaces), each word a run of letters
of a non-Latin script. A note mostly in a script with no rules at all is flagged by `deid.coverage`, not guessed at."""

from __future__ import annotations

import regex
from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from deid.labels import PhiLabel
from deid.recognizers.lexicon.people import RELATIONS, TITLES

# A letter of any script but Latin (digits, punctuation and Latin letters end a name).
OTHER_LETTER = r"[^\W\d_\p{Latin}]"
WORD = rf"{OTHER_LETTER}(?:{OTHER_LETTER}|\p{{M}})*"
HAN_OR_KANA = r"[\p{Han}\p{Hiragana}\p{Katakana}ー]"
CASED_WORD = r"(?:\p{Lu}\.(?:[ \t]?\p{Lu}\.)?|\p{Lu}[\p{Ll}\p{M}]*(?:-\p{Lu}[\p{Ll}\p{M}]*)?)"  # `Иванов`, `И.И.`
ENGLISH_CUES = "|".join(sorted({*TITLES, *RELATIONS, "patient", "pt", "name"}, key=len, reverse=True))
# Cues in the note's own script: patient, name, doctor, nurse, relatives, titles.
NATIVE_CUES = (
    r"患者|病人|病患|姓名|名字|医生|醫生|醫師|医师|大夫|主治医师|护士|護士|家属|妻子|丈夫|儿子|女儿|母亲|父亲|氏名|"
    r"환자|이름|성명|의사|보호자|"
    r"(?i:пациент(?:ка|а|у|ом|е)?|больн(?:ой|ая|ого|ому)|фио|ф\.и\.о\.?|имя|фамилия|врач|доктор|д-р|г-н|г-жа|"
    r"мать|отец|жена|муж|сын|дочь|медсестра)|"
    r"(?i:ασθεν(?:ής|ούς|ή)|όνομα|ονοματεπώνυμο|γιατρός|ιατρός|δρ\.?|κ\.|κα\.?|σύζυγος|γιος|κόρη)|"
    r"المريضة|المريض|الاسم|اسم|الدكتور|الطبيب|د\.|السيدة|السيد|زوجة|زوج|ابنة|ابن|"
    r"המטופלת|המטופל|מטופלת|מטופל|שם(?=[ \t]*:)|ד\"ר|ד״ר|דר'|מר|גב'|גברת|אשתו|בעלה|בנו|בתו"
)
CUE = rf"(?:\b(?i:{ENGLISH_CUES})\.?|(?:{NATIVE_CUES}))"
SEPARATOR = r"[ \t]*[:：\-–—,，]?[ \t]*"
NAME_AFTER_CUE = regex.compile(
    rf"{CUE}{SEPARATOR}(?P<name>"
    rf"{HAN_OR_KANA}{{2,4}}"  # CJK names are written without spaces
    rf"|(?=[\p{{Cyrillic}}\p{{Greek}}]){CASED_WORD}(?:[ \t]+{CASED_WORD}){{0,2}}"  # capitalised scripts
    r"|\p{Hangul}{2,5}"  # Korean names are one word
    rf"|(?![\p{{Cyrillic}}\p{{Greek}}\p{{Hangul}}]){WORD}(?:[ \t]+{WORD})?"  # other scripts without case: two words
    r")"
)
# Honorifics after the name: `王先生`, `山田さん`, `김민수 씨`.
NAME_BEFORE_SUFFIX = regex.compile(
    rf"(?P<name>{HAN_OR_KANA}{{1,3}}|\p{{Hangul}}{{2,4}})[ \t]?(?:先生|女士|小姐|医生|醫生|さん|様|氏|씨|님)"
)
PLACE_CUE = (
    r"\b(?i:lives in|living in|from|born in|address|city)\b|住址|地址|住在|家住|来自|居住|"
    r"(?i:г\.|город|адрес|проживает в|из)|(?i:διεύθυνση|κάτοικος|από)|العنوان|يسكن في|כתובת|גר ב|מתגורר ב"
)
PLACE_AFTER_CUE = regex.compile(
    rf"(?:{PLACE_CUE}){SEPARATOR}(?P<place>{HAN_OR_KANA}{{2,12}}"
    rf"|(?=[\p{{Cyrillic}}\p{{Greek}}]){CASED_WORD}(?:[ \t-]+{CASED_WORD}){{0,2}}"
    rf"|(?![\p{{Cyrillic}}\p{{Greek}}]){WORD}(?:[ \t]+{WORD})?)"
)
ID_CUE = (
    r"病历号|住院号|门诊号|身份证(?:号)?|医保号|患者ID|(?i:№|номер|полис|снилс|инн|паспорт)|(?i:αμκα|αφμ|αριθμός)|"
    r"رقم الملف|رقم|الرقم|ת\.ז\.?|ת\"ז|ת״ז|מספר"
)
ID_AFTER_CUE = regex.compile(rf"(?:{ID_CUE}){SEPARATOR}(?:№[ \t]*)?(?P<id>[\w-]*\d[\w -]{{2,20}}\d|\d{{4,}})")
RUSSIAN_MONTHS = r"(?i:января|февраля|марта|апреля|мая|июня|июля|августа|сентября|октября|ноября|декабря)"
DATES = regex.compile(
    r"\d{2,4}[ \t]?[年년][ \t]?\d{1,2}[ \t]?[月월](?:[ \t]?\d{1,2}[ \t]?[日일])?"
    r"|\d{1,2}[ \t]?[月월][ \t]?\d{1,2}[ \t]?[日일]"
    rf"|\b\d{{1,2}}[ \t]+{RUSSIAN_MONTHS}(?:[ \t]+\d{{4}}(?:[ \t]?г\.?)?)?"
)


# A digit run of phone length (7 to 15 digits, E.164's maximum) written against a letter of another
# script (`电话13912345678`, `13912345678号`): no word boundary separates them, so the Latin patterns'
# boundaries miss it. Against Latin letters the identifier patterns already take it.
PHONE_AGAINST_LETTER = regex.compile(
    rf"(?<={OTHER_LETTER}[ \t]?)\+?\d{{7,15}}(?!\d)|(?<![\d+])\+?\d{{7,15}}(?=[ \t]?{OTHER_LETTER})"
)


class NonLatinRecognizer(EntityRecognizer):
    """Names (NAME), places (CITY), identifiers (ID), dates (DATE) and phone numbers (PHONE) in other
    scripts, after cues or against their letters."""

    SCORE = 0.85

    def __init__(self) -> None:
        super().__init__(
            supported_entities=[
                PhiLabel.NAME.value, PhiLabel.CITY.value, PhiLabel.ID.value, PhiLabel.DATE.value, PhiLabel.PHONE.value
            ],
            name="NonLatinRecognizer",
        )

    def load(self) -> None:
        pass

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        if text.isascii():
            return []  # nothing to find: every pattern needs a letter or sign outside ASCII
        found = [(m.span("name"), PhiLabel.NAME) for m in NAME_AFTER_CUE.finditer(text)]
        found += [(m.span("name"), PhiLabel.NAME) for m in NAME_BEFORE_SUFFIX.finditer(text)]
        found += [(m.span("place"), PhiLabel.CITY) for m in PLACE_AFTER_CUE.finditer(text)]
        found += [(m.span("id"), PhiLabel.ID) for m in ID_AFTER_CUE.finditer(text)]
        found += [(m.span(), PhiLabel.DATE) for m in DATES.finditer(text)]
        found += [(m.span(), PhiLabel.PHONE) for m in PHONE_AGAINST_LETTER.finditer(text)]
        return [RecognizerResult(label.value, start, end, self.SCORE) for (start, end), label in found if end > start]
