import pytest

from deid.recognizers.dates import DateRecognizer

REC = DateRecognizer()


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("seen on 3/4 for f/u", "3/4"),
        ("admitted 03-04-21 via ED", "03-04-21"),
        ("DOB: 2021-03-04.", "2021-03-04"),
        ("surgery on March 4th, 2021.", "March 4th, 2021"),
        ("returns 4 Mar for labs", "4 Mar"),
        ("diagnosed in 2021 with CHF", "2021"),
        ("follow up on the 4th", "4th"),
        ("SEEN ON MARCH 4TH", "MARCH 4TH"),
        ("since Jan 2019", "Jan 2019"),
        ("12/25/1999 visit", "12/25/1999"),
    ],
)
def test_date_forms(found, text, date):
    assert found(REC, text) == [date]


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
    ],
)
def test_not_dates(found, text):
    assert found(REC, text) == []
