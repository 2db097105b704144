import datetime as dt

import pytest

from secmods.rules.dates import ApproxDate, DateParseError, Precision


@pytest.mark.parametrize(
    ("text", "precision", "start", "end", "display"),
    [
        ("27 Apr 2021", Precision.DAY, dt.date(2021, 4, 27), dt.date(2021, 4, 27), "27 Apr 2021"),
        ("27 April 2021", Precision.DAY, dt.date(2021, 4, 27), dt.date(2021, 4, 27), "27 Apr 2021"),
        ("01 June 2017", Precision.DAY, dt.date(2017, 6, 1), dt.date(2017, 6, 1), "1 Jun 2017"),
        ("12/12/2019", Precision.DAY, dt.date(2019, 12, 12), dt.date(2019, 12, 12), "12 Dec 2019"),
        ("3/1/2019", Precision.DAY, dt.date(2019, 1, 3), dt.date(2019, 1, 3), "3 Jan 2019"),
        ("3rd January 2019", Precision.DAY, dt.date(2019, 1, 3), dt.date(2019, 1, 3), "3 Jan 2019"),
        ("1 Jun 2021", Precision.DAY, dt.date(2021, 6, 1), dt.date(2021, 6, 1), "1 Jun 2021"),
        ("May 2021", Precision.MONTH, dt.date(2021, 5, 1), dt.date(2021, 5, 31), "May 2021"),
        (
            "February 2024",
            Precision.MONTH,
            dt.date(2024, 2, 1),
            dt.date(2024, 2, 29),
            "February 2024",
        ),
        ("Q3 2021", Precision.QUARTER, dt.date(2021, 7, 1), dt.date(2021, 9, 30), "Q3 2021"),
        ("q1 2022", Precision.QUARTER, dt.date(2022, 1, 1), dt.date(2022, 3, 31), "Q1 2022"),
        (
            "w/c 4 Apr 2022",
            Precision.WEEK,
            dt.date(2022, 4, 4),
            dt.date(2022, 4, 10),
            "w/c 4 Apr 2022",
        ),
        (
            "w/c 7 June 2021",
            Precision.WEEK,
            dt.date(2021, 6, 7),
            dt.date(2021, 6, 13),
            "w/c 7 Jun 2021",
        ),
        ("TBC", Precision.TBC, None, None, "TBC"),
        ("Unknown", Precision.TBC, None, None, "TBC"),
        ("  May   2021 ", Precision.MONTH, dt.date(2021, 5, 1), dt.date(2021, 5, 31), "May 2021"),
    ],
)
def test_parse_and_display_each_form_documents_use(text, precision, start, end, display):
    parsed = ApproxDate.parse(text)
    assert (parsed.precision, parsed.start, parsed.end) == (precision, start, end)
    assert parsed.display() == display
    assert parsed.is_consistent() is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("31 Feb 2021", "not a real date"),
        ("30/02/2021", "not a real date"),
        ("Q5 2021", "Q5 is not a quarter"),
        ("Q0 2021", "Q0 is not a quarter"),
        ("Smarch 2021", "not a month"),
        ("next week", "is not a date"),
        ("", "no date given"),
        ("w/c May 2021", "w/c must be followed by a day"),
    ],
)
def test_unreadable_dates_say_why(text, message):
    with pytest.raises(DateParseError, match=message):
        ApproxDate.parse(text)


def test_the_display_reads_back_to_the_same_date():
    for text in ["19 Apr 2021", "w/c 4 Apr 2022", "May 2021", "Q3 2021", "TBC"]:
        once = ApproxDate.parse(text)
        assert ApproxDate.parse(once.display()) == once


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (ApproxDate(Precision.DAY, dt.date(2021, 5, 1), dt.date(2021, 5, 2)), "does not match"),
        (ApproxDate(Precision.MONTH, dt.date(2021, 5, 2), dt.date(2021, 5, 31)), "first day"),
        (ApproxDate(Precision.QUARTER, dt.date(2021, 2, 1), dt.date(2021, 4, 30)), "quarter"),
        (ApproxDate(Precision.TBC, dt.date(2021, 2, 1), None), "TBC has no dates"),
        (ApproxDate(Precision.WEEK, dt.date(2021, 5, 10), dt.date(2021, 5, 1)), "before"),
    ],
)
def test_inconsistent_ranges_are_named(value, reason):
    assert reason in value.is_consistent()
