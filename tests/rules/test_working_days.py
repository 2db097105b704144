"""SEC Working Days against the real England and Wales calendars of 2020-2025."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from secmods.rules.working_days import (
    add_working_days,
    is_bank_holiday,
    is_working_day,
    london_clock_time,
    working_days_between,
)

# Every England and Wales bank holiday of these years, from gov.uk/bank-holidays.
BANK_HOLIDAYS = {
    2020: [
        date(2020, 1, 1), date(2020, 4, 10), date(2020, 4, 13),
        date(2020, 5, 8),  # Early May moved to VE Day's 75th anniversary (a Friday)
        date(2020, 5, 25), date(2020, 8, 31), date(2020, 12, 25),
        date(2020, 12, 28),  # Boxing Day fell on a Saturday
    ],
    2021: [
        date(2021, 1, 1), date(2021, 4, 2), date(2021, 4, 5), date(2021, 5, 3),
        date(2021, 5, 31), date(2021, 8, 30),
        date(2021, 12, 27), date(2021, 12, 28),  # Christmas on Saturday, Boxing Day Sunday
    ],
    2022: [
        date(2022, 1, 3),  # New Year's Day was a Saturday
        date(2022, 4, 15), date(2022, 4, 18), date(2022, 5, 2),
        date(2022, 6, 2),  # Spring bank holiday moved to Thursday
        date(2022, 6, 3),  # Platinum Jubilee
        date(2022, 8, 29),
        date(2022, 9, 19),  # State Funeral of Queen Elizabeth II
        date(2022, 12, 26), date(2022, 12, 27),  # Christmas Day was a Sunday
    ],
    2023: [
        date(2023, 1, 2), date(2023, 4, 7), date(2023, 4, 10), date(2023, 5, 1),
        date(2023, 5, 8),  # Coronation of King Charles III
        date(2023, 5, 29), date(2023, 8, 28), date(2023, 12, 25), date(2023, 12, 26),
    ],
    2024: [
        date(2024, 1, 1), date(2024, 3, 29), date(2024, 4, 1), date(2024, 5, 6),
        date(2024, 5, 27), date(2024, 8, 26), date(2024, 12, 25), date(2024, 12, 26),
    ],
    2025: [
        date(2025, 1, 1), date(2025, 4, 18), date(2025, 4, 21), date(2025, 5, 5),
        date(2025, 5, 26), date(2025, 8, 25), date(2025, 12, 25), date(2025, 12, 26),
    ],
}  # fmt: skip


def _days(year: int) -> list[date]:
    day = date(year, 1, 1)
    out = []
    while day.year == year:
        out.append(day)
        day += timedelta(days=1)
    return out


@pytest.mark.parametrize("year", sorted(BANK_HOLIDAYS))
def test_the_bank_holidays_of_a_whole_year_are_exactly_the_published_ones(year: int) -> None:
    found = [d for d in _days(year) if d.weekday() < 5 and is_bank_holiday(d)]
    assert found == BANK_HOLIDAYS[year]


@pytest.mark.parametrize(
    ("year", "working_days"),
    [(2020, 254), (2021, 253), (2022, 250), (2023, 251), (2024, 254), (2025, 253)],
)
def test_working_days_in_a_year(year: int, working_days: int) -> None:
    weekdays = sum(1 for d in _days(year) if d.weekday() < 5)
    assert weekdays - len(BANK_HOLIDAYS[year]) == working_days
    assert sum(1 for d in _days(year) if is_working_day(d)) == working_days
    assert working_days_between(date(year - 1, 12, 31), date(year, 12, 31)) == working_days


def test_weekends_are_not_working_days_even_without_a_holiday() -> None:
    assert is_working_day(date(2024, 6, 14))  # Friday
    assert not is_working_day(date(2024, 6, 15))  # Saturday
    assert not is_working_day(date(2024, 6, 16))  # Sunday


def test_easter_counts_back_over_good_friday_and_easter_monday() -> None:
    # 2 Working Days before Tuesday 22 April 2025 is Wednesday 16 April: Easter Monday
    # (21st), the weekend and Good Friday (18th) are skipped.
    assert add_working_days(date(2025, 4, 22), -1) == date(2025, 4, 17)
    assert add_working_days(date(2025, 4, 22), -2) == date(2025, 4, 16)
    assert add_working_days(date(2025, 4, 17), 1) == date(2025, 4, 22)


def test_christmas_substitute_days_are_skipped() -> None:
    # Christmas 2022 fell on a Sunday: Monday 26 and Tuesday 27 December were holidays.
    assert add_working_days(date(2022, 12, 23), 1) == date(2022, 12, 28)
    # 2021: Christmas Saturday, Boxing Day Sunday; substitutes Monday 27 and Tuesday 28.
    assert add_working_days(date(2021, 12, 29), -1) == date(2021, 12, 24)
    # 2020: Boxing Day on a Saturday, substitute Monday 28 December.
    assert not is_working_day(date(2020, 12, 28))
    assert is_working_day(date(2020, 12, 29))


def test_one_off_days_count() -> None:
    # 5 Working Days before Friday 10 June 2022 skips the Jubilee Thursday and Friday.
    assert add_working_days(date(2022, 6, 10), -5) == date(2022, 6, 1)
    # The Coronation Monday, 8 May 2023.
    assert add_working_days(date(2023, 5, 9), -1) == date(2023, 5, 5)
    assert add_working_days(date(2022, 9, 16), 1) == date(2022, 9, 20)


def test_spring_bank_holiday_in_the_papers_window() -> None:
    # Papers 5 Working Days before a CSC on Tuesday 3 June 2025: Spring bank holiday 26 May.
    assert add_working_days(date(2025, 6, 3), -5) == date(2025, 5, 27)


def test_zero_moves_to_the_next_working_day_and_round_trip() -> None:
    assert add_working_days(date(2024, 12, 25), 0) == date(2024, 12, 27)
    assert add_working_days(date(2024, 12, 27), 0) == date(2024, 12, 27)
    # One day at a time: from a Sunday the next Working Day is the Monday, and from
    # Christmas Day 2022 (a Sunday, then two substitute days) the Wednesday.
    assert add_working_days(date(2024, 6, 16), 0) == date(2024, 6, 17)
    assert add_working_days(date(2022, 12, 25), 0) == date(2022, 12, 28)
    start = date(2020, 1, 2)
    for n in (1, 5, 15, 60, 250):
        later = add_working_days(start, n)
        assert working_days_between(start, later) == n
        assert add_working_days(later, -n) == start


def test_working_days_between_is_zero_backwards() -> None:
    assert working_days_between(date(2024, 5, 1), date(2024, 4, 1)) == 0


@pytest.mark.parametrize(
    ("day", "utc"),
    [
        (date(2024, 3, 29), datetime(2024, 3, 29, 9, 0, tzinfo=UTC)),  # GMT, Friday before
        (date(2024, 4, 2), datetime(2024, 4, 2, 8, 0, tzinfo=UTC)),  # BST, Tuesday after
        (date(2024, 10, 25), datetime(2024, 10, 25, 8, 0, tzinfo=UTC)),  # BST
        (date(2024, 10, 28), datetime(2024, 10, 28, 9, 0, tzinfo=UTC)),  # GMT again
        (date(2024, 3, 31), datetime(2024, 3, 31, 8, 0, tzinfo=UTC)),  # change day itself
        (date(2024, 10, 27), datetime(2024, 10, 27, 9, 0, tzinfo=UTC)),
    ],
)
def test_nine_o_clock_london_on_both_sides_of_the_clock_changes(day: date, utc: datetime) -> None:
    instant = london_clock_time(day, time(9, 0))
    assert instant == utc
    # Aware datetimes compare by instant whatever their zone: the zone is part of the promise.
    assert instant.tzinfo is UTC


def test_clock_times_inside_the_change_hours_are_defined() -> None:
    # 01:30 does not exist on 31 March 2024 and happens twice on 27 October 2024.
    assert london_clock_time(date(2024, 3, 31), time(1, 30)) == datetime(
        2024, 3, 31, 1, 30, tzinfo=UTC
    )
    assert london_clock_time(date(2024, 10, 27), time(1, 30)) == datetime(
        2024, 10, 27, 0, 30, tzinfo=UTC
    )
