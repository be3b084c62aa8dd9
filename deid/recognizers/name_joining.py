"""Growing name seeds into whole names: over initials, hyphens, commas and `and` (`J. Smith`,
`Smith, John`, `Drs Feld and Amato`), to every other use of a surname found once, then into results."""

from __future__ import annotations

from presidio_analyzer import RecognizerResult

from deid.labels import PhiLabel
from deid.recognizers.lexicon import CALENDAR_WORDS, is_allow_listed
from deid.recognizers.lexicon.people import CREDENTIALS
from deid.recognizers.name_cues import NameCues
from deid.recognizers.name_words import (
    CONJUNCTIONS,
    HYPHENS,
    INITIAL_RE,
    NAME_PREFIX_RE,
    SCORE_CUE,
    SCORE_RELATION,
    TITLE_CASE_RE,
    WORD_RE,
    bare_lower,
    is_dotted_initial,
)


class NameJoining(NameCues):
    """Extension and propagation of the name recognizer's token scores."""

    def _propagate(self, words: list[str], scores: list[float]) -> bool:
        """A surname found once (`Dr. Vattimo`) is a name wherever else the note uses it."""
        known = {
            w.lower()
            for w, s in zip(words, scores, strict=True)
            if s and len(w) > 2 and WORD_RE.fullmatch(w) and (
                (not self._is_ambiguous(w.lower()) and not self._is_english(w.lower()))
                # Named after a title or a label (`Dr Romer`): also when WordNet lists it as a noun.
                or (s >= SCORE_CUE and self._cued_name_word(w) and (
                    self._informative or not self._english.has_non_noun(w.lower())))
                # Named after a relation or a role (`RN CORA LIND ... PAGE CORA`): a word no vocabulary holds.
                or (self._suspect(w.lower()) and not self._is_english(w.lower()))
            )
        }
        added = False
        for i, word in enumerate(words):
            if not scores[i] and word.lower() in known and self._shaped(word):
                scores[i] = SCORE_RELATION
                added = True
        return added

    def _extend(self, words: list[str], scores: list[float]) -> None:
        """Grow each seed over adjacent name tokens and initials (`J. Smith`, `Mary Ann Kowalczyk`,
        `Smith-Jones`, `Smith, John`, `Kowalczyk, Anna, RN`)."""
        n = len(words)
        stack = [i for i in range(n) if scores[i]]
        while stack:
            i = stack.pop()
            for step in (-1, 1):
                j = i + step
                if not 0 <= j < n or scores[j] or self._breaks[min(i, j)]:
                    continue
                if self._joins(words, j, step, scores[i]):
                    scores[j] = scores[i]
                    stack.append(j)
                elif words[j] == "," and 0 <= j + step < n and not scores[j + step]:
                    k = j + step
                    if not self._breaks[min(j, k)] and self._comma_joins(words[k], scores[i]):
                        scores[k] = scores[i]
                        stack.append(k)
                elif words[j].lower() in CONJUNCTIONS and 0 <= j + step < n and not scores[j + step]:
                    k = j + step
                    # The run's best score (`Drs O'Brien-Johnston and Taylor`: the title scored O'Brien).
                    run_score = max(scores[max(0, i - 4) : i + 1])
                    if not self._breaks[min(j, k)] and self._coordinated_name(words, k, run_score):
                        scores[k] = scores[i]
                        stack.append(k)

    def _coordinated_name(self, words: list[str], k: int, seed_score: float) -> bool:
        """`Marrero and Murphy`, `Usamov & Bowers`: in a mixed-case note, a capitalised word joined to a
        name by `and` is a name when it is not vocabulary (or is an unambiguous list name). In any case
        after a title: `drs feld and amato`."""
        word = words[k]
        if not self._shaped(word) or self._eponym_follows(words, k):
            return False
        if seed_score >= SCORE_CUE and self._cued_name_word(word) and (not self._informative or word[0].isupper()):
            return True  # after a title or label: `DRS WRIGHT AND WALKER`, `Drs Feld and Walker`
        if not self._informative:  # `drs feld and amato`, `DTRS AMARA AND CHIOMA`
            return seed_score >= SCORE_RELATION and self._suspect(word.lower())
        lower = word.lower()
        if is_allow_listed(lower) or TITLE_CASE_RE.fullmatch(word) is None:
            return False
        return (self._in_lists(lower) and not self._is_ambiguous(lower)) or not self._is_english(lower)

    def _comma_joins(self, word: str, seed_score: float) -> bool:
        """`Smith, John` / `Kowalczyk, Anna, RN`: the other side of a comma is part of the name."""
        if not self._shaped(word) or bare_lower(word) in CREDENTIALS:
            return False
        lower = word.lower()
        if not self._in_lists(lower) or lower in CALENDAR_WORDS:
            return seed_score >= SCORE_CUE and self._cued_name_word(word)
        return not self._is_ambiguous(lower) or self._informative or seed_score >= SCORE_CUE

    def _joins(self, words: list[str], j: int, step: int, seed_score: float) -> bool:
        """May token j, on side `step` of a name token, continue that name?"""
        word = words[j]
        if j > 1 and words[j - 1] == "/" and len(words[j - 2]) == 1 and is_dotted_initial(word, any_case=True):
            return False  # the end of a slashed abbreviation: `i/o.`, `s/p.`
        if step == -1 and seed_score >= SCORE_CUE and is_dotted_initial(word, any_case=True) and (
            self._lower_case_line(words, j)
        ):
            return True  # `-- t. okoro, rn`: a lower-case signature line
        if INITIAL_RE.fullmatch(word) or (not self._informative and self._initial(word)):
            # "J. Smith", "Smith J." and "J Smith"; a bare capital after a name is usually not an initial.
            if word in {"A", "I"} and not self._informative:
                return False
            return word.endswith(".") or step == -1
        if word in HYPHENS:
            k = j + step
            glued = not self._spaced[j] and not self._spaced[j - 1]
            return glued and 0 <= k < len(words) and self._shaped(words[k])
        hyphen = j - step
        if words[hyphen] in HYPHENS and not self._spaced[min(hyphen, j)]:
            return self._shaped(word)  # the rest of a hyphenated name: `Mei-Ling`, whatever `Ling` means alone
        if not self._shaped(word) or self._eponym_follows(words, j) or word.lower() in CALENDAR_WORDS:
            return False
        lower = word.lower()
        if self._in_lists(lower) and (not self._is_ambiguous(lower) or self._informative):
            return True
        if lower in self._philter_names and not self._english.has_non_noun(lower):
            return True  # `SON DESMOND PRYCE`: a listed name that no vocabulary holds
        if self._in_lists(lower) and step == -1 and seed_score >= SCORE_CUE and not is_allow_listed(lower):
            return True  # a first name before a cued surname: `WEI ROSE, LPN`
        if seed_score >= SCORE_CUE and self._cued_name_word(word):
            return True  # `Dr. Inna Romer`: a surname WordNet lists as a noun
        if seed_score >= SCORE_CUE or self._informative:
            return not self._is_english(lower)
        if NAME_PREFIX_RE.fullmatch(word):
            return not self._is_english(lower)  # `NURSE AOIFE O'DONNCHA`
        # `SON IVO KRASTEVICH`: after a relative's first name, a word no vocabulary holds is the surname.
        return step == 1 and len(lower) > 2 and lower.isalpha() and not self._is_english(lower) and (
            self._after_relation(words, j - 1)
        )

    @staticmethod
    def _to_results(words: list[str], starts: list[int], scores: list[float]) -> list[RecognizerResult]:
        results = []
        i, n = 0, len(words)
        while i < n:
            if not scores[i]:
                i += 1
                continue
            j = i
            while j + 1 < n and scores[j + 1]:
                j += 1
            start, end = starts[i], starts[j] + len(words[j])
            # A period after a whole word ends the sentence; after an initial it is part of it.
            if words[j].endswith(".") and len(words[j]) > 2:
                end -= 1
            results.append(RecognizerResult(PhiLabel.NAME.value, start, end, max(scores[i : j + 1])))
            i = j + 1
        return results
