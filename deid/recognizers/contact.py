"""Phone and fax numbers, e-mail addresses, URLs and IP addresses."""

from __future__ import annotations

import ipaddress

import regex
from presidio_analyzer import Pattern, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from deid.labels import PhiLabel
from deid.recognizers.base import GroupPatternRecognizer
from deid.recognizers.vocabulary import PhilterVocabulary, philter_vocabulary

FAX_CUE = regex.compile(r"fax|facsimile|\bf\s*[:#]", regex.IGNORECASE)
FAX_WINDOW = 16
PHONE_WORDS = r"(?i:office|fax|mobile|cell|home|work|desk|phone)"
# A number ends before a letter or a hyphen, except a hyphen that joins its kind (`063 966-Fax`).
PHONE_END = rf"(?!\w|-(?!{PHONE_WORDS}\b))"
# Between the groups of a North-American number as nurses type them: `212-555-0199`, `212- 555- 0199`,
# `212 555 0199`, `212.555.0199` (a period with no space: `I/O 700/950. 2115` is not a number).
NANP_SEP = r"(?:[ \t]{0,2}-[ \t]{0,2}|\.|[ \t]{1,2})"


class PhoneRecognizer(GroupPatternRecognizer):
    """North-American numbers in all their spellings plus international (+CC) and European groupings;
    a number right after the word `fax` is relabelled FAX."""

    LABEL = PhiLabel.PHONE
    NAME = "ClinicalPhoneRecognizer"
    PATTERNS = [
        Pattern(
            "nanp",
            rf"(?<![\w./-])(?:\+?1[\s.-]?)?(?:\(\d{{3}}\)\s?|\d{{3}}{NANP_SEP})\d{{3}}{NANP_SEP}\d{{4}}"
            rf"(?:\s*(?:x|ext\.?|extension)\s*\d{{1,5}})?{PHONE_END}",
            0.85,
        ),
        # `(301 555 01234)`: a typed number in parentheses, one digit too many; `202 5550100`.
        Pattern("nanp_in_parentheses", rf"\((?P<phi>\d{{3}}{NANP_SEP}\d{{3}}{NANP_SEP}\d{{4,5}})\)", 0.7),
        Pattern("nanp_slashes", r"(?<![\w./-])\d{3}/\d{3}/\d{4}(?![\w/-])", 0.7),  # `201/555/0199`
        Pattern("area_and_seven", r"(?<![\w./-])\(?\d{3}\)?[ \t]{1,2}\d{7}(?![\w/-])", 0.7),
        Pattern("nanp_compact", r"\b(?:phone|tel|cell|mobile|ph|pager|fax|call)\W{0,4}(?P<phi>\d{10})\b", 0.8),
        Pattern("local7", r"(?<![\w./-])\d{3}-\d{4}(?![\w/-])", 0.5),
        # A seven-digit number after the words that say it is one to call (`call her neighbor at 239 6650`,
        # `(h) 733 0178`).
        Pattern(
            "local7_cued",
            r"(?:\b(?:call|reach|contact|phone|text|tel|cell|home|work)\b[^\n\d]{0,40}?(?:\bat|@|#|:|\bis)"
            r"|\((?:h|c|w|m|hm|wk|cell|home|work|mobile|wife|husband|son|daughter|dtr|mother|father|sister|brother|"
            r"niece|nephew|friend|partner|spouse|neighbor|aunt|uncle|gd|gs|granddaughter|grandson|proxy|hcp)\))"
            r"[ \t]*(?P<phi>\d{3}[ \t.-]?\d{4})(?![\w/:-]|\.\d)",
            0.6,
        ),
        # Any digit grouping right after the word that says it is a number to call (international formats).
        Pattern(
            "keyed",
            r"\b(?:phone|tel|telephone|cell|mobile|desk|office|home|work|fax|call me|reach me|text me)\b"
            r"(?:\s+(?:on|at|number|no\.?|#|is|was))?\s*[:#=]?\s*\|?\s*(?P<phi>\+?\(?\d[\d ().-]{5,18}\d)(?![\w/:])",
            0.7,
        ),
        # Pager and extension numbers are short: only after the word that introduces them.
        Pattern(
            "pager",
            r"\b(?:pager|beeper|bpr|pgr|pg|spectralink|"
            # `page micu resident @ 4-7126`, `beeper 7730, np at 7731`: a cue, then `at`/`@` and the number.
            r"(?:page|paged|pg|pgr|pager|beeper|bpr)\b[^\n]{0,40}?(?:\bat|@)|"
            r"ext\.?|extension|x)[ \t]*(?:number|no\.?)?[ \t]*[#:]?[ \t]*(?P<phi>\d{4,5}|\d-\d{4})\b(?![/:.]\d)",
            0.7,
        ),
        # The second number of a pager sentence (`beeper 7730, np at 7731`): a pager word shortly before.
        Pattern(
            "pager_again",
            r"(?<![\w./-])(?=\d)(?<=\b(?:pager|beeper|bpr|pgr|pg|page|paged)\b[^\n]{0,40}?(?:\bat|@)[ \t]{0,3})"
            r"(?:\d{4,5}|\d-\d{4})\b(?![/:.]\d)",
            0.6,
        ),
        # `+49 221 1234567`, `+49 (0) 221 12345678`, `+44 20 7946 0958`, `+7 495 123-45-67`: a country code,
        # an optional trunk zero or area code in parentheses, then groups (E.164: at most 15 digits).
        Pattern(
            "international",
            rf"(?<![\w.+-])\+\d{{1,3}}+(?:[ .-]?\(\d{{1,4}}+\)){{0,2}}+(?:[ .-]?\d{{1,8}}+){{1,5}}+{PHONE_END}",
            0.8,
        ),
        Pattern(
            "grouped", rf"(?<![\w./-])\(?0\d{{2,4}}\)?[\s.-]\d{{2,4}}(?:[\s.-]\d{{2,4}}){{1,3}}(?!/){PHONE_END}", 0.6
        ),
        Pattern("paren_area", rf"(?<![\w.-])\(\d{{2,4}}\)\s?\d{{3}}[\s.-]?\d{{3,4}}{PHONE_END}", 0.7),
        # Any digit grouping right before the word that says what number it is (`21 253 109 8211-Office`).
        Pattern(
            "keyed_after",
            rf"(?<![\w./:-])(?P<phi>\+?\(?\d[\d ().-]{{5,18}}\d)[ \t]*-?[ \t]*{PHONE_WORDS}\b",
            0.7,
        ),
        Pattern("pairs", r"(?<![\w./:-])\d{2}-\d{2}-\d{2}-\d{2}(?![\w/-])", 0.6),
    ]

    CONTEXT = ["phone", "tel", "telephone", "cell", "mobile", "call", "pager", "contact", "fax", "reach"]

    def validate_result(self, pattern_text: str) -> bool | None:
        """An international number has 8 to 15 digits, country code included (E.164)."""
        if not pattern_text.startswith("+"):
            return None
        return 8 <= sum(c.isdigit() for c in pattern_text) <= 15

    def analyze(
        self,
        text: str,
        entities: list[str],
        nlp_artifacts: NlpArtifacts | None = None,
        regex_flags: int | None = None,
    ) -> list[RecognizerResult]:
        results = [r for r in super().analyze(text, entities, nlp_artifacts, regex_flags) if not _is_range(text, r)]
        for result in results:
            if FAX_CUE.search(text, max(0, result.start - FAX_WINDOW), result.start):
                result.entity_type = PhiLabel.FAX.value
        return results


def _is_range(text: str, result: RecognizerResult) -> bool:
    """`SVR 980-1160`, `TV 650-720`: a range of a measurement, not a seven-digit number. The second
    number is larger than the first and at most twice it, and no word before says it is a number to call."""
    value = RANGE.fullmatch(text, result.start, result.end)
    if value is None or PHONE_CUE_BEFORE.search(text, max(0, result.start - 24), result.start):
        return False
    low, high = int(value.group(1)), int(value.group(2))
    return low < high <= 2 * low


RANGE = regex.compile(r"(\d{3})-(\d{4})")
PHONE_CUE_BEFORE = regex.compile(r"(?i:call|phone|tel|cell|mobile|home|work|office|pager|reach|contact|number|#|:)")


class EmailRecognizer(GroupPatternRecognizer):
    LABEL = PhiLabel.EMAIL
    PATTERNS = [
        # Linear time: the local part starts where its run of characters starts, and the domain's labels
        # are taken possessively with the top-level domain checked behind them (no backtracking).
        Pattern("email", r"(?<![\w.%+-])[\w.%+-]++@[\w-]++(?:\.[\w-]++)++(?<=\.[a-z]{2,24})", 0.95),
    ]


TLDS = (
    r"(?:com|org|net|edu|gov|mil|int|info|biz|io|co|us|uk|ca|de|fr|es|it|nl|se|fi|ee|ch|be|br|pt|pl|hu|au|"
    r"nz|cy|uy|me|health|care)"
)


GENERIC_TLDS = frozenset("com org net edu gov mil int info biz io health care".split())
# `word.cc` with no path: a country-code domain, or two words of a sentence typed without a space
# (`as necessary.Pt resting`, `comfortable.pt`).
BARE_DOMAIN = regex.compile(r"(?P<label>[A-Za-z]+)\.(?P<tld>[A-Za-z]{2})")


class UrlRecognizer(GroupPatternRecognizer):
    LABEL = PhiLabel.URL
    PATTERNS = [
        Pattern("scheme", r"\b(?:https?|ftp)://[^\s<>\"']+[^\s<>\"'.,;:!?)\]]", 0.95),
        Pattern("www", r"\bwww\.[^\s<>\"']+[^\s<>\"'.,;:!?)\]]", 0.9),
        # Possessive labels, top-level domain checked behind them: linear on long dotted runs.
        Pattern(
            "domain",
            rf"(?<![@\w.-])[a-z0-9-]++(?:\.[a-z0-9-]++)++(?<=\.{TLDS})(?:/[^\s<>\"']*[^\s<>\"'.,;:!?)\]])?(?![\w@-])",
            0.6,
        ),
    ]

    def __init__(self, vocabulary: PhilterVocabulary | None = None) -> None:
        self._philter = vocabulary
        super().__init__()

    def load(self) -> None:
        self._vocabulary = (self._philter or philter_vocabulary()).non_names

    def invalidate_result(self, pattern_text: str) -> bool:
        """`necessary.Pt`, `comfortable.pt`: a word and a country code with no path is a sentence
        break typed without a space when the word is vocabulary or the code is capitalised."""
        bare = BARE_DOMAIN.fullmatch(pattern_text)
        if bare is None or bare.group("tld").lower() in GENERIC_TLDS:
            return False
        return not bare.group("tld").islower() or bare.group("label").lower() in self._vocabulary


class IpRecognizer(GroupPatternRecognizer):
    LABEL = PhiLabel.IP
    PATTERNS = [
        Pattern("ipv4", r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w.]|\.\d)", 0.6),
        Pattern("ipv6", r"(?<![\w:])(?:[0-9a-f]{1,4}:){2,7}[0-9a-f]{0,4}(?::[0-9a-f]{1,4}){0,6}(?![\w:])", 0.6),
    ]

    CONTEXT = ["ip", "address", "host", "server"]

    def validate_result(self, pattern_text: str) -> bool | None:
        try:
            ipaddress.ip_address(pattern_text)
        except ValueError:
            return False
        return True
