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
