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


# --- Every spelling and every message, exactly -------------------------------------------
D = dt.date


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("27 Apr. 2021", ApproxDate.day(D(2021, 4, 27))),
        ("27th April, 2021", ApproxDate.day(D(2021, 4, 27))),
        ("2nd Sept 2021", ApproxDate.day(D(2021, 9, 2))),
        ("2021-04-27", ApproxDate.day(D(2021, 4, 27))),
        ("31/12/2021", ApproxDate.day(D(2021, 12, 31))),
        ("wc 4 Apr 2022", ApproxDate.week(D(2022, 4, 4))),
        ("W/C. 4/4/2022", ApproxDate.week(D(2022, 4, 4))),
        ("Sept 2021", ApproxDate.month(2021, 9)),
        ("DECEMBER 2021", ApproxDate.month(2021, 12)),
        ("Q2 2021", ApproxDate.quarter(2021, 2)),
        ("Q4 2021", ApproxDate.quarter(2021, 4)),
        ("q12021", ApproxDate.quarter(2021, 1)),
        ("November 2022 SEC Release", ApproxDate.month(2022, 11)),
        ("june 2023 release", ApproxDate.month(2023, 6)),
        ("tbd", ApproxDate.tbc()),
        ("To be confirmed", ApproxDate.tbc()),
        ("n/a", ApproxDate.tbc()),
        ("NA", ApproxDate.tbc()),
    ],
)
def test_more_spellings(text, expected):
    assert ApproxDate.parse(text) == expected


@pytest.mark.parametrize(
    ("value", "start", "end"),
    [
        (ApproxDate.week(D(2022, 4, 4)), D(2022, 4, 4), D(2022, 4, 10)),
        (ApproxDate.month(2023, 2), D(2023, 2, 1), D(2023, 2, 28)),
        (ApproxDate.month(2021, 12), D(2021, 12, 1), D(2021, 12, 31)),
        (ApproxDate.quarter(2021, 1), D(2021, 1, 1), D(2021, 3, 31)),
        (ApproxDate.quarter(2021, 2), D(2021, 4, 1), D(2021, 6, 30)),
        (ApproxDate.quarter(2021, 4), D(2021, 10, 1), D(2021, 12, 31)),
        (ApproxDate.tbc(), None, None),
    ],
)
def test_each_precision_spans_its_days(value, start, end):
    assert (value.start, value.end) == (start, end)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "no date given"),
        ("   ", "no date given"),
        ("31 Feb 2021", "'31 Feb 2021' is not a real date (day is out of range for month)"),
        ("2021-13-01", "'2021-13-01' is not a real date (month must be in 1..12)"),
        ("Smarch 2021", "'Smarch' is not a month"),
        ("3 Smarch 2021", "'Smarch' is not a month"),
        ("Smarch 2021 SEC Release", "'Smarch' is not a month"),
        ("Q5 2021", "Q5 is not a quarter: quarters are Q1 to Q4"),
        ("Q0 2021", "Q0 is not a quarter: quarters are Q1 to Q4"),
        ("w/c May 2021", "'w/c May 2021': w/c must be followed by a day"),
        ("w/c TBC", "'w/c TBC': w/c must be followed by a day"),
        (
            "next Tuesday",
            "'next Tuesday' is not a date: use e.g. '27 Apr 2021', 'w/c 4 Apr 2022', "
            "'May 2021', 'Q3 2021' or 'TBC'",
        ),
    ],
)
def test_each_refusal_says_exactly_why(text, message):
    with pytest.raises(DateParseError) as refused:
        ApproxDate.parse(text)
    assert str(refused.value) == message


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (ApproxDate.day(D(2021, 4, 7)), "7 Apr 2021"),
        (ApproxDate.week(D(2022, 4, 4)), "w/c 4 Apr 2022"),
        (ApproxDate.month(2021, 5), "May 2021"),
        (ApproxDate.quarter(2021, 1), "Q1 2021"),
        (ApproxDate.quarter(2021, 2), "Q2 2021"),
        (ApproxDate.quarter(2022, 4), "Q4 2022"),
        (ApproxDate.tbc(), "TBC"),
        (ApproxDate(Precision.DAY, None, None), "TBC"),
        # A quarter reads as the one that holds its start, even a range that is not one.
        (ApproxDate(Precision.QUARTER, D(2021, 3, 1), D(2021, 3, 31)), "Q1 2021"),
        (ApproxDate(Precision.QUARTER, D(2021, 6, 1), D(2021, 6, 30)), "Q2 2021"),
    ],
)
def test_display_and_str(value, shown):
    assert value.display() == shown
    assert str(value) == shown


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (ApproxDate.day(D(2021, 5, 1)), None),
        (ApproxDate.week(D(2021, 5, 3)), None),
        (ApproxDate.month(2021, 5), None),
        (ApproxDate.quarter(2021, 2), None),
        (ApproxDate.quarter(2021, 3), None),
        (ApproxDate.tbc(), None),
        (ApproxDate(Precision.TBC, D(2021, 2, 1), None), "TBC has no dates"),
        (ApproxDate(Precision.TBC, None, D(2021, 2, 1)), "TBC has no dates"),
        (ApproxDate(Precision.DAY, D(2021, 2, 1), None), "a dated precision needs both a start and an end"),
        (ApproxDate(Precision.DAY, None, D(2021, 2, 1)), "a dated precision needs both a start and an end"),
        (ApproxDate(Precision.DAY, D(2021, 5, 2), D(2021, 5, 1)), "the end is before the start"),
        (ApproxDate(Precision.DAY, D(2021, 5, 1), D(2021, 5, 2)), "the end does not match the precision"),
        (ApproxDate(Precision.WEEK, D(2021, 5, 3), D(2021, 5, 8)), "the end does not match the precision"),
        (ApproxDate(Precision.MONTH, D(2021, 5, 2), D(2021, 5, 31)), "a month starts on its first day"),
        (ApproxDate(Precision.MONTH, D(2021, 5, 1), D(2021, 5, 30)), "the end does not match the precision"),
        (ApproxDate(Precision.QUARTER, D(2021, 4, 2), D(2021, 6, 30)), "a quarter starts on 1 January, April, July or October"),
        (ApproxDate(Precision.QUARTER, D(2021, 2, 1), D(2021, 4, 30)), "a quarter starts on 1 January, April, July or October"),
        (ApproxDate(Precision.QUARTER, D(2021, 10, 1), D(2021, 11, 30)), "the end does not match the precision"),
        (ApproxDate("fortnight", D(2021, 5, 1), D(2021, 5, 14)), "unknown precision 'fortnight'"),
    ],
)  # fmt: skip
def test_consistency_reasons_exactly(value, reason):
    assert value.is_consistent() == reason
