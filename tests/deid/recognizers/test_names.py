import pytest

from deid.recognizers.base import case_is_informative
from deid.recognizers.names import NameRecognizer


@pytest.fixture(scope="module")
def rec(nlp_engine):
    return NameRecognizer(nlp_engine.english)


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Seen by Dr. Xavier Quennell today.", ["Xavier Quennell"]),
        ("Note by Okonkwo, MD.", ["Okonkwo"]),
        ("Wife Mary at bedside", ["Mary"]),
        ("Pt Jennifer Lopez-Garcia admitted", ["Jennifer Lopez-Garcia"]),
        ("Discussed with J. Smith RN", ["J. Smith"]),
        ("PT SEEN BY DR. JONES", ["JONES"]),
        ("Smith, John called back", ["Smith", "John"]),
        ("daughter Xyla called", ["Xyla"]),
        ("Family (wife Mei-Ling) updated.", ["Mei-Ling"]),  # `Ling` alone is an English word
        # A title, a label or `Last, First` make a name of a word WordNet also lists as a noun.
        ("1515 Dr. Inna Romer at bedside.", ["Inna Romer"]),
        ("Haldol given per Dr Romer.", ["Romer"]),
        ("EKG done, ROMER, INNA MD notified.", ["ROMER", "INNA"]),
        ("PATIENT NAME: Concepcion Yamamoto   Facility: X", ["Concepcion Yamamoto"]),
        ("Pt's son MACK, JAMES brought in home meds", ["MACK", "JAMES"]),
        ("Name: BREWER, ROSE\nMRN: 1", ["BREWER", "ROSE"]),
        ("HCP is granddaughter Pearl. Nephew Pat at bedside.", ["Pearl", "Pat"]),
        # Patient messages: greetings, sign-offs, lower-case initials.
        ("hi bruno here, the link is broken", ["bruno"]),
        ("can i take it with food?\nthanks, fatima", ["fatima"]),
        ("my sugar was high\n- grace gonzalez", ["grace gonzalez"]),
        ("hey dr. d. tran can we move my appt", ["d. tran"]),
        ("this is mary, her daughter", ["mary"]),
        ("MD AWARE.\nBED ALARM ON. -WR", ["-WR"]),
        ("A surname found once: Dr Romer. Later Romer called back.", ["Romer", "Romer"]),
        ("Per brother M. Barrett, pt is HOH.", ["M. Barrett"]),
        ("Concepcion is an 86-year-old woman here for follow up.", ["Concepcion"]),
        ("Signed out to Lan Yamamoto, DO at 1045.", ["Lan Yamamoto"]),
        ("fasting this week: 140, 152.\n- concepcion yamamoto", ["concepcion yamamoto"]),
        # A middle initial between two words that are not vocabulary: a name without a list or a cue.
        ("Verses from Faina D. Yefremova were read.", ["Faina D. Yefremova"]),
        ("Tube Snake Boogie by Szabina J Gelencsér, go figure", ["Szabina J Gelencsér"]),
        ("She named him Timmie.", ["Timmie"]),
        ("What's your name? Sölvi Salómonsson", ["Sölvi Salómonsson"]),
        # Danish, Norwegian, Icelandic... lists (their names of four letters or more).
        ("Annemette Iversen will be talking at the conference.", ["Annemette Iversen"]),
        # A word joined to a name by `and` that is not vocabulary.
        ("Seen with Maria Lopez and Usamov today.", ["Maria Lopez", "Usamov"]),
    ],
)
def test_names(found, rec, text, names):
    assert found(rec, text) == names


@pytest.mark.parametrize(
    "text",
    [
        "Foley catheter in place",
        "Hx of Parkinson disease",
        "WILL CALL BACK IN MAY",
        "Patient will hope for the best",
        "Plan: Tylenol PRN",
        "FOLEY DC'D, PARKINSON'S STABLE",
        "Hospital Course by Problem:\nA 5 yo",
        "PMH:\n- gout\n- Kaposi sarcoma\n- asthma",
        "Patient: Alert, oriented x3. Pt: Stable, afebrile",
        "Mother breast cancer. Father: MI. Son is here",
        "hi there, thanks, will do\n- sent from my iphone",
        "Transferred to Cardiology, Surgery consulted",
        "PER SON, PT IS HOH",
        "Night RN notified. Charge RN aware.",
        "Past Medical History: Seen for follow up.\n- gout\n- asthma",
        "Low Vitamin D Deficiency noted. Factor V Leiden negative. Troponin I Elevated.",
        "Hepatitis B Surface antigen negative; Group A Strep swab sent.",
        "NEURO: MAE. STRENGTH 4/5 LUE. ASA GIVEN.",  # abbreviations that are short names in some locales
        "Discussed with Cardiology and Surgery.",
        "FOLLOW UP IN 2 WEEKS. ON 2 PRESSORS AT MAX.",  # clinical words that name lists also hold
        "pt on max dose of lasix. gene panel sent. bishop score 8. marsh grade 3.",
        "Ambulating with walker, cleared by PT. Evaluated by OT and SLP. Seen by ID.",
    ],
)
def test_not_names(found, rec, text):
    assert found(rec, text) == []


def test_case_is_informative():
    assert not case_is_informative("PT SEEN BY DR . JONES , stable".split())
    assert not case_is_informative("hi dr jones can you call me back about the refill".split())
    assert case_is_informative("Pt seen by Dr . Jones for follow up of her knee pain".split())
    assert case_is_informative(["12/12"])


# Nursing shorthand, in all three letter cases (kind 2: clinicians; kind 3: relatives and contacts).
CLINICIAN_CASES = [
    ("per dr.lindqvist increase lasix", ["lindqvist"]),
    ("np marta notified of low uop", ["marta"]),
    ("Drs Feld and Amato at bedside", ["Feld", "Amato"]),
    ("discussed w/ dr ortiz, plan unchanged", ["ortiz"]),
    ("iv nurse paula vance called back", ["paula vance"]),
    ("wound nurse Hazel Quint saw coccyx", ["Hazel Quint"]),
    ("report called to deb RN at 1900", ["deb"]),
    ("Abe Kowalczuk (resident) placed a-line", ["Abe Kowalczuk"]),
    ("dr brenan spoke with wife at length", ["brenan"]),  # `spoke` is a word, not the rest of the name
]
RELATIVE_CASES = [
    ("his dtr, nora, called twice", ["nora"]),
    ("son ted at bedside, updated", ["ted"]),
    ("wife-maud brought glasses", ["maud"]),
    ("dtr-in-law Pia Lund visited", ["Pia Lund"]),
    ("proxy is niece, Ana Ruiz", ["Ana Ruiz"]),
    ("son Desmond Pryce took the hearing aid home", ["Desmond Pryce"]),
]
# An initial is one only with its capital (outside patient messages): mixed case and ALL CAPS.
INITIAL_CASES = [
    ("K. Oyelaran aware of k 3.1", ["K. Oyelaran"]),
    ("Lena V. asked about her labs", ["Lena V."]),
]


def _cased(text: str, names: list[str], case: str) -> tuple[str, list[str]]:
    convert = {"upper": str.upper, "lower": str.lower, "as is": str}[case]
    return convert(text), [convert(n) for n in names]


@pytest.mark.parametrize("case", ["as is", "upper", "lower"])
@pytest.mark.parametrize(("text", "names"), CLINICIAN_CASES + RELATIVE_CASES)
def test_nursing_shorthand_names_in_any_case(found, rec, text, names, case):
    text, names = _cased(text, names, case)
    assert found(rec, text) == names


@pytest.mark.parametrize("case", ["as is", "upper"])
@pytest.mark.parametrize(("text", "names"), INITIAL_CASES)
def test_initial_names(found, rec, text, names, case):
    text, names = _cased(text, names, case)
    assert found(rec, text) == names


@pytest.mark.parametrize("case", ["as is", "upper", "lower"])
@pytest.mark.parametrize(
    "text",
    [
        "RN aware, np paged, md notified, sw consulted",
        "son called, daughter visiting, wife at bedside, husband updated",
        "pt seen by psych today, eval by speech",
        "mod mr. s/p cabg, r/o mi",
        "union memorial icu rn gave report",
        "pt is a 92 yo man",
        "ted stockings on, bal sent",
    ],
)
def test_nursing_shorthand_words_are_not_names(found, rec, text, case):
    assert found(rec, _cased(text, [], case)[0]) == []


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("FAMILY: DTRS AMARA AND CHIOMA, SON OBI.", ["AMARA", "CHIOMA", "OBI"]),
        ("spoke w/ son mattias & dil priyanka", ["mattias", "priyanka"]),
        ("Per Tamsin (pharmacy), trough due at 0500.", ["Tamsin"]),
        ("daughter Bryony's cell is 555 0101", ["Bryony"]),
    ],
)
def test_family_lists_and_service_in_parentheses(found, rec, text, names):
    assert found(rec, text) == names


def test_a_lower_case_note_with_a_few_capitals_is_still_lower_case(found, rec):
    # Sentences starting in lower case say the note is typed in lower case, whatever `Corvane` says.
    text = "plan: d/c when bed avail; cm odile following. pt's husband works at Corvane nights."
    assert not case_is_informative([w for w in text.split()])
    assert found(rec, text) == ["odile"]


def test_a_clinical_word_after_by_is_not_a_name(found, rec):
    assert found(rec, "CALLED AT MN BY LAB RE K 6.1, REPEAT SENT.") == []


# Cues that make a name of a word that is also ordinary (issue 11, second pass).
CUED_WORD_NAMES = [
    # A title before a sign-off word that is a surname; a credential after it.
    ("GI (Dr Love) will scope in am", ["Love"]),
    ("Cosigned: P. Love, MD", ["P. Love"]),
    # `Drs X and Y`: after a title, the second surname may be a word.
    ("d/w drs okafor and baker re: plan", ["okafor", "baker"]),
    # A relation opens the parentheses right after the name.
    ("Visited by Sterling (grandson) and wife.", ["Sterling"]),
    # A role, a name that is a word, and the clinician's action.
    ("0300 RT DAISY NOTIFIED OF DESAT TO 84%", ["DAISY"]),
]


@pytest.mark.parametrize(("text", "names"), CUED_WORD_NAMES)
def test_cued_names_that_are_words(found, rec, text, names):
    assert found(rec, text) == names


@pytest.mark.parametrize("case", ["as is", "upper", "lower"])
@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Wolfgang from RT suctioned at 0400", ["Wolfgang"]),
        ("mariela from case management called re: placement", ["mariela"]),
    ],
)
def test_a_person_from_a_role_or_service(found, rec, text, names, case):
    text, names = _cased(text, names, case)
    assert found(rec, text) == names


def test_a_message_signed_on_its_last_line(found, rec):
    assert found(rec, "can i double the dose tonight?\n\nXiomara") == ["Xiomara"]
    assert found(rec, "thanks for the refill\n\nSent from my phone") == []
    assert found(rec, "Plan reviewed with the team.\n\nStable") == []


@pytest.mark.parametrize(
    "text",
    [
        "RT ARM ADJUSTED ON PILLOW; RN AWARE",  # a body part after `RT` (right), then an action
        "RT DREW ABG AT 0400",  # the action itself is no name
        "ho aware, no new orders. HO NOTIFIED.",  # `ho` is the house officer, not the surname Ho
        "history (mother had the same), pain (father: gout)",
    ],
)
def test_roles_actions_and_relations_in_parentheses_are_not_names(found, rec, text):
    assert found(rec, text) == []


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("PER DR MURPHY HOLD AM DOSE; paged dr.foley at 0200", ["MURPHY", "foley"]),  # eponyms after a title
        ("Proxy is husband TRAN, MINH. Plan discussed.", ["TRAN", "MINH"]),  # `LAST, FIRST` after a relation
        ("Mood better per sister Will at bedside.", ["Will"]),  # a first name that is a stop word, capitalised
        ("Mood better; son will call back. Daughter May visit.", []),  # the verbs, in a mixed-case note
        ("Spoke with Drs Achterberg-Lund and Young at bedside.", ["Achterberg-Lund", "Young"]),
        ("i will bring the forms friday\n- Olamide Fisher", ["Olamide Fisher"]),  # a lower-case message signed
    ],
)
def test_cued_names_second_pass(found, rec, text, names):
    assert found(rec, text) == names


# Kind 4: surnames the lists do not know after a relative's first name, apostrophe surnames in caps,
# initials-only and lower-case signatures; a relative's phone after `cell` is no eponym.
@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("SON IVO KRASTEVICH CALLED, WILL VISIT.", ["IVO KRASTEVICH"]),
        ("dtr lena vukashin at bs, updated.", ["lena vukashin"]),
        ("CHAPLAIN MAEVE O'DUIBHIR VISITED.", ["MAEVE O'DUIBHIR"]),
        ("niece Tova Brightwater cell 617-555-0101.", ["Tova Brightwater"]),
        ("see flowsheet for i/o. -tb rn", ["-tb"]),
        ("Pt resting, plan unchanged.\n-- t. okoro, rn", ["t. okoro"]),
        ("DTR HOPE HOPE TO VISIT SAT.", ["HOPE"]),
    ],
)
def test_unlisted_surnames_and_signatures(found, rec, text, names):
    assert found(rec, text) == names


@pytest.mark.parametrize(
    "text",
    [
        "SON IVO CALLED, CXR PENDING, ABX QID.",
        "wife mary, prbc x2 given, cvp 12.",
        "Hurthle cell 2 noted on FNA.",
        "weaned to 2l nc. -rt notified.",
        "Pt resting, plan unchanged, rn aware.",
        "son may visit, dtr will call, wife can come in.",
    ],
)
def test_clinical_words_after_a_relative_and_short_signatures_are_not_surnames(found, rec, text):
    assert [f for f in found(rec, text) if f.lower() not in {"ivo", "mary"}] == []
