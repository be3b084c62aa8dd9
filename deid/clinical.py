"""The clinical vocabulary layer: every name, place, facility, street, date and age span a recognizer
proposes is read against clinical language before it is kept.

A span is clinical language, and dropped, when:

- **an eponym** (`Kocher`, `Metzenbaum`, `Minnesota` retractor, `Scarpa`'s fascia, `circle of Willis`):
  it stands before an instrument, device, sign, test or anatomy word, after `circle of`/`pouch of`...,
  or it is on the eponym list (`deid/recognizers/clinical_eponyms.txt`) and not a census name. An
  eponym is a name only with a person cue (below: `Dr. Kocher`, `son Willis`, `Kocher, MD`);
- **a clinical word**: every word of it occurs in lower case in MTSamples (`colon`, `sig`;
  `deid/recognizers/clinical_words.txt`, counts from MTSamples, CC0) and none is a census name (those
  keep the recognizers' own evidence), or it is written in lower case among capitals (`lungs are clear,
  PA`), or it is one edit from a frequent clinical word and in no name list (`pateint`, `seperate`);
- **a department, not an institution** (`Pediatric Surgery Clinic`, `Operative Suite`, `Newborn
  Nursery`): specialty and unit words before a unit word; a facility span that is a title (`at Dr. X`);
- **a clinical number** read as a date: a grade next to what is graded (`strength 5/5`, `pulses 2/4`,
  `pupils 3/3`, `+2/2 bilaterally`), a score out of 10 after `pain`/`rated`/`scale`, a named score
  (`Apgar 8/9`), a drug strength
  before its frequency (`Lotrel 10/20 daily`), a fraction before a length (`5/8-inch`), an ordinal before
  an anatomy, device or course word (`the 7th nerve`, `the 2nd day`, `3rd step`);
- **an operating room**, not a street (`room #1`), a limb abbreviation read as `rue` (`RUE and RLE`), or
  clinical words before a street type that is a clinical word (`4 Chamber View`);
- an age followed by `percent`.

Never vetoed: a span after a person cue (title, relation, role, field label, greeting, sign-off), before
a credential or `is a 78-year-old`, after a house number or a `LAST,`; a place or facility right after
`at`/`to`/`in`/`from`/`for` (`at Grady`, `IN LAHEY ED`, `retired from target`); a facility name of
several words that is not a department (`Reading Heart Clinic`); a city of several words or after a
residence cue (`High Point`, `lives in Orange`); ALL CAPS initials.

Lists are read once per process. The checks look at a few characters around the span only."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from deid.labels import PhiLabel
from deid.recognizers.lexicon import MEDICAL_ALLOW_LIST, SPECIALTIES, first_names, last_names, strong_names
from deid.recognizers.lexicon.people import FIELD_LABELS, GREETINGS, RELATIONS, ROLES, SIGN_OFFS, TITLES

LISTS = Path(__file__).parent / "recognizers"
# A clinical word at least this frequent is a target for the one-edit (misspelling) check.
MISSPELT_MIN_COUNT = 50
MISSPELT_MIN_LENGTH = 5
CASE_WINDOW = 200  # characters each side that show whether the note is written in mixed case

HEADS = (
    r"retractors?|scissors|clamps?|forceps|elevators?|drains?|catheters?|tubes?|needles?|wires?|pins?|"
    r"stitch(?:es)?|sutures?|incisions?|fascia|signs?|tests?|reflex(?:es)?|maneuvers?|manoeuvres?|position|"
    r"procedures?|operation|protocol|disease|syndrome|classification|score|scale|dissectors?|spatula|probes?|"
    r"gag|valve|tenaculum|speculum|blades?|knife|cannulas?|curettes?|rongeurs?|osteotomes?|hooks?|stand|"
    r"clips?|staples?|pouch|bunionectomy|osteotomy|arthrodesis|fracture|neuroma|stockings|dressings?|"
    r"culdoplasty|technique|shaver|taper|burr?|drill|saw|plates?|screws?|rods?|frame|splint|cast|bandages?|"
    r"trocars?|sheath|balloon|stents?|lens|bag|mask|tongs|traction|aphasia|battery|exam|examination|"
    r"point|lines?|window|ring|card|filter|shunt|pump|system|criteria|palsy|cyst|malformation|anomaly|"
    r"sorting|balance|tear|lesion|repair|fixator|nail|anchors?|graft|spreader|sound|dilators?|loupes?|"
    r"snare|port|chisel|mallet|gouge|rasp|punch|irrigation|aspirator|suction|cautery|bolster|collar|brace"
)
HEAD_AFTER = re.compile(
    rf"(?:['’]s?)?(?:[ -](?:type|style|like))?(?:[ \t]+(?:and|&)[ \t]+[\w-]+)?(?:[ \t-]+[A-Z][\w-]*){{0,2}}"
    rf"[ \t-]+(?i:{HEADS})\b"
)
HEAD_BEFORE = re.compile(
    r"\b(?i:circle|pouch|space|ligament|angle|canal|triangle|node|islets?|loop|ampulla|sphincter|duct|"
    r"crypts?|plexus|sign|test|maneuver) of[ \t]+\Z"
)
_CUES = sorted(TITLES | RELATIONS | ROLES | FIELD_LABELS | GREETINGS | SIGN_OFFS | {"patient", "name is"})
# A person cue right before: a title, relation, role, field label, greeting or sign-off (`Dr. X`, `son X`,
# `np X`, `Referring: X`, `hi X`, `thanks, X`).
TITLE_ONLY_BEFORE = re.compile(rf"(?i:\b(?:{'|'.join(sorted(TITLES))})\.?)[ \t:,.-]{{0,3}}\Z")
TITLE_BEFORE = re.compile(rf"(?i:\b(?:{'|'.join(map(re.escape, _CUES))})\.?)[ \t:,.-]{{0,3}}\Z")
# A person cue right after: a credential, `is a 78-year-old`.
PERSON_AFTER = re.compile(
    r"[ \t]*(?:,?[ \t]*(?i:md|m\.d\.|do|d\.o\.|rn|np|pa|pa-c|phd)\b|(?i:is|was)[ \t]+an?[ \t]+[\w-]*(?:year|yo|y\.o))"
)
# A house number (`58901 Dixon Points`), or `LAST, ` of a `LAST, FIRST` name, right before.
NUMBER_OR_NAME_BEFORE = re.compile(r"(?:\b\d+[ \t]+|\b[^\W\d_]*[A-ZÀ-Þ][^\W\d_]*(?:-[^\W\d_]+)*,[ \t]*)\Z")
PLACE_CUE_BEFORE = re.compile(
    r"(?i:\b(?:lives?|lived|living|resides?|moved|born|grew up|native|travell?ed|flew|drove)\b[ \t\w]{0,12})\Z"
)
ARTICLES = frozenset({"a", "an", "the"})
# Right before a place or facility (no article between): `at Grady`, `IN LAHEY ED`, `retired from target`.
PLACE_PREPOSITION_BEFORE = re.compile(r"\b(?i:at|to|in|into|from|for|near|via)[ \t]+\Z")
# Words of a department's name (with SPECIALTIES): `Operative Suite`, `Postanesthesia Care Unit`.
DEPARTMENT_WORDS = frozenset(
    """operating operative holding recovery postanesthesia catheterization cath endoscopy infusion wellness
    counseling outpatient inpatient day emergency intensive care critical neonatal labor delivery management
    procedure procedures treatment imaging nuclear observation preoperative postoperative preop postop
    minor same short stay step-down stepdown postcatheterization ambulatory surgery""".split()
)
DEPARTMENT_HEADS = frozenset(
    """clinic clinics unit suite nursery laboratory lab area room service department floor bay theater
    theatre wing""".split()
)
WORD_RE = re.compile(r"[A-Za-z][A-Za-z'’]*(?:-[A-Za-z]+)*")

# Numbers. A grade (`n/d`, d <= 5, n <= d) is clinical next to what is graded: strength, pulses, reflexes,
# pupils, muscles and limbs before it, or `bilaterally`, `throughout`, a limb after it.
GRADE = re.compile(r"\+?(\d)/(\d)[+-]?")
GRADED_BEFORE = re.compile(
    r"(?i:\b(?:strength|motor|power|muscles?|flexion|extension|flexors?|extensors?|abduction|adduction|"
    r"abductors?|adductors?|deltoids?|biceps|triceps|quads|quadriceps|hamstrings|grip|intrinsics|pulses?|"
    r"reflex(?:es)?|dtrs?|pupils?|patellar|patellae|achilles|brachioradialis|radial|femoral|pedis|dorsalis|"
    r"tibial|popliteal|carotid|wrist|elbow|hip|knee|ankle|shoulder|plantar|extremit(?:y|ies)|ue|le|bue|ble|"
    r"rue|lue|rle|lle|s1|l4|c5|c6|c7|proximally|distally|grossly)\b)[^.;\n]{0,24}\Z"
)
GRADED_AFTER = re.compile(
    r"[ \t]*(?:[,@]?[ \t]*)(?i:bilaterally|bilateral|throughout|symmetric(?:ally)?|equal|recall|proximally|"
    r"distally|in[ \t]+(?:all|the|both|upper|lower|bilateral)|(?:r|l)?(?:ue|le)s?\b|bue|ble|rue|lue|rle|lle|"
    r"quads|hamstrings|biceps|triceps|deltoids?|grip|pulses?|reflex)"
)
SCORE_OF_TEN = re.compile(r"([1-9]|10)/10")
SCORED_BEFORE = re.compile(r"(?i:\b(?:pain|rated|rates|scale|score|severity|intensity|about)\b)[^.;\n]{0,16}\Z")
FRACTION = re.compile(r"\d{1,2}/\d{1,2}")
SCORE_NAME_BEFORE = re.compile(r"(?i:\b(?:apgars?|gcs|rass|cpot|nihss|score|scores))[ \t:]{1,3}(?:of[ \t]+)?\Z")
FREQUENCY_AFTER = re.compile(
    r"[ \t]+(?i:daily|bid|b\.i\.d|tid|t\.i\.d|qid|qd|q\.d|qhs|q\.h\.s|po|p\.o|tab|tabs|tablet)\b"
)
LENGTH_AFTER = re.compile(r"(?:-|[ \t]*(?:to|-)[ \t]*\d+(?:\.\d+)?[ \t-]*)(?i:inch|inches|in\b|cm|mm)")
# An ordinal before an anatomy, device or course word: `the 7th nerve`, `the 2nd day`, `3rd step bed`.
ORDINAL = re.compile(r"\d{1,2}(?:st|nd|rd|th)", re.IGNORECASE)
ORDINAL_NOUN_AFTER = re.compile(
    r"[ \t]+(?i:nerve|cranial|ring|tracheal|interspace|intercostal|rib|ribs|space|toe|finger|digit|metacarpal|"
    r"metatarsal|ventricle|lumbar|thoracic|cervical|sacral|vertebra|degree|trimester|grade|step|line|dose|"
    r"cycle|round|time|attempt|generation|percentile|postoperative|post-op|postop|hospital|day|week|lesion|"
    r"compartment|branch|portion|layer|position|pregnancy|child|baby|stage|set)\b"
)
ROOM = re.compile(r"(?i:room|rm|or|bed|bay)\b")
LIMB = re.compile(r"(?:RUE|LUE|RLE|LLE)\b")  # capitals: `rue du Centre 4` is a street
CLINICAL_STREET_TYPES = frozenset("view loop via line point ring pass".split())
PERCENT_AFTER = re.compile(r"[ \t]*(?i:percent|%)")


def _read_counts(path: Path) -> dict[str, int]:
    counts: dict[str, int] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            word, count, *_ = line.split("\t")
            counts[word] = int(count)
    return counts


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


@dataclass(frozen=True)
class ClinicalLanguage:
    words: dict[str, int]
    eponyms: frozenset[str]
    names: frozenset[str] = frozenset()  # census names (US/UK): never clinical words or eponyms alone
    all_names: frozenset[str] = frozenset()  # every listed name: never a misspelling
    _near: frozenset[str] = field(default=frozenset(), repr=False)  # frequent words and their deletions

    @classmethod
    def from_lists(
        cls, words: dict[str, int], eponyms: frozenset[str], names: frozenset[str],
        all_names: frozenset[str] = frozenset(),
    ) -> ClinicalLanguage:
        frequent = [w for w, n in words.items() if n >= MISSPELT_MIN_COUNT and len(w) >= MISSPELT_MIN_LENGTH]
        near = set(frequent)
        for word in frequent:
            near |= _deletions(word)
        return cls(words, eponyms, names, all_names | names, frozenset(near))

    # --- the check ---------------------------------------------------------------------------
    def vetoes(self, text: str, start: int, end: int, label: str) -> bool:
        """True when `text[start:end]`, proposed as `label`, is clinical language (see the module)."""
        if label == PhiLabel.DATE:
            return self._clinical_number(text, start, end)
        if label == PhiLabel.STREET:
            return self._clinical_street(text[start:end])
        if label == PhiLabel.AGE:
            return bool(PERCENT_AFTER.match(text, end))
        if label not in (PhiLabel.NAME, PhiLabel.CITY, PhiLabel.STATE, PhiLabel.HOSPITAL):
            return False
        words = [w.lower().removesuffix("'s").removesuffix("’s") for w in WORD_RE.findall(text[start:end])]
        while words and words[0] in ARTICLES:
            words = words[1:]
        if not words:
            return False
        if label == PhiLabel.HOSPITAL and self._department(words):
            return True
        lower_eponym = self._lower_in_mixed_case(text, start, end) and all(self._eponym(w) for w in words)
        if lower_eponym and not TITLE_ONLY_BEFORE.search(text, max(0, start - 12), start):
            return True  # `pulses by doppler`: an eponym in lower case among capitals, after no title
        if TITLE_BEFORE.search(text, max(0, start - 16), start):
            return False
        if label == PhiLabel.NAME and self._lower_in_mixed_case(text, start, end) and all(map(self._known, words)):
            return True  # `lungs are clear, PA and lateral`: a lower-case clinical word among capitals
        if PERSON_AFTER.match(text, end) or NUMBER_OR_NAME_BEFORE.search(text, max(0, start - 40), start):
            return False  # `X, MD`, `X is a 78-year-old`; `58901 Dixon Points`, `LEWIS, MAJOR`
        if label == PhiLabel.HOSPITAL and len(words) > 1:
            return False  # several words and no department: an institution's name (`Reading Heart Clinic`)
        single = len(words) == 1 or all(w in self.eponyms for w in words)  # not `Ryan Fernandes points out`
        if single and (HEAD_AFTER.match(text, end) or HEAD_BEFORE.search(text, max(0, start - 20), start)):
            return True
        if PLACE_PREPOSITION_BEFORE.search(text, max(0, start - 8), start):
            return False  # `at Grady`, `IN LAHEY ED`, `retired from target`
        if label in (PhiLabel.CITY, PhiLabel.STATE) and (
            len(words) > 1 or PLACE_CUE_BEFORE.search(text, max(0, start - 30), start)
        ):
            return False  # `High Point`; `lives in Orange`
        if any(len(w) <= 3 for w in words) and text[start:end].isupper():
            return False  # initials (`PR/RN`), hospital initialisms
        if any(w in self.names for w in words):
            return False  # a census name keeps the recognizers' own evidence
        if all(self._eponym(w) for w in words):
            return True
        if all(self._known(w) for w in words):
            return True
        return label == PhiLabel.NAME and len(words) == 1 and words[0] not in self.all_names and self.misspelt(words[0])

    def _eponym(self, word: str) -> bool:
        return word in self.eponyms or word in MEDICAL_ALLOW_LIST

    def _known(self, word: str) -> bool:
        """A clinical word, or a hyphenated one whose parts are (`g-tube`, `j-tube`: a letter and a word)."""
        if word in self.words or word in MEDICAL_ALLOW_LIST or word in SPECIALTIES:
            return True
        parts = word.split("-")
        return len(parts) > 1 and parts[-1] in self.words and all(len(p) <= 2 or p in self.words for p in parts)

    def misspelt(self, word: str) -> bool:
        """One edit (insertion, deletion, substitution, adjacent swap) from a frequent clinical word."""
        if len(word) < MISSPELT_MIN_LENGTH or word in self.words:
            return False
        if word in self._near or any(d in self._near for d in _deletions(word)):
            return True
        swaps = (word[:i] + word[i + 1] + word[i] + word[i + 2 :] for i in range(len(word) - 1))
        return any(s in self._near for s in swaps)

    @staticmethod
    def _lower_in_mixed_case(text: str, start: int, end: int) -> bool:
        window = text[max(0, start - CASE_WINDOW) : end + CASE_WINDOW]
        return text[start:end].islower() and any(c.isupper() for c in window)

    def _clinical_street(self, value: str) -> bool:
        """`room #1`, `RUE and RLE. 3`, or clinical words before a street type that is a clinical word too
        (`4 Chamber View`, `0 Vicryl loop`, `2 L via`)."""
        if ROOM.match(value) or LIMB.match(value):
            return True
        words = [w.lower() for w in WORD_RE.findall(value)]
        if len(words) < 2 or words[-1] not in CLINICAL_STREET_TYPES:
            return False
        return all(len(w) == 1 or self._known(w) or w in self.eponyms for w in words[:-1])

    @staticmethod
    def _department(words: list[str]) -> bool:
        """`Operative Suite`, `Ophthalmology clinic`, a lone title (`at Dr. X`): not an institution."""
        if len(words) == 1 and words[0] in {"dr", "doctor", "drs"}:
            return True
        if len(words) < 2 or words[-1] not in DEPARTMENT_HEADS:
            return False
        return all(w in SPECIALTIES or w in DEPARTMENT_WORDS or w in DEPARTMENT_HEADS for w in words[:-1])

    @staticmethod
    def _clinical_number(text: str, start: int, end: int) -> bool:
        value = text[start:end]
        if ORDINAL.fullmatch(value):
            return bool(ORDINAL_NOUN_AFTER.match(text, end))
        if FRACTION.fullmatch(value) and (FREQUENCY_AFTER.match(text, end) or LENGTH_AFTER.match(text, end)):
            return True
        before = max(0, start - 40)
        grade = GRADE.fullmatch(value)
        if grade and int(grade.group(1)) <= int(grade.group(2)) <= 5:
            return bool(GRADED_BEFORE.search(text, before, start) or GRADED_AFTER.match(text, end))
        if FRACTION.fullmatch(value) and SCORE_NAME_BEFORE.search(text, before, start):
            return True  # `Apgar 8/9`, `GCS 3/15`
        return bool(SCORE_OF_TEN.fullmatch(value) and SCORED_BEFORE.search(text, before, start))


@lru_cache(maxsize=1)
def clinical_language() -> ClinicalLanguage:
    """The layer with the shipped lists (read once per process)."""
    return ClinicalLanguage.from_lists(
        _read_counts(LISTS / "clinical_words.txt"),
        frozenset(_read_counts(LISTS / "clinical_eponyms.txt")),
        strong_names(),
        first_names() | last_names(),
    )
