"""Dates in every form clinical notes use (`3/4`, `03-04-21`, `2021-03-04`, `March 4th`, `4 Mar 2021`,
`Mar 2021`, `2021`, `the 4th`), but not times, doses, vitals, scores or lab values.

Numeric day/month pairs are validated (month 1-12, day 1-31) and rejected before units and scales
(`1/2 tab`, `5/5 strength`, `7/10 pain`, `2/6 murmur`) and after vitals (`BP 120/80`)."""

from __future__ import annotations

import regex
from presidio_analyzer import Pattern, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from deid.labels import PhiLabel
from deid.recognizers.base import GroupPatternRecognizer, other_occurrences

MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
ORD = r"(?:st|nd|rd|th)"
DAY = r"(?:0?[1-9]|[12]\d|3[01])"
MON_NUM = r"(?:0?[1-9]|1[0-2])"
YEAR4 = r"(?:19\d\d|20[0-3]\d)"  # later "years" are lab values (`CK of 2066`)
YEAR = r"(?:19\d\d|20\d\d|\d\d)"
# Not a date when a unit, scale or dosing word follows, or a vital-sign word precedes.
NOT_AFTER = (
    r"(?!\s*(?:tabs?|tablets?|caps?|capsules?|pills?|mg|mcg|ml|cc|units?|puffs?|drops?|strength|str|"
    r"pain|murmur|systolic|diastolic|holosystolic|scale|score|dose|doses|of\b|inch|cm|mm|grade|power|vision|"
    r"ns\b|x\b|cup|tsp|tbsp|up\b|way\b|amps?\b|(?:rue|lue|rle|lle|bue|ble|ue|le)\b|(?:to|or|-)\s*\d{1,2}/\d{1,2}\s*(?:tabs?|tablets?|caps?|capsules?|pills?|cups?|of)\b))"
)
NOT_BEFORE = (
    r"(?<!(?:bp|b/p|pressure|pain|strength|motor|murmur|grade|vision|ratio|score|reassessed|rated|rates|"
    r"take|taking|took|the|ate|eaten|drank|tof|"
    # Ventilator settings (`PSV 10/5`, `CPAP 5/5`, `BiPAP 12/5`): pressures, not dates.
    r"\b(?:psv?|cpap|bi-?pap|bpap|peep|ipap|epap|simv|prvc|ac|niv|vent))[\s:]{0,3})"
)
# A pain score (`4/10`) or Apgar (`8/9`) is not a date unless a date word says so.
NOT_SCALE = r"(?!\d{1,2}/10\b)"
EDGE_L = r"(?=\d)(?<![\w/.:-])"
EDGE_R = r"(?![\w/]|[.:]\d|-\d)"  # `ECHO 3/02: EF 30%`, not `12/10:30`
EDGE_R_YEAR = r"(?![\w/]|[.:]\d|-\d)"  # a full date may end with a colon (`CXR 5/8/2024: ...`)


# Words after which a four-digit number in range is a year (`in 2016`, `on 2017`, `dated 2019`).
YEAR_CUES = (
    r"in|on|since|from|of|to|until|till|by|during|circa|ca|year|back|early|late|mid|summer|spring|fall|"
    r"autumn|winter|dx|dx'd|diagnosed|hx|s/p|through|thru|and|or|before|after|around|last|prior|priors|"
    r"recent|dated?|seen|comparison|compared|colonoscopy|egd|cabg|surgery|repair|replacement|ectomy|otomy|"
    r"plasty|transplant|stent|mi|cva|tia|dvt|pe|fracture|delivery|vaccine|vaccinated|booster|quit|stopped|"
    r"started|married|widowed|retired|born|divorced|moved|hospital|center|centre|clinic|care|home|facility|"
    r"institute|campus"
)
# A number followed by a unit or a count word is a quantity: `in 2000 mL`, `to 2015 mg`, `on 1800 kcal`.
NOT_QUANTITY = (
    r"(?!\s*(?:(?:mg|mcg|ug|g|gm|grams?|kg|lbs?|ml|l|cc|units?|u|iu|meq|mmol|kcal|cal|calories?|fluid|"
    r"steps|ft|feet|m|meters?|km|miles?|cells|copies|hrs?|hours?|h|mins?|minutes?|secs?|times|x|mm|cm|ng|pg|"
    r"bpm|breaths)\b|%))"
)
YEAR_END = rf"(?![\w/:%-]|\.\d){NOT_QUANTITY}"
# A lab or measurement word before the cue: `CK of 2012`, `WBC count of 2010` are values.
NOT_LAB_BEFORE = (
    r"(?<!\b(?:wbc|rbc|plt|platelets?|hgb|hct|ck|cpk|bnp|ldh|ast|alt|glucose|bg|tsh|ferritin|ldl|hdl|"
    r"triglycerides|level|count|value|volume|output|intake|total|score|dose)\s*:?\s*)"
)
# What a date range's other end looks like: `Mar 2014`, `7/2017`, `18 May 2019`, `2020`.
DATE_AHEAD = (
    rf"(?:{MONTH}\b|\d{{1,2}}[-/]\d{{1,2}}\b{NOT_AFTER}|\d{{1,2}}/{YEAR4}\b|{DAY}[-\s]{MONTH}\b|{YEAR4}{YEAR_END})"
)
DATE_BEHIND = (
    rf"(?:\b{YEAR4}|\b{MONTH}\.?\s+{DAY}{ORD}?|{EDGE_L}{MON_NUM}/{DAY}(?:/{YEAR})?|\b{DAY}-{MONTH}-{YEAR})"
)


# Procedures and diagnoses of a history list, after which a two-digit number or a month/year is a date
# (`CABG 86`, `APPY 71'`, `MVR 6/89`, `s/p hip fx11/99`). Not lab words: `CA 8.3`, `EF 35` stay values.
HISTORY_WORDS = (
    r"mi|nstemi|stemi|cabg|mvr|avr|tvr|cva|tia|dvt|pe|appy|appendectomy|chole|ccy|cholecystectomy|tah|bso|"
    r"hysterectomy|tkr|thr|tka|tha|orif|turp|ptca|pci|stents?|cath|echo|ett|mibi|fx|fracture|s/p|hx|dx|"
    r"colectomy|resection|repair|surgery|bypass|ablation|ppm|aicd|pacer|pacemaker|colonoscopy|egd|cancer|"
    r"chf|pna|uti|hernia|splenectomy|nephrectomy|mastectomy|lumpectomy|xrt|chemo|craniotomy|laminectomy|"
    r"fusion|amputation|bka|aka|cea|endarterectomy|seizure|stroke|arrest|intubated|trach|peg|gib|"
    r"pancreatitis|pneumonia|sepsis|overdose|dx'd|diagnosed|admission|admit|hospitalized|revision|shunt|"
    r"scope|lap|tubal|section|tx|tx'd|transplant|placed|vaccine|quit|icd|crani|sdh|episode|"
    r"[a-z]+(?:ectomy|otomy|ostomy|plasty|scopy|vax)"
)
# A two-digit number that is a year: with an apostrophe (`'03`, `71'`), or 32-99 (no day or count).
TWO_DIGIT_YEAR = r"(?:['’]\d\d\b|\d\d['’]|(?:3[2-9]|[4-9]\d)\b)"
NOT_A_VALUE_AFTER = (
    r"(?![.,]\d|\s*(?:%|mg|mcg|mm|cm|cc|ml|min|bpm|hrs?|x\b|fr\b|french|units?|@|at\b|lip\b|days?\b|d\b|wks?\b|"
    r"weeks?\b|mos?\b|months?\b|yrs?\b|years?\b|y/?o\b|ago\b))"
)
# History-list dates are found value first, then the word before it is checked in a short window: a
# pattern that starts with the long alternation of history words costs a third of the recognizer.
# Candidates are scanned with a pattern that starts with a literal or a digit (fast), then checked.
HISTORY_CANDIDATE = regex.compile(
    r"['’]?\d{1,4}(?:/\d{2,4})?['’]?|\b(?:jan|feb|apr|jun|jul|aug|sept?|oct|nov|dec)\b(?=\.?(?![\w/-]))",
    regex.IGNORECASE,
)
HISTORY_NUMBER = regex.compile(rf"{TWO_DIGIT_YEAR}|{MON_NUM}/\d\d(?:\d\d)?|{YEAR4}")
VALUE_AFTER = regex.compile(rf"(?!/){NOT_A_VALUE_AFTER}", regex.IGNORECASE)
# Between a history word and its date: a count, a side or a spinal level, a parenthesis, and the dates
# before it in the same parentheses or range (`TKR X2 (03, 06)`, `MI X2 ('89 AND '01)`, `TKA R 2015`,
# `FUSION L4-5 (96)`, `TX'D 79-80`).
SIDE_OR_LEVEL = r"(?:r|l|rt|lt|right|left|bilat|b/l|bilateral|[ctls]\d{1,2}(?:-[ctls]?\d{1,2})?)"
EARLIER_DATES = r"(?:['’]?\d\d['’]?[ \t]*(?:,|and|&|-)[ \t]*)*"
# `CABG 86`, `APPY 71'`, `MVR 6/89`, `s/p hip fx11/99` (glued), `PCI x2 in 98`, `CVA feb`.
HISTORY_BEFORE = regex.compile(
    rf"\b(?:{HISTORY_WORDS})[ \t]*[,:-]?[ \t]*(?:x[ \t]?\d[ \t]*)?(?:{SIDE_OR_LEVEL}[ \t]+)?(?:(?:in|on)[ \t]+)?"
    rf"\(?{EARLIER_DATES}\Z",
    regex.IGNORECASE,
)
# A two-digit number under 32 is a year only where a list item ends with it (`PE 01,`, `GIB (10)`), not
# before more words (`ETT 21 @ lip`, `CVA 10 days ago`).
LIST_ITEM_END = regex.compile(r"['’]?(?:-['’]?\d\d['’]?)?\)?[ \t]*(?:[,;.)]|$|\n|(?i:and|&)\b)")
# Other dates of a list in which one was found: the number that ends an item (`tka r 2015, l 2018`,
# `kidney tx 2/98 ..., rejection episode 03`, `L4-5 (96) AND L3-4 (02)`).
LIST_DATE = regex.compile(
    rf"(?<=[\p{{L}}\d][ \t]{{1,2}}\(?|\()(?:['’]?\d\d['’]?|{MON_NUM}/\d\d['’]?|{YEAR4})"
    r"(?=\)?[ \t]*(?:[,;.)]|$|\n|(?i:and|&)\b))",
    regex.IGNORECASE,
)
NOT_LIST_VALUE_BEFORE = regex.compile(
    r"\b(?i:ef|lvef|hgb|hct|a1c|bmi|gcs|stage|grade|class|type|nyha|gold|cr|k|na|mg|ph|rass|cpot|sbp|map|hr|rr|"
    r"fio2|peep|tv|svr|cvp|uo|wt|temp|t|bp|o2|sat|sats|plt|wbc|inr|ptt|bun|ett|size|ng|fr|gauge|g|#|x|rsbi|score|"
    r"since|at|@)[ \t:]*\(?\Z"
)
# `in oct`, `since nov`, `spent oct at`: a month's abbreviation alone after a time word.
MONTH_BEFORE = regex.compile(
    r"\b(?:in|since|during|until|till|early|late|mid|last|next|spent|through|thru)[ \t]+\Z", regex.IGNORECASE
)
HISTORY_WINDOW = 40
SLASH_DATE = regex.compile(r"\d{1,2}/\d{1,2}(?:/\d{2,4})?")


class DateRecognizer(GroupPatternRecognizer):
    LABEL = PhiLabel.DATE
    NAME = "ClinicalDateRecognizer"
    PATTERNS = [
        # Any year up to 2199 here: year-month-day is unambiguous, and de-identified corpora shift
        # dates into the future (`Record date: 2088-07-03`).
        Pattern("iso", rf"{EDGE_L}(?:19\d\d|2[01]\d\d)[-/.]{MON_NUM}[-/.]{DAY}{EDGE_R_YEAR}", 0.9),
        Pattern("mdy", rf"{EDGE_L}{MON_NUM}([-/.]){DAY}\1{YEAR}{EDGE_R_YEAR}", 0.9),
        Pattern("md", rf"{EDGE_L}{NOT_BEFORE}{NOT_SCALE}{MON_NUM}/{DAY}{EDGE_R}{NOT_AFTER}", 0.6),
        Pattern("md_dash", rf"{EDGE_L}{NOT_BEFORE}{MON_NUM}-{DAY}{EDGE_R}(?=\s*(?:at|@|\d|,|\.|\s))", 0.4),
        Pattern("my", rf"{EDGE_L}{MON_NUM}/{YEAR4}{EDGE_R_YEAR}", 0.7),
        Pattern(
            "md_cued",
            rf"\b(?:on|since|from|until|till|by|dated?|dos|seen|admitted|discharged|through|thru|due)\s*:?\s*"
            rf"(?P<phi>{MON_NUM}/{DAY}){EDGE_R}",
            0.8,
        ),
        # `(around 10/10)`, `about 3/4`: a time word makes a date even of a pain-score shape, unless a
        # score word comes first (`pain around 8/10`).
        Pattern(
            "md_around",
            r"(?<!(?:pain|score|rated|rates|level|ratio|sats?)[ \t:]{0,3})\b(?:around|about|approx\.?|approximately|"
            rf"circa)[ \t]+(?P<phi>{MON_NUM}/{DAY}){EDGE_R}{NOT_AFTER}",
            0.6,
        ),
        Pattern(
            "month_day_year",
            rf"\b{MONTH}\.?\s+{DAY}{ORD}?(?:\s*,\s*|\s+){YEAR4}\b",
            0.95,
        ),
        Pattern("month_day", rf"\b{MONTH}\.?\s+(?:the\s+)?{DAY}{ORD}?\b(?!:)", 0.85),
        Pattern("day_month_year", rf"\b{DAY}{ORD}?\s+(?:of\s+)?{MONTH}\.?,?\s+{YEAR4}\b(?!-\d)", 0.95),
        Pattern("day_month", rf"\b(?:{DAY}[ \t]*[-–][ \t]*)?{DAY}{ORD}?\s+(?:of\s+)?{MONTH}\b", 0.85),
        Pattern("day_mon_year_dash", rf"\b{DAY}[-\s]?{MONTH}[-\s]?{YEAR}\b", 0.9),
        Pattern("month_year", rf"\b{MONTH}\.?,?\s+(?:of\s+)?{YEAR4}\b(?!-\d)", 0.9),  # not `feb, 1900-0700`
        Pattern("the_ordinal", rf"\b(?:the|on)\s+(?P<phi>{DAY}{ORD})\b", 0.7),
        Pattern("may_cued", r"\b(?:in|since|until|early|late|mid|last|next)[ \t]+(?P<phi>may)\b(?![ \t]+be\b)", 0.6),
        # Decades: `in the 1970s`.
        Pattern(
            "decade",
            r"\b(?:in|since|during|early|late|mid|from)[ \t]+(?:the[ \t]+)?(?P<phi>(?:19|20)\d0['’]?s)\b",
            0.6,
        ),
        Pattern(
            "month_word",
            r"\b(?:january|february|march|april|june|july|august|september|october|november|december)\b",
            0.55,
        ),
        # A bare year. Nursing notes start lines with 24-hour times (`2000 TEMP ROSE`, `1900-0700`)
        # and lab values are four-digit numbers (`BNP 2042`): a year needs a word that says so
        # (`in 2016`, `on 2017`, `COMPARISON: 2012`), stands in parentheses, follows a procedure
        # (`CABG 2016`) or a facility (`Urgent Care 2016`), or starts a range (`2012 to Mar 2014`).
        # Quantities (`in 2000 mL`, `to 2015 mg`) and lab values (`CK of 2012`) are not years.
        Pattern(
            "year_cued",
            rf"{NOT_LAB_BEFORE}\b(?:{YEAR_CUES})[\s:,-]*(?:(?:is|was)\s+)?(?:the\s+)?(?:year\s+)?(?:of\s+)?"
            rf"(?P<phi>{YEAR4}){YEAR_END}",
            0.6,
        ),
        Pattern(
            "year_range_start",
            rf"{EDGE_L}(?P<phi>{YEAR4})\s+(?:to|through|thru|until|till)\s+(?={DATE_AHEAD})",
            0.6,
        ),
        Pattern(
            "md_range_start",
            rf"{EDGE_L}(?P<phi>{MON_NUM}/{DAY})\s+(?:to|through|thru|until|till)\s+(?!\d{{1,2}}/10\b)(?={DATE_AHEAD})",
            0.6,
        ),
        Pattern(
            "md_range_end",
            rf"{DATE_BEHIND}\s+(?:to|through|thru|until|till)\s+{NOT_SCALE}(?P<phi>{MON_NUM}/{DAY}){EDGE_R}{NOT_AFTER}",
            0.7,
        ),
        Pattern("year_paren", rf"\((?P<phi>{YEAR4})\)", 0.6),
        Pattern("year_comma", rf"(?<=\w),\s*(?P<phi>{YEAR4})(?![\w/:%-]|\.\d|\s*(?:mg|ml|units?|cc))", 0.5),
        Pattern("year_apos", r"(?<=\s)['’]\d\d\b(?!\s*(?:s|\"|in|ft))", 0.5),
    ]

    CONTEXT = ["date", "dob", "born", "admitted", "discharged", "seen", "on", "since", "visit"]

    def analyze(
        self,
        text: str,
        entities: list[str],
        nlp_artifacts: NlpArtifacts | None = None,
        regex_flags: int | None = None,
    ) -> list[RecognizerResult]:
        """Dates by form and cue, then every other occurrence of a day/month date found once (`ON 12/10
        PT HAD ...` ... `WOUND VAC CHANGED 12/10.`): the guards against scores must not hide it there."""
        results = super().analyze(text, entities, nlp_artifacts, regex_flags)
        history = self._history_dates(text)
        results += history + self._other_list_dates(text, history)
        slashed = [d for d in {text[r.start : r.end] for r in results} if SLASH_DATE.fullmatch(d)]
        return results + other_occurrences(text, results, slashed, PhiLabel.DATE.value, 0.6, EDGE_L, EDGE_R)

    @staticmethod
    def _other_list_dates(text: str, found: list[RecognizerResult]) -> list[RecognizerResult]:
        """In the line of a history-list date, the numbers that end the list's other items are its other
        dates (`tka r 2015, l 2018`), unless a lab or measurement word stands before them (`EF 35,`)."""
        covered = {(r.start, r.end) for r in found}
        lines = {_list_bounds(text, r.start, r.end) for r in found}
        results = []
        for start, end in lines:
            for value in LIST_DATE.finditer(text, start, end):
                if value.span() in covered or VALUE_AFTER.match(text, value.end()) is None:
                    continue
                if NOT_LIST_VALUE_BEFORE.search(text, max(0, value.start() - 12), value.start()):
                    continue
                results.append(RecognizerResult(PhiLabel.DATE.value, *value.span(), 0.6))
        return results

    @staticmethod
    def _history_dates(text: str) -> list[RecognizerResult]:
        """Dates of a history list: a two-digit year, a month/year or a year after a procedure or a
        diagnosis (`CABG 86`, `fx11/99`), a month's abbreviation after one or after a time word."""
        results = []
        for value in HISTORY_CANDIDATE.finditer(text):
            start, end = value.span()
            month = value.group()[0].isalpha()
            if not month and (
                (start and text[start - 1] in "0123456789/.")
                or (end < len(text) and (text[end].isalnum() or text[end] == "/"))
                or not _history_number(text, value.group(), end)
                or VALUE_AFTER.match(text, end) is None
            ):
                continue
            window = max(0, start - HISTORY_WINDOW)
            if HISTORY_BEFORE.search(text, window, start) or (month and MONTH_BEFORE.search(text, window, start)):
                results.append(RecognizerResult(PhiLabel.DATE.value, start, end, 0.6))
        return results


def _history_number(text: str, value: str, end: int) -> bool:
    """A value of a history list that can be a date: a year, a month/year, a two-digit year; a number
    under 32 only where it ends a list item."""
    if HISTORY_NUMBER.fullmatch(_without_trailing_apostrophe(value)):
        return True
    return len(value) == 2 and value.isdigit() and LIST_ITEM_END.match(text, end) is not None


def _without_trailing_apostrophe(value: str) -> str:
    """`6/99'` is the month/year `6/99`; `71'` keeps its apostrophe (it marks the two-digit year)."""
    return value.rstrip("'’") if "/" in value else value


def _list_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """The list a history date stands in: from the label or sentence before it to the end of its sentence
    (notes that run their systems together on one line hold many lists on it)."""
    before = max(text.rfind(stop, 0, start) for stop in LIST_STOPS)
    after = [i for i in (text.find(stop, end) for stop in LIST_STOPS) if i >= 0]
    return before + 1, min(after, default=len(text))


LIST_STOPS = ("\n", ". ", ": ", "- ")
