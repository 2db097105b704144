"""When a timetable date is overdue, and when a typed date deserves a second look.

One rule for every reader (admin, register, API, dashboard): a planned milestone is overdue
once its whole period has passed — a day the day after, "w/c 4 Apr 2022" after that Sunday,
"May 2021" from 1 June, "Q3 2021" from 1 October. TBC is never overdue. Pure functions of
plain values, so that the selectors' database filter (`date_to < today`) and a fetched
milestone agree by construction.
"""

from __future__ import annotations

from datetime import date, timedelta

PLANNED = "planned"
# A date further back than this, typed as a new plan, is more likely a typo than a record.
LONG_PAST = timedelta(days=365)


def is_overdue(status: str, date_to: date | None, today: date) -> bool:
    """A planned milestone whose whole period ended before today."""
    return status == PLANNED and date_to is not None and date_to < today


def date_warnings(
    *,
    status: str,
    date_from: date | None,
    date_to: date | None,
    raised_on: date | None,
    today: date,
) -> list[str]:
    """What to ask staff to confirm about a date they typed (a warning, never a refusal:
    back-filling an old timetable is legitimate)."""
    if date_to is None or date_from is None:
        return []
    warnings = []
    if raised_on is not None and date_to < raised_on:
        warnings.append(
            f"This date is before the modification was raised ({raised_on.day} {raised_on:%b %Y})."
        )
    if today - date_to > LONG_PAST:
        warnings.append("This date is more than a year ago.")
    elif is_overdue(status, date_to, today):
        warnings.append("This date has passed: the milestone will show as overdue.")
    return warnings
