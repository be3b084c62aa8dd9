"""Words around a facility's or an employer's name: where patients go that is no named place, the heads
and words facility names are made of, services, generic employers, times and holidays."""

from __future__ import annotations

# Kinds of work and employers that name no one (`works for the city`, `retired from teaching`).
GENERIC_EMPLOYERS = frozenset(
    """city state county town government federal military army navy marines marine police fire
    school schools hospital company business family church university college bank factory mill farm
    post office postal mail railroad construction himself herself themselves self years yrs living
    work home hospice nursing teaching farming sales retail insurance local dept department bus truck taxi cab
    auto steel dock union restaurant office store money cash tips extra""".split()
)
CARE_TIMES = frozenset("hs qhs mn noon am pm kvo tko goal rate mwf tts tth".split())
# Where patients go that is not a named place (`transferred to floor`, `back to OR`, `sent to CT`).
CARE_PLACES = frozenset(
    """icu ccu micu sicu cvicu csru nicu picu pacu ed er or ir pcu tcu step stepdown floor unit ward bed room rm pod
    bay home house hospital rehab rehabilitation snf ltac ltach alf hospice clinic office facility nursing
    baseline sleep lab ct mri us cath endo endoscopy radiology dialysis hd surgery pt ot chair commode bathroom
    shower work school jail prison shelter church outside osh another same his her their my our its this that
    bedside bs rest
    which where it there here them him me us you""".split()
)
# Heads that end a facility's name (`Hope Lodge`, `Mayo Clinic`, `Larkspur Manor`), and generic ones
# written after a short name, evidence but not part of it (`maple crest nh`, `kessington icu`).
FACILITY_HEADS = frozenset(
    """hospital clinic center centre lodge house manor village hospice infirmary institute campus gardens
    terrace inn""".split()
)
# Words a facility's short name is made of besides its proper words (`Mass General`, `King's College`,
# `Denver Health`, `Reading Heart`, `Lowell Family Health`): part of the name, evidence with another word.
NAME_PART_WORDS = frozenset(
    """health medical memorial university college cancer heart family general regional community children's
    childrens women's womens veterans va""".split()
)
# A street in a facility's name (`the Pine Street Inn`): part of it when a head follows.
STREET_WORDS = frozenset("street st avenue ave road rd".split())
GENERIC_HEADS = frozenset("rehab snf ltac ltach nh alf icu er ed facility home dialysis".split())
# Qualifiers of a care unit that are nouns too (`trauma icu`, `stroke rehab`): not a name.
CARE_QUALIFIERS = frozenset(
    """trauma stroke burn neuro cardiac surgical medical transplant step down acute subacute inpatient
    outpatient pediatric adult psych geri geriatric pulmonary cardiothoracic oncology day night nursing
    skilled assisted senior care respite memory intensive critical progressive intermediate""".split()
)
# Words that hospitals are named with, though they are vocabulary (`Good Samaritan`, `Union Memorial`,
# `Mass General`, `Mercy`, `Lakeview Regional`).
HOSPITAL_NAME_WORDS = frozenset(
    """samaritan memorial regional general community presbyterian methodist baptist lutheran adventist
    episcopal deaconess mercy providence shriners charity sacred holy shepherd""".split()
)
# Services a patient is admitted to (`admitted to General Medicine`): not a facility.
ADMITTING_SERVICES = frozenset(
    """medicine surgery cardiology neurology oncology radiology pathology psychiatry pediatrics orthopedics
    ortho urology nephrology gastroenterology hepatology pulmonology pulmonary dermatology hospitalist
    nursing pharmacy emergency team staff service services department dept consult anesthesia""".split()
)
# Words after an employer's name that are not part of it (`Kroger near home`, `the MBTA x 30 yrs`).
EMPLOYER_STOPS = frozenset("x near nights days weekends part-time full-time prn per diem vs age".split())
TIME_WORDS = frozenset("today tonight tomorrow yesterday am pm now later soon morning evening overnight".split())
ALTERNATIVES = frozenset({"vs", "vs.", "versus", "v."})  # `hebrew seniorlife vs kindred ltach`
HOLIDAYS = frozenset("christmas easter thanksgiving xmas hanukkah ramadan passover halloween".split())
DETERMINERS = frozenset("a an his her their my our your its this that some another himself herself self".split())
STREET_ABBREVIATIONS = "st ave rd blvd ln dr ct pl ter cir pkwy hwy sq trl".split()
STATES = (
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC "
    "ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR"
).split()
STATE_NAMES = (
    "Alabama|Alaska|Arizona|Arkansas|California|Colorado|Connecticut|Delaware|Florida|Georgia|Hawaii|"
    "Idaho|Illinois|Indiana|Iowa|Kansas|Kentucky|Louisiana|Maine|Maryland|Massachusetts|Michigan|"
    "Minnesota|Mississippi|Missouri|Montana|Nebraska|Nevada|New Hampshire|New Jersey|New Mexico|"
    "New York|North Carolina|North Dakota|Ohio|Oklahoma|Oregon|Pennsylvania|Rhode Island|"
    "South Carolina|South Dakota|Tennessee|Texas|Utah|Vermont|Virginia|Washington|West Virginia|"
    "Wisconsin|Wyoming|Puerto Rico"
)
# `3 UNITS FFP VIA PIV`, `S/P 3 VESSEL BYPASS`, `6 MINUTE WALK`: in an ALL CAPS (or all lower-case)
# note a count, some words and a street-type word is usually clinical. There, only these street types
# count without an address cue before them; other ones (via, run, bypass, port, point, walk, falls, ...)
# need the cue, or the title case of a mixed-case note.
PLAIN_STREET_TYPES = frozenset(
    "street st avenue ave road rd drive dr lane ln boulevard blvd court ct place pl terrace ter parkway pkwy "
    "highway hwy circle cir square trl turnpike expressway freeway crescent".split()  # not sq: `6U REG SQ`
)
