from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from tests.builders import a_member
from touchpoints.rules.dating import touchpoint_date, within_window
from touchpoints.rules.models import SyncMode

EVENT = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
CREATED = datetime(2026, 2, 5, 16, 30, tzinfo=UTC)


@pytest.mark.parametrize("mode", [SyncMode.INCLUDE_ALL, SyncMode.INCLUDE_RESPONDED])
def test_the_bulk_touchpoint_date_wins_in_both_modes(mode):
    member = a_member(touchpoint_date=EVENT, first_responded_date=date(2026, 2, 6))
    assert touchpoint_date(member, mode) == EVENT


def test_include_all_falls_back_to_created_date_ignoring_first_responded():
    member = a_member(created_date=CREATED, first_responded_date=date(2026, 2, 6))
    assert touchpoint_date(member, SyncMode.INCLUDE_ALL) == CREATED


def test_include_responded_falls_back_to_first_responded_date_at_midnight_utc():
    member = a_member(created_date=CREATED, first_responded_date=date(2026, 2, 6))
    assert touchpoint_date(member, SyncMode.INCLUDE_RESPONDED) == datetime(2026, 2, 6, tzinfo=UTC)


def test_include_responded_falls_back_to_created_date_last():
    member = a_member(created_date=CREATED, first_responded_date=None)
    assert touchpoint_date(member, SyncMode.INCLUDE_RESPONDED) == CREATED


def test_dates_are_returned_in_utc():
    tokyo = timezone(timedelta(hours=9))
    member = a_member(touchpoint_date=datetime(2026, 1, 16, 2, 0, tzinfo=tokyo))
    result = touchpoint_date(member, SyncMode.INCLUDE_ALL)
    assert result.tzinfo == UTC
    assert result == datetime(2026, 1, 15, 17, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("when", "start", "end", "inside"),
    [
        (EVENT, None, None, True),
        (EVENT, date(2026, 1, 15), None, True),  # start is inclusive
        (EVENT, date(2026, 1, 16), None, False),
        (EVENT, None, date(2026, 1, 15), True),  # end is inclusive
        (EVENT, None, date(2026, 1, 14), False),
        (datetime(2026, 1, 15, 23, 59, 59, tzinfo=UTC), None, date(2026, 1, 15), True),
        (datetime(2026, 1, 16, 0, 0, tzinfo=UTC), None, date(2026, 1, 15), False),
        (EVENT, date(2026, 1, 15), date(2026, 1, 15), True),
    ],
)
def test_window_is_inclusive_at_both_ends(when, start, end, inside):
    assert within_window(when, start, end) is inside


def test_window_compares_the_touchpoints_utc_date_not_its_local_date():
    # 2026-01-16 01:00 in UTC+9 is still 2026-01-15 in UTC.
    local = datetime(2026, 1, 16, 1, 0, tzinfo=timezone(timedelta(hours=9)))
    assert within_window(local, None, date(2026, 1, 15))
    assert not within_window(local, date(2026, 1, 16), None)
