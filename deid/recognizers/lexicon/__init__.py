"""Word lists the recognizers share: person names (from Faker's maintained, census-derived locale
lists), and the words that look like names but are ordinary or medical vocabulary (allow-list).

Lists are built once per process (they are module-level caches), lower-cased. The words around a
person's name are in `people`, those around a facility's or an employer's name in `places`."""

from __future__ import annotations

import importlib
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# Faker locales whose name lists are in Latin script: the patient population of a US hospital is
# not only Anglo-Saxon, and names from these lists appear in real notes.
NAME_LOCALES: tuple[str, ...] = (
    "en_US", "en_GB", "en_IE", "en_NZ", "es_MX", "es_ES", "de_DE", "fr_FR", "it_IT", "pl_PL",
    "pt_BR", "nl_NL", "hu_HU", "fi_FI", "sv_SE", "cs_CZ", "ro_RO", "hr_HR", "et_EE", "vi_VN", "en_IN",
    "en_PK", "en_NG", "yo_NG", "ig_NG", "ha_NG", "en_KE", "sw", "tw_GH", "zu_ZA", "tr_TR", "id_ID",
)
# More locales, for their longer names only: their short ones are clinical abbreviations (`LUE`, `MAE`,
# `ASA`) or chat words (`moe`, `sid`).
EXTRA_NAME_LOCALES: tuple[str, ...] = (
    "en", "da_DK", "no_NO", "is_IS", "nl_BE", "sk_SK", "sl_SI", "lt_LT", "lv_LV", "pt_PT", "de_AT", "de_CH",
    "es_AR", "es_CO", "fr_CA", "fr_CH",
)
EXTRA_NAME_MIN_LENGTH = 4
# Faker's Chinese and Korean lists are not romanised: the common romanised surnames.
EAST_ASIAN_SURNAMES: frozenset[str] = frozenset(
    """
    wang li zhang liu chen yang huang zhao wu zhou xu sun zhu hu guo lin gao luo zheng liang xie tang
    feng deng cao peng zeng xiao tian pan yuan cai jiang yu du ye cheng wei su lu ding shen ren yao
    ng wong chan cheung leung lau chow tsang kwan yip kwok tse fong mak hui tam lai chiu
    kim park choi jung jeong kang cho yoon yun jang lim han shin oh seo kwon hwang ahn yoo hong jeon
    ko moon bae baek nam noh ha kwak
    nguyen tran le pham hoang phan vu vo dang bui ngo duong ly truong dinh
    """.split()
)

# Medical eponyms and device/brand words that are also surnames: never a name on their own.
MEDICAL_ALLOW_LIST: frozenset[str] = frozenset(
    """
    foley parkinson parkinsons alzheimer alzheimers crohn crohns hodgkin hodgkins addison cushing graves
    wilson down bell bells babinski murphy homan homans kernig brudzinski apgar glasgow whipple nissen
    hartmann roux heimlich holter doppler swan ganz fowler trendelenburg valsalva romberg hoffman hoffmann
    tinel phalen lachman mcmurray spurling epley hallpike gleason breslow apley finkelstein lhermitte
    chvostek trousseau kussmaul cheyne stokes korotkoff levine mallampati killip pugh ranson wells
    caprini braden morse norton karnofsky zubrod wernicke korsakoff guillain barre raynaud sjogren kawasaki
    turner marfan klinefelter tourette asperger huntington lyme meniere paget peyronie dupuytren osgood
    schlatter perthes colles bennett jackson pratt hickman broviac groshong penrose blakemore sengstaken
    macintosh yankauer ambu kerlix coban tegaderm xeroform jobst hemovac coude malecot hoyer stryker
    dobhoff salem levin mallory weiss barrett zenker meckel hirschsprung wilms ewing kaposi burkitt
    hashimoto conn sheehan tietze bartholin fallot eisenmenger ebstein wolff brugada mobitz wenckebach
    osler janeway roth virchow horner argyll adie todd jacksonian broca gerstmann sequard charcot duchenne
    becker lambert eaton creutzfeldt jakob lewy gaucher niemann fabry pompe hurler fanconi bartter
    gitelman liddle alport berger goodpasture wegener churg strauss henoch schonlein takayasu behcet
    reiter felty buerger stevens johnson bair hugger pleur evac ted lasix coumadin tylenol motrin
    advil norco percocet dilaudid ativan haldol zofran protonix keppra lovenox heparin insulin
    gerd aki ems copd chf cad htn ckd esrd dvt uti cva tia bph osa afib ards sirs mrsa vre hiv hcv hbv
    nstemi stemi cabg tavr picc ercp egd tte tee ekg ecg eeg emg bipap cpap abg vbg cbc bmp cmp inr ptt
    bnp tsh labs lab prn bid tid qid qhs npo iv im sc po pr sl od os ou adl adls iadl pt ot slp rt
    """.split()
)

# Specialties and services: a clinic or unit named by them is a department, not an institution.
SPECIALTIES: frozenset[str] = frozenset(
    """
    cardiology neurology ophthalmology dermatology urology gastroenterology gi pulmonary pulmonology nephrology
    oncology hematology endocrinology rheumatology orthopedic orthopedics orthopaedic pediatric pediatrics
    obstetrics gynecology ob gyn ob/gyn ent otolaryngology psychiatry psychology physiatry podiatry surgery
    surgical medicine medical internal family general trauma neurosurgery anesthesia anesthesiology radiology
    infectious allergy immunology geriatric geriatrics neonatal newborn vascular cardiothoracic thoracic
    plastic hand spine sleep wound pain transplant dialysis cancer breast eye diabetes coumadin
    """.split()
)

# Ordinary English words that are also in name lists; they count as names only with a cue
# (title, "MD", relation word) or next to another name. The last line: words of clinical notes
# (`max dose`, `2 WEEKS`, `gene panel`, `Bishop score`, `Marsh grade`) that name lists also hold.
COMMON_WORD_NAMES: frozenset[str] = frozenset(
    """
    will may might can june april august march summer autumn winter spring dawn hope faith grace joy
    rose ruby pearl amber crystal jade ivy holly daisy lily iris violet sky star sun river lake ocean
    stone hall hill wood woods rose day king bell page park field fields church bridge bridges branch
    case company car ball bird bean berry bush cook cross fox frost gold golden hart hunt lane love
    mason miles north south east west pool ward wells wise world star sage chase price long young white
    black brown green gray grey rich sharp best small little strong bright clear fair good short
    justice major baker cooper cook hunter walker turner carter fisher porter parker tanner taylor
    sterling rush bay bond banks burns case clay cole cash close cotton dean doll fair fine gay hand
    hope house joy key law lord mark bill penny sandy sunny sonny chip rusty dusty buddy guy pat patience
    temple trinity unity victory wolf bear lamb root rice rivers sharpe spencer stewart storm sweet
    tate vale waters weber may son dam del la le van von de di da do dos das du al el
    max weeks gene bishop marsh moss prince
    """.split()
)

# Month and weekday words are dates, not names, even when they are in name lists (April, June).
CALENDAR_WORDS: frozenset[str] = frozenset(
    """
    january february march april may june july august september october november december
    jan feb mar apr jun jul aug sep sept oct nov dec monday tuesday wednesday thursday friday
    saturday sunday
    """.split()
)


# Census-derived US/UK lists: a word in them is a name first (Johnson, Mary), even when WordNet
# also knows it. Names only in the other locales' lists that are English words (Post, Low, Senna)
# are ambiguous.
STRONG_NAME_LOCALES: tuple[str, ...] = ("en_US", "en_GB")
FIRST_NAME_ATTRIBUTES = ("first_names", "first_names_male", "first_names_female")
LAST_NAME_ATTRIBUTES = ("last_names", "last_names_male", "last_names_female")


def _faker_names(locales: tuple[str, ...], attributes: tuple[str, ...], min_length: int = 2) -> set[str]:
    names: set[str] = set()
    for locale in locales:
        provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        for attribute in attributes:
            values = getattr(provider, attribute, ())
            if isinstance(values, property):  # computed per instance in some locales (es_CL)
                continue
            names.update(n.lower() for n in values if len(n) >= min_length)
    # Notes often drop diacritics (`Nguyen`, `Yen`, `Jose`, `Muller`): the plain form is listed too.
    return names | {plain for n in names if (plain := _without_marks(n)) != n and len(plain) >= min_length}


def _without_marks(name: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))


def _listed_names(attributes: tuple[str, ...]) -> set[str]:
    return _faker_names(NAME_LOCALES, attributes) | _faker_names(
        EXTRA_NAME_LOCALES, attributes, EXTRA_NAME_MIN_LENGTH
    )


@lru_cache(maxsize=1)
def first_names() -> frozenset[str]:
    return frozenset(_listed_names(FIRST_NAME_ATTRIBUTES))


@lru_cache(maxsize=1)
def last_names() -> frozenset[str]:
    return frozenset(_listed_names(LAST_NAME_ATTRIBUTES)) | EAST_ASIAN_SURNAMES


@lru_cache(maxsize=1)
def strong_names() -> frozenset[str]:
    return frozenset(_faker_names(STRONG_NAME_LOCALES, FIRST_NAME_ATTRIBUTES + LAST_NAME_ATTRIBUTES))


@dataclass(frozen=True)
class EnglishVocabulary:
    """Ordinary English words (lower case), from the spaCy model's WordNet lemma index. `non_nouns`
    are verbs, adjectives and adverbs: a name-list word among them (Will, Read, Young) is ambiguous,
    while a noun-only one may be a proper name WordNet happens to list (Johnson, Mary)."""

    words: frozenset[str] = frozenset()
    non_nouns: frozenset[str] = frozenset()
    nouns: frozenset[str] = frozenset()

    def has_word(self, lower: str) -> bool:
        """`lower` or its uninflected form is an English word (`labs`, `requesting`, `weeks`)."""
        return any(form in self.words for form in _base_forms(lower))

    def has_non_noun(self, lower: str) -> bool:
        return any(form in self.non_nouns for form in _base_forms(lower))

    def has_noun(self, lower: str) -> bool:
        return any(form in self.nouns for form in _base_forms(lower))


INFLECTIONS: tuple[tuple[str, str], ...] = (
    ("ies", "y"), ("es", ""), ("s", ""), ("ied", "y"), ("ed", ""), ("ed", "e"), ("ing", ""), ("ing", "e"),
    ("ly", ""), ("er", ""), ("est", ""),
)


def _base_forms(lower: str) -> list[str]:
    forms = [lower]
    for suffix, replacement in INFLECTIONS:
        if lower.endswith(suffix) and len(lower) - len(suffix) >= 3:
            forms.append(lower[: -len(suffix)] + replacement)
    return forms


def is_allow_listed(word_lower: str) -> bool:
    """True for medical/calendar vocabulary that must never be flagged as a name by itself."""
    return word_lower in MEDICAL_ALLOW_LIST or word_lower in CALENDAR_WORDS
