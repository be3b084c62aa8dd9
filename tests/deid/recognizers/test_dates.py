import pytest

from deid.recognizers.dates import DateRecognizer

REC = DateRecognizer()


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("seen on 3/4 for f/u", "3/4"),
        ("admitted 03-04-21 via ED", "03-04-21"),
        ("DOB: 2021-03-04.", "2021-03-04"),
        ("Record date: 2088-07-03", "2088-07-03"),  # shifted into the future by a de-id corpus
        ("surgery on March 4th, 2021.", "March 4th, 2021"),
        ("returns 4 Mar for labs", "4 Mar"),
        ("diagnosed in 2021 with CHF", "2021"),
        ("follow up on the 4th", "4th"),
        ("SEEN ON MARCH 4TH", "MARCH 4TH"),
        ("since Jan 2019", "Jan 2019"),
        ("12/25/1999 visit", "12/25/1999"),
        ("started by Dr. Le on 2015. In the ED", "2015"),
        ("seen on prior EGD in 2015.", "2015"),
        ("--- COMPARISON ---\n2012.\n---", "2012"),
        ("Multiple priors, most recent 2013.", "2013"),
        ("CT from JHI dated 2021.", "2021"),
        ("treated at Providence Urgent Care 2016. She", "2016"),
    ],
)
def test_date_forms(found, text, date):
    assert found(REC, text) == [date]


@pytest.mark.parametrize(
    ("text", "dates"),
    [
        ("admitted to Cox Assisted Living 2012 to Mar 2014", ["2012", "Mar 2014"]),
        ("admitted to BWH 2018 to October 2013", ["2018", "October 2013"]),
        ("admitted 2017 to 03/10/2014 for CAD", ["2017", "03/10/2014"]),
        ("admitted 02/10 to 7/2016", ["02/10", "7/2016"]),
        ("admitted 2021 to 5/20 for Lyme", ["2021", "5/20"]),
    ],
)
def test_date_ranges(found, text, dates):
    assert found(REC, text) == dates


@pytest.mark.parametrize(
    "text",
    [
        "BP 120/80 HR 88",
        "give 1/2 tab PO",
        "strength 5/5 bilaterally",
        "pain 7/10 at rest",
        "2/6 murmur at LUSB",
        "meds given at 2000 hrs",
        "vitals at 1900",
        "Na 138, K 4.1, glucose 1500 mg",
        "ate 3/4 of meal",
        "time 10:30",
        "given in 2000 mL NS",
        "Pt on 2000 mL fluid restriction",
        "titrate to 2015 mg",
        "WBC 2012, CK of 2012",
        "on 1800 kcal diet",
        "pain 4/10 to 6/10 today",
        "take 1/2 to 3/4 tab",
        "2000 TEMP ROSE",
        "Pt remains on PSV 10/5, plan to wean to CPAP 5/5",  # ventilator pressures
        "BIPAP 12/5 OVERNIGHT. PEEP 5/5",
    ],
)
def test_not_dates(found, text):
    assert found(REC, text) == []


def test_a_date_found_once_is_found_everywhere_in_the_note(found):
    text = "ON 12/10 PT HAD EPISODE OF HYPOGLYCEMIA. WOUND VAC CHANGED 12/10. PAIN 7/10."
    assert found(REC, text) == ["12/10", "12/10"]


def _cased(text: str, case: str) -> str:
    return {"upper": str.upper, "lower": str.lower, "as is": str}[case](text)


# Kind 5: dates in history lists, in any letter case.
@pytest.mark.parametrize("case", ["as is", "upper", "lower"])
@pytest.mark.parametrize(
    ("text", "dates"),
    [
        ("PMH: CVA '04, CABG 88, AVR 7/92, appy 66'.", ["'04", "88", "7/92", "66'"]),
        ("s/p R hip fx9/01 and a lumpectomy 2011", ["9/01", "2011"]),
        ("echo 4/03: EF 35%", ["4/03"]),
        ("quit smoking in nov; admitted in aug for PNA", ["nov", "aug"]),
        ("Remote MI in the 1980s.", ["1980s"]),
        ("Oriented to place; says the year is 2011.", ["2011"]),
        ("night shift 5-6 mar, 1900-0700", ["5-6 mar"]),
    ],
)
def test_history_list_dates_in_any_case(found, text, dates, case):
    assert found(REC, _cased(text, case)) == [_cased(d, case) for d in dates]


@pytest.mark.parametrize("case", ["as is", "upper", "lower"])
@pytest.mark.parametrize(
    "text",
    [
        "rales 1/3 up bilat, crackles 1/4 way up",
        "strength 5/5 RUE, 4/5 LLE; TOF 2/4; gave 1/2 amp D50",
        "RR 14-20, TV 650-720, PSV 12/5, SVR 1050-1240",
        "EF 35, CA 8.3, ETT 7.5, CATH 10 FR, MI x2, stent 3, r/o MI 45 min ago",
        "father died of an MI at 62",
        "this may help; feb, 1900-0700 shift",
    ],
)
def test_history_traps_are_not_dates(found, text, case):
    assert found(REC, _cased(text, case)) == []


# History lists, second pass: years under 32 where an item ends, dates in parentheses and ranges, sides
# and spinal levels between the procedure and its year, and the other items of a list with a date.
@pytest.mark.parametrize("case", ["as is", "upper", "lower"])
@pytest.mark.parametrize(
    ("text", "dates"),
    [
        ("PMH: TIA 09, CEA (14), PE 02.", ["09", "14", "02"]),
        ("s/p THR x2 (04, 11), gout", ["04", "11"]),
        ("CVA x2 ('97 and '05), HTN", ["'97", "'05"]),
        ("Hep C tx'd 08-09, cleared", ["08-09"]),
        ("TKA L 2012, R 2016.", ["2012", "2016"]),
        ("Laminectomy C5-6 (99) and C6-7 (03).", ["99", "03"]),
        ("liver tx 5/04 (sister donor), rejection episode 06.", ["5/04", "06"]),
        ("Staples out in 2 wks (around 11/12).", ["11/12"]),
    ],
)
def test_history_list_dates_second_pass(found, text, dates, case):
    assert found(REC, _cased(text, case)) == [_cased(d, case) for d in dates]


@pytest.mark.parametrize(
    "text",
    [
        "#8 ETT 22 @ lip; CVA 12 days ago; stent 3.5 mm",
        "PMH: CABG 96, EF 35, CKD 3, GCS 14, K 3.4, plt 112.",
        "pain around 7/10, about 1/2 tab, about 3/4 of the dose",
    ],
)
def test_history_list_values_that_are_not_dates(found, text):
    assert [d for d in found(REC, text) if d != "96"] == []
