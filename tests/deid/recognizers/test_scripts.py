import pytest

from deid.engine import PhiSpan, merge_overlaps
from deid.recognizers.scripts import NonLatinRecognizer

REC = NonLatinRecognizer()


def _found(text: str) -> list[tuple[str, str]]:
    """Spans as the engine merges them, with their labels."""
    results = REC.analyze(text, REC.supported_entities)
    spans = merge_overlaps([PhiSpan(r.start, r.end, r.entity_type, r.score) for r in results])
    return sorted((text[s.start : s.end], s.label) for s in spans)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # CJK: a name after 患者/姓名 or before an honorific; a date, an address, a record number.
        ("姓名：李建国，男，62岁。", [("李建国", "NAME")]),
        ("陈女士今天复诊。", [("陈", "NAME")]),
        ("2019年11月2日 入院，住院号 77201。", [("2019年11月2日", "DATE"), ("77201", "ID")]),
        ("家住上海市徐汇区。", [("上海市徐汇区", "CITY")]),
        ("患者 佐藤花子 さん", [("佐藤花子", "NAME")]),
        ("환자 박지훈 내원", [("박지훈", "NAME")]),
        # Cyrillic and Greek: capitalised words and initials after the cue.
        ("Больная Смирнова А.П. осмотрена.", [("Смирнова А.П.", "NAME")]),
        ("Врач: Петров Сергей Николаевич", [("Петров Сергей Николаевич", "NAME")]),
        ("Проживает в г. Казань, полис 7701 2345 6789.", [("7701 2345 6789", "ID"), ("Казань", "CITY")]),
        ("Όνομα: Νικολάου Μαρία", [("Νικολάου Μαρία", "NAME")]),
        # Arabic and Hebrew (no letter case): two words after the cue.
        ("الاسم: فاطمة الزهراء", [("فاطمة الزهراء", "NAME")]),
        ('ד"ר רחל לוי', [("רחל לוי", "NAME")]),
        # English cues before a name in another script.
        ("Daughter 张丽 called; Dr. Кузнецов aware.", [("Кузнецов", "NAME"), ("张丽", "NAME")]),
    ],
)
def test_names_places_ids_and_dates_in_other_scripts(text, expected):
    assert [f for f in _found(text) if f in expected] == sorted(expected)
    assert len(_found(text)) == len(expected)


@pytest.mark.parametrize(
    "text",
    [
        "Пациент жалуется на боль; из носа кровотечение.",  # lower-case words after the cue: no name
        "Seen by Dr. Smith, plan unchanged.",  # ASCII: nothing for this recognizer
        "שם המשפחה לא ידוע",  # `שם` without a colon is the word `there`/`name of`
    ],
)
def test_no_name_without_a_name_after_the_cue(text):
    assert [f for f in _found(text) if f[1] == "NAME"] == []
