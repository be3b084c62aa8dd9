"""Words around a person's name in clinical notes: titles, credentials, relations, roles, greetings,
and the service, unit and eponym words that look like names but are not."""

from __future__ import annotations

TITLES = frozenset("dr drs dr's doctor mr mrs ms miss mx prof professor".split())
CREDENTIALS = frozenset(
    """md m.d. m.d do d.o. rn np pa pa-c phd dds crnp lpn cna bsn msn aprn fnp dnp pharmd rph lcsw msw
    rrt cnm dpm facp facs mph""".split()
)
RELATIONS = frozenset(
    """wife husband son daughter mother father mom dad sister brother spouse partner friend niece nephew
    aunt uncle grandson granddaughter grandmother grandfather guardian caregiver boyfriend girlfriend
    fiance fiancee neighbor neighbour named cousin stepson stepdaughter stepmother stepfather sibling
    roommate grandma grandpa poa hcp proxy
    dtr dtrs dau gdtr sis bro hubby bf gf companion fiancé sons daughters dil sil gd gs gdau gson hus""".split()
)
# Roles written before a clinician's name in nursing notes (`np marta notified`, `RN CORA LIND`, `IV
# NURSE PAULA VANCE`, `sw ida`). After one, a listed name or a word in no vocabulary is a name.
ROLES = frozenset(
    """rn np pa md nurse resident intern fellow attending pharmacist pharmd sw cm rt chaplain interpreter
    dietitian nutritionist therapist tech pca sitter cna lpn hospitalist intensivist surgeon neurologist
    cardiologist oncologist pcp physician covering ho""".split()
)
# Words that open a message to someone or sign it off (`hi bruno`, `thanks, fatima`, `this is Ann`).
GREETINGS = frozenset("hi hello hey dear".split())
SIGN_OFFS = frozenset("thanks thank thx ty regards sincerely cheers best love respectfully".split())
ADDRESS_CUES = GREETINGS | SIGN_OFFS | frozenset({"is", ",", "-", "--", "—"})  # the token before the name
# Words that end a name run even when capitalised: facility and address words, note headers,
# services and roles, greetings (not `love`, a sign-off that is a common surname: `Dr Love`).
NON_NAME_WORDS = GREETINGS | (SIGN_OFFS - {"love"}) | frozenset(
    """hospital clinic center centre medical health healthcare memorial university college institute
    street st avenue ave road rd drive lane blvd unit floor room service services department dept
    note plan assessment history patient pt
    cardiology surgery medicine neurology oncology radiology pathology psychiatry pediatrics orthopedics
    ortho urology nephrology gastroenterology hepatology pulmonology pulmonary dermatology hospitalist
    nursing pharmacy emergency team staff unknown resident attending nurse physician provider family
    self none on-call covering consult consultant primary""".split()
)
# Services and roles written like initials after `by` (`cleared by PT`, `seen by ID`): not a person's
# initials there. (In a signature, `- IR RN`, the same letters are initials.)
SERVICE_INITIALISMS = frozenset(
    "pt ot slp rt rn lpn cna np pa md sw cm id gi ent ir icu micu sicu ccu ed er or ct cxr ekg ecg eeg mri hd".split()
)
# Units and services that stand before `RN` or `is a 92 yo` (`MICU RN`, `PT IS A 92 YO`): not initials.
UNIT_INITIALISMS = frozenset("pt icu micu sicu ccu cvicu nicu picu pacu ed er iv".split())
# Addressed without being a name: `hi there`, `dear team`, `hello doctor`.
NOT_ADDRESSEES = frozenset("there all everyone team doctor doc nurse again folks guys sir madam maam".split())
# A name-list word followed by one of these is an eponym, not a person (Thomas splint, Bell palsy).
EPONYM_HEADS = frozenset(
    """syndrome disease disorder sign signs test score fracture maneuver manoeuvre procedure catheter
    drain tube criteria scale position lift bag splint palsy cyst lesion phenomenon reflex stockings
    hose classification staging stage law ulcer node nodes tumor tumour body bodies cell cells""".split()
)
# Field labels that introduce a person (`Patient: SMITH, JOHN`, `Read by Wyatt Loyal`, `cc: J. Lee`).
FIELD_LABELS = frozenset(
    """name patient pt attending referring pcp signed cc resident fellow surgeon physician provider
    author dictated transcribed cosigned ordering consultant interpreter contact proxy hcp poa
    guardian emergency by""".split()
)
CUE_WORDS = TITLES | RELATIONS | CREDENTIALS
# What a clinician does, written right after the name in nursing notes (`RT IRIS ADJUSTED VENT`).
CLINICIAN_ACTIONS = frozenset(
    """aware notified paged called adjusted placed updated met saw examined evaluated assessed ordered
    drew changed removed inserted informed consulted spoke reviewed started stopped gave""".split()
)
# Services a person comes from (`deb from case management`, `GUNNAR FROM RT`).
STAFF_SERVICES = frozenset(
    """case management social work pharmacy nutrition dietary rehab cardiology surgery anesthesia
    respiratory radiology lab transport admitting security chaplaincy""".split()
)
AGE_WORD_PREFIXES = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
                     "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen",
                     "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety", "hundred")
