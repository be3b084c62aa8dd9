"""Where a name stands in the token sequence: after a title, a relation, a field label or a greeting,
before a credential, a role in parentheses or a clinician's action, on a signature or closing line."""

from __future__ import annotations

from deid.recognizers.lexicon import CALENDAR_WORDS, is_allow_listed
from deid.recognizers.lexicon.people import (
    ADDRESS_CUES,
    AGE_WORD_PREFIXES,
    CLINICIAN_ACTIONS,
    CREDENTIALS,
    EPONYM_HEADS,
    FIELD_LABELS,
    GREETINGS,
    NON_NAME_WORDS,
    NOT_ADDRESSEES,
    RELATIONS,
    ROLES,
    SERVICE_INITIALISMS,
    SIGN_OFFS,
    STAFF_SERVICES,
    TITLES,
)
from deid.recognizers.name_words import (
    HYPHENS,
    INITIAL_RE,
    INITIALS_RE,
    OBJECT_PRONOUNS,
    PHONE_START_RE,
    POSSESSIVE_TOKENS,
    TITLE_CASE_RE,
    WORD_RE,
    NameWords,
    bare_lower,
)

CLOSING_LINE_TOKENS = 6  # a signature line: two words and their punctuation


class NameCues(NameWords):
    """Positional cues of the name recognizer, over the note's tokens."""

    def _prev(self, words: list[str], i: int) -> str:
        return bare_lower(words[i - 1]) if i > 0 and not self._breaks[i - 1] else ""

    def _is_title_before(self, words: list[str], i: int) -> bool:
        """A title ends right before token i: `Dr.`, `MRS` or `MRS` + `.` (split off by the tokenizer)."""
        prev = self._prev(words, i)
        if prev in TITLES:
            return True
        return words[i - 1] == "." and i > 1 and not self._spaced[i - 2] and self._prev(words, i - 1) in TITLES

    def _after_title(self, words: list[str], i: int) -> bool:
        """`Dr. Smith`, `Dr. G. Smith`."""
        if self._is_title_before(words, i):
            return True
        return i > 1 and self._initial(words[i - 1]) and self._is_title_before(words, i - 1)

    @staticmethod
    def _introduces_age(words: list[str], i: int) -> bool:
        """`Lance is a 15 yo ...`, `White is an eighty-nine-year-old ...`: the H&P opening line."""
        following = [w.lower() for w in words[i + 1 : i + 4]]
        return (
            len(following) == 3
            and following[0] == "is"
            and following[1] in {"a", "an"}
            and (following[2][:1].isdigit() or following[2].startswith(AGE_WORD_PREFIXES))
        )

    def _after_field_label(self, words: list[str], i: int) -> bool:
        """`Patient: X`, `Pt name: X`, `Read by X`, `SIGNED: X` (the label ends with a colon or is `by`)."""
        prev = self._prev(words, i)
        if prev in {"by", "called", "named"}:
            lower = words[i].lower()  # not `cleared by PT`, `seen by ID`, `CALLED AT MN BY LAB`
            initials_word = INITIALS_RE.fullmatch(words[i]) is not None and self._is_english(lower)
            return lower not in SERVICE_INITIALISMS and not initials_word
        if prev in {"is", "?"} and i > 1 and bare_lower(words[i - 2]) == "name":
            return True  # "my name is X", "What's your name? X"
        if prev in OBJECT_PRONOUNS and i > 1 and bare_lower(words[i - 2]) in {"named", "call", "called"}:
            return True  # "named him X", "call me X"
        return prev == ":" and i > 1 and not self._breaks[i - 2] and bare_lower(words[i - 2]) in FIELD_LABELS

    def _eponym_follows(self, words: list[str], i: int) -> bool:
        j = i + 1
        while j < len(words) and (words[j] in POSSESSIVE_TOKENS or words[j] in HYPHENS):
            j += 1
        if j < len(words) and words[j].lower() == "cell" and (
            words[j - 1] in POSSESSIVE_TOKENS or (j + 1 < len(words) and PHONE_START_RE.match(words[j + 1]) is not None)
        ):
            return False  # `daughter Bryony's cell is ...`, `son Ivo Marsh cell 555-...`: a phone, not a Hurthle cell
        return j < len(words) and words[j].lower() in EPONYM_HEADS

    def _doubled_after_relation(self, words: list[str], i: int) -> bool:
        """A listed name that is also a word, written twice after a relation (`DTR MAY MAY VISIT`)."""
        return (
            i + 1 < len(words)
            and not self._breaks[i]
            and words[i + 1].lower() == words[i].lower()
            and self._in_lists(words[i].lower())
            and words[i].lower() not in CALENDAR_WORDS
            and self._after_relation(words, i)
        )

    def _role_follows(self, words: list[str], i: int) -> bool:
        """`KOWALCZUK (RESIDENT)`, `Per Bao (pharmacy)`: a role or service in parentheses after the name."""
        return (
            i + 3 < len(words)
            and words[i + 1] == "("
            and bare_lower(words[i + 2]) in ROLES | CREDENTIALS | SERVICE_INITIALISMS | NON_NAME_WORDS
            and words[i + 3] == ")"
        )

    def _relation_follows(self, words: list[str], i: int) -> bool:
        """`mark (nephew wesley rodriguez)`, `Ana Ruiz (daughter) 555-...`: a relation word opens the
        parentheses right after the name."""
        return (
            i + 2 < len(words)
            and not self._breaks[i]
            and words[i + 1] == "("
            and self._relation_at(words, i + 2)
        )

    def _action_follows(self, words: list[str], i: int) -> bool:
        """`RT IRIS ADJUSTED`, `HO PAT AWARE`: a clinician's action right after the name."""
        return i + 1 < len(words) and not self._breaks[i] and words[i + 1].lower() in CLINICIAN_ACTIONS

    def _role_after_from(self, words: list[str], i: int) -> bool:
        """`GUNNAR FROM RT`, `deb from case management`: who someone is, after `from`."""
        if i + 2 >= len(words) or self._breaks[i] or self._breaks[i + 1] or words[i + 1].lower() != "from":
            return False
        following = bare_lower(words[i + 2])
        return following in ROLES or following in SERVICE_INITIALISMS or following in STAFF_SERVICES

    def _closing_line(self, words: list[str], i: int) -> bool:
        """The last line of a message, after a blank line, of one or two words that are names or in no
        vocabulary (`\n\nD'Asia`, `\n\nZofia Wrzesniewska`): a signature."""
        if i == 0 or len(words) - i > CLOSING_LINE_TOKENS or words[i - 1].count("\n") < 2:
            return False
        if not words[i - 1].isspace():
            return False
        rest = [w for w in words[i:] if not w.isspace() and WORD_RE.fullmatch(w)]
        tail = [w for w in words[i:] if not w.isspace() and not WORD_RE.fullmatch(w)]
        if not 1 <= len(rest) <= 2 or any(w not in {".", "-", ","} for w in tail):
            return False
        return all(
            self._shaped(w) and not is_allow_listed(w.lower())
            and ((self._in_lists(w.lower()) and not self._is_ambiguous(w.lower())) or not self._is_english(w.lower()))
            for w in rest
        )

    def _initial_follows(self, words: list[str], i: int) -> bool:
        """`Lena V.` (question style: a first name and the initial of the surname)."""
        if i + 1 >= len(words) or self._breaks[i] or WORD_RE.fullmatch(words[i]) is None:
            return False
        following = words[i + 1]
        return len(following) == 2 and following[1] == "." and following[0].isupper() and following[0] not in "AI"

    def _relation_at(self, words: list[str], j: int) -> bool:
        """Token j is a relation word, or the `law` of `dtr-in-law` / `son in law`."""
        word = bare_lower(words[j])
        if word in RELATIONS:
            return True
        return word == "law" and j > 2 and words[j - 1] in {"-", "in"} and (
            words[j - 2].lower() == "in" or words[j - 2] == "-"
        )

    def _after_relation(self, words: list[str], i: int) -> bool:
        """`son Ted`, `his dtr, nora`, `WIFE-MAUD`, `dtr-in-law Pia`, `proxy is niece, Ana`, `HCP: Ana`."""
        j = i - 1
        if j < 0 or self._breaks[j]:
            return False
        if words[j] in {",", "-", ":"} or words[j].lower() in {"is", "named"}:
            j -= 1
            if j < 0 or self._breaks[j]:
                return False
        return self._relation_at(words, j)

    def _middle_initial_name(self, words: list[str], i: int) -> bool:
        """`First M. Last` in a mixed-case note: a name by its shape when neither word is ordinary
        or medical vocabulary (listed names excepted), not `Vitamin D Deficiency` or `Factor V Leiden`."""
        if not self._informative or i + 2 >= len(words) or self._breaks[i] or self._breaks[i + 1]:
            return False
        first, initial, last = words[i], words[i + 1], words[i + 2]
        if INITIAL_RE.fullmatch(initial) is None or self._eponym_follows(words, i + 2):
            return False
        return all(
            TITLE_CASE_RE.fullmatch(w) is not None
            and self._shaped(w)
            and not is_allow_listed(w.lower())
            and (self._in_lists(w.lower()) or not self._is_english(w.lower()))
            for w in (first, last)
        )

    def _comma_name_after_cue(self, words: list[str], i: int) -> bool:
        """`Last, First` right after a relation word or a field label, in any case."""
        if i + 2 >= len(words) or words[i + 1] != "," or self._breaks[i] or self._breaks[i + 1]:
            return False
        prev = self._prev(words, i)
        cued = prev in RELATIONS or self._after_field_label(words, i)
        return cued and self._cued_name_word(words[i]) and self._given_name_after_comma(words[i + 2])

    def _addressed_or_signed(self, words: list[str], i: int) -> bool:
        """Message openings and sign-offs: `hi bruno`, `dear Ann`, `this is Ann`, `thanks, fatima`,
        a line `- grace gonzalez`. A sign-off name runs to the end of its line."""
        word = words[i]
        prev = self._prev(words, i)
        if prev not in ADDRESS_CUES:
            return False  # the cue comes first: cheap to test on every token
        if word.lower() in NOT_ADDRESSEES or not self._cued_name_word(word):
            return False
        if not self._informative and word.isupper() and len(word) > 1:
            return False  # ALL CAPS: too many headers look like this
        if prev in GREETINGS:
            return True
        if prev == "is" and i > 1 and bare_lower(words[i - 2]) == "this":
            return True
        before = self._prev(words, i - 1) if prev == "," else prev
        if prev in {"-", "--", "—"} and (i == 1 or self._breaks[i - 2]):
            # A dashed line is a list item unless it is a name: listed or unknown words, or the
            # closing line of a message (`- concepcion yamamoto`).
            last_line = "\n" not in "".join(words[i:]).strip()
            closing = last_line and not self._informative
            signed = closing or self._in_lists(word.lower()) or not self._is_english(word.lower())
        else:
            signed = before in SIGN_OFFS
        if not signed:
            return False
        return any(self._ends_line(words, end) for end in range(i, min(i + 3, len(words))))

    def _ends_line(self, words: list[str], i: int) -> bool:
        """Token i is the last of its line (the tokenizer keeps a line break as its own token)."""
        if i + 1 == len(words) or "\n" in words[i + 1] and words[i + 1].isspace():
            return True
        return "\n" in words[i] and words[i].isspace()

    def _is_signature(self, words: list[str], i: int) -> bool:
        """`-CW` / `- PB` at the end of a line: a nurse's initials signing an entry."""
        if INITIALS_RE.fullmatch(words[i]) is None or i == 0 or words[i - 1] not in {"-", "--"}:
            return False
        return i + 1 == len(words) or self._breaks[i]

    def _initial_and_credential_follow(self, words: list[str], i: int) -> bool:
        return i + 1 < len(words) and self._initial(words[i + 1]) and self._credential_follows(words, i + 1)

    def _credential_follows(self, words: list[str], i: int) -> bool:
        """`Smith, MD`, `Smith MD`, `JS/RN`, `Holly M. RN`."""
        j = i + 1
        if j < len(words) and self._initial(words[j]) and not self._breaks[i]:
            j += 1
        if j < len(words) and words[j] in {",", "/"} and not self._breaks[j - 1]:
            j += 1
        if j >= len(words) or self._breaks[j - 1]:
            return False
        credential = words[j]
        return bare_lower(credential) in CREDENTIALS and (
            credential[:1].isupper() or not self._informative or self._lower_case_line(words, j)
        )

    def _lower_case_line(self, words: list[str], i: int) -> bool:
        """Token i stands on a line without capitals (`-- t. okoro, rn` signing a mixed-case note)."""
        start = i
        while start > 0 and not self._breaks[start - 1]:
            start -= 1
        end = i
        while end + 1 < len(words) and not self._breaks[end]:
            end += 1
        return not any(c.isupper() for w in words[start : end + 1] for c in w)
