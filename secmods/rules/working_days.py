"""SEC Working Days: every day but Saturday, Sunday and the bank holidays of England and Wales.

The `holidays` package knows the statutory calendar, Christmas and Boxing Day substitutes,
Good Friday, Easter Monday and one-off days (2022 Platinum Jubilee, 2023 Coronation,
2022 State Funeral). `subdiv="ENG"` matters: the UK-wide list lacks Easter Monday and the
Summer bank holiday, which are England-and-Wales holidays.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

LONDON = ZoneInfo("Europe/London")


@lru_cache(maxsize=64)
def _bank_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year).keys())


def is_bank_holiday(day: date) -> bool:
    return day in _bank_holidays(day.year)


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and not is_bank_holiday(day)


def add_working_days(day: date, n: int) -> date:
    """The Working Day n Working Days after `day` (before it when n < 0).

    n == 0 gives `day` itself if it is a Working Day, else the next Working Day.
    """
    if n == 0:
        while not is_working_day(day):
            day += timedelta(days=1)
        return day
    step = timedelta(days=1 if n > 0 else -1)
    remaining = abs(n)
    while remaining:
        day += step
        if is_working_day(day):
            remaining -= 1
    return day


def working_days_between(start: date, end: date) -> int:
    """Working Days after `start` up to and including `end` (0 when end <= start)."""
    count = 0
    day = start
    while day < end:
        day += timedelta(days=1)
        if is_working_day(day):
            count += 1
    return count


def london_clock_time(day: date, at: time) -> datetime:
    """`day` at the London clock time `at`, as an aware UTC datetime.

    09:00 London is 08:00 UTC in summer (BST) and 09:00 UTC in winter (GMT). A clock time
    that does not exist (01:30 on the spring-forward Sunday) is read with the offset before
    the gap (01:30 GMT, i.e. 02:30 BST); one that happens twice (01:30 on the autumn Sunday)
    as the first of the two (BST).
    """
    local = datetime.combine(day, at).replace(tzinfo=LONDON, fold=0)
    return local.astimezone(UTC)
