"""Dates known to a precision: a day, a week, a month, a quarter, or TBC.

A timetable says "27 Apr 2021", "w/c 4 Apr 2022", "May 2021", "Q3 2021" or "TBC". Each
is stored as a from–to range of days plus the precision, so that it sorts by its start,
filters by overlap and still reads the way people wrote it.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

from .choices import Choices


class Precision(Choices):
    DAY = "day", "Day"
    WEEK = "week", "Week commencing"
    MONTH = "month", "Month"
    QUARTER = "quarter", "Quarter"
    TBC = "tbc", "To be confirmed"


class DateParseError(ValueError):
    """The words cannot be read as a date of any precision we know."""


_MONTHS = {
    name.lower(): number
    for number in range(1, 13)
    for name in (calendar.month_name[number], calendar.month_abbr[number])
}
_MONTHS["sept"] = 9
_MONTH_WORD = r"(?P<month>[A-Za-z]{3,9})\.?"
_YEAR = r"(?P<year>\d{4})"
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"

_DAY_TEXT = re.compile(rf"^{_DAY}\s+{_MONTH_WORD},?\s+{_YEAR}$", re.I)
_DAY_NUMERIC = re.compile(r"^(?P<day>\d{1,2})/(?P<month>\d{1,2})/(?P<year>\d{4})$")
_DAY_ISO = re.compile(r"^(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})$")
_WEEK = re.compile(r"^w/?c\.?\s+(?P<rest>.+)$", re.I)
_MONTH = re.compile(rf"^{_MONTH_WORD}\s+{_YEAR}$", re.I)
_QUARTER = re.compile(rf"^Q(?P<quarter>\d)\s*{_YEAR}$", re.I)
_TBC = re.compile(r"^(tbc|tbd|to be confirmed|unknown|n/?a)$", re.I)
# "November 2022 SEC Release": a release named after its month is dated to that month.
_RELEASE = re.compile(rf"^{_MONTH_WORD}\s+{_YEAR}\s+(?:SEC\s+)?Release$", re.I)


def _month_number(word: str) -> int:
    number = _MONTHS.get(word.lower().rstrip("."))
    if number is None:
        raise DateParseError(f"'{word}' is not a month")
    return number


def _make_day(year: int, month: int, day: int, text: str) -> date:
    try:
        return date(year, month, day)
    except ValueError as exc:
        raise DateParseError(f"'{text}' is not a real date ({exc})") from None


@dataclass(frozen=True)
class ApproxDate:
    precision: str
    start: date | None = None
    end: date | None = None

    # --- construction ------------------------------------------------------------------
    @classmethod
    def day(cls, day: date) -> ApproxDate:
        return cls(Precision.DAY, day, day)

    @classmethod
    def week(cls, monday: date) -> ApproxDate:
        return cls(Precision.WEEK, monday, monday + timedelta(days=6))

    @classmethod
    def month(cls, year: int, month: int) -> ApproxDate:
        last = calendar.monthrange(year, month)[1]
        return cls(Precision.MONTH, date(year, month, 1), date(year, month, last))

    @classmethod
    def quarter(cls, year: int, quarter: int) -> ApproxDate:
        if not 1 <= quarter <= 4:
            raise DateParseError(f"Q{quarter} is not a quarter: quarters are Q1 to Q4")
        first_month = 3 * (quarter - 1) + 1
        last_month = first_month + 2
        last = calendar.monthrange(year, last_month)[1]
        return cls(Precision.QUARTER, date(year, first_month, 1), date(year, last_month, last))

    @classmethod
    def tbc(cls) -> ApproxDate:
        return cls(Precision.TBC, None, None)

    @classmethod
    def parse(cls, text: str) -> ApproxDate:
        """Read the forms SEC documents use; raise DateParseError with the reason otherwise."""
        words = " ".join(text.split())
        if not words:
            raise DateParseError("no date given")
        if _TBC.match(words):
            return cls.tbc()
        if match := _WEEK.match(words):
            day = cls.parse(match["rest"])
            if day.precision != Precision.DAY or day.start is None:
                raise DateParseError(f"'{text}': w/c must be followed by a day")
            return cls.week(day.start)
        if match := _DAY_TEXT.match(words):
            return cls.day(
                _make_day(
                    int(match["year"]), _month_number(match["month"]), int(match["day"]), text
                )
            )
        if match := (_DAY_NUMERIC.match(words) or _DAY_ISO.match(words)):
            return cls.day(
                _make_day(int(match["year"]), int(match["month"]), int(match["day"]), text)
            )
        if match := _MONTH.match(words):
            return cls.month(int(match["year"]), _month_number(match["month"]))
        if match := _QUARTER.match(words):
            return cls.quarter(int(match["year"]), int(match["quarter"]))
        if match := _RELEASE.match(words):
            return cls.month(int(match["year"]), _month_number(match["month"]))
        raise DateParseError(
            f"'{text}' is not a date: use e.g. '27 Apr 2021', 'w/c 4 Apr 2022', "
            "'May 2021', 'Q3 2021' or 'TBC'"
        )

    # --- reading -----------------------------------------------------------------------
    def display(self) -> str:
        if self.precision == Precision.TBC or self.start is None:
            return "TBC"
        if self.precision == Precision.DAY:
            return f"{self.start.day} {self.start:%b %Y}"
        if self.precision == Precision.WEEK:
            return f"w/c {self.start.day} {self.start:%b %Y}"
        if self.precision == Precision.MONTH:
            return f"{self.start:%B %Y}"
        return f"Q{(self.start.month - 1) // 3 + 1} {self.start.year}"

    def __str__(self) -> str:
        return self.display()

    def is_consistent(self) -> str | None:
        """The reason this range does not fit its precision, or None when it does."""
        if self.precision == Precision.TBC:
            return None if self.start is None and self.end is None else "TBC has no dates"
        if self.start is None or self.end is None:
            return "a dated precision needs both a start and an end"
        if self.end < self.start:
            return "the end is before the start"
        expected: ApproxDate
        if self.precision == Precision.DAY:
            expected = ApproxDate.day(self.start)
        elif self.precision == Precision.WEEK:
            expected = ApproxDate.week(self.start)
        elif self.precision == Precision.MONTH:
            if self.start.day != 1:
                return "a month starts on its first day"
            expected = ApproxDate.month(self.start.year, self.start.month)
        elif self.precision == Precision.QUARTER:
            if self.start.day != 1 or self.start.month not in (1, 4, 7, 10):
                return "a quarter starts on 1 January, April, July or October"
            expected = ApproxDate.quarter(self.start.year, (self.start.month - 1) // 3 + 1)
        else:
            return f"unknown precision '{self.precision}'"
        return None if expected.end == self.end else "the end does not match the precision"
