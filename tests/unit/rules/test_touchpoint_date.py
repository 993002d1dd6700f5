from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from tests.builders import a_member
from touchpoints.rules.models import SyncMode
from touchpoints.rules.touchpoint_date import (
    EARLIEST_MOMENT,
    LATEST_MOMENT,
    is_too_far_in_future,
    is_within_accepted_range,
    touchpoint_date,
    touchpoint_moment,
    within_window,
)

NOW = datetime(2026, 2, 5, 16, 45, tzinfo=UTC)


def test_a_plain_date_means_midnight_utc():
    assert touchpoint_moment(date(2026, 1, 15)) == datetime(2026, 1, 15, tzinfo=UTC)


def test_a_plain_date_with_a_time_zone_means_midnight_there():
    moment = touchpoint_moment(date(2026, 1, 15), ZoneInfo("America/New_York"))
    assert moment == datetime(2026, 1, 15, 5, 0, tzinfo=UTC)


def test_a_date_time_keeps_its_offset_and_comes_back_in_utc():
    paris = timezone(timedelta(hours=1))
    moment = touchpoint_moment(datetime(2026, 1, 15, 9, 30, tzinfo=paris))
    assert moment == datetime(2026, 1, 15, 8, 30, tzinfo=UTC)
    assert moment.tzinfo is UTC


def test_parts_finer_than_a_millisecond_are_dropped_as_salesforce_drops_them():
    moment = touchpoint_moment(datetime(2026, 1, 15, 9, 30, 0, 123456, tzinfo=UTC))
    assert moment.microsecond == 123000


@pytest.mark.parametrize(
    ("moment", "refused"),
    [
        (NOW - timedelta(days=400), False),
        (NOW, False),
        (NOW + timedelta(days=1), False),
        (NOW + timedelta(days=1, seconds=1), True),
        (NOW + timedelta(days=30), True),
    ],
)
def test_a_date_more_than_one_day_ahead_is_refused(moment, refused):
    assert is_too_far_in_future(moment, NOW) is refused


# Salesforce's range: "Data Import Dates", Data Loader Guide,
# https://developer.salesforce.com/docs/atlas.en-us.262.0.dataLoader.meta/dataLoader/data_loader_dates.htm
@pytest.mark.parametrize(
    ("value", "zone", "accepted"),
    [
        (date(1900, 1, 1), None, True),
        (datetime(1899, 12, 31, 23, 59, 59, tzinfo=UTC), None, False),
        (date(1900, 1, 1), ZoneInfo("Europe/Paris"), False),  # 23:50:39 UTC the day before
        (date(1900, 1, 1), ZoneInfo("America/New_York"), True),
        (date(4000, 12, 31), None, True),
        (datetime(4000, 12, 31, 0, 0, 1, tzinfo=UTC), None, False),
        (date(4000, 12, 31), ZoneInfo("America/New_York"), False),
        (date(4000, 12, 31), ZoneInfo("Pacific/Kiritimati"), True),
        (date(2026, 1, 15), None, True),
        (date(1, 1, 1), None, False),
        (date(4001, 1, 1), None, False),
    ],
)
def test_a_date_lies_between_1900_and_the_latest_date_salesforce_stores(value, zone, accepted):
    assert is_within_accepted_range(value, zone) is accepted


@pytest.mark.parametrize(
    ("value", "zone"),
    [
        (datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=14))), None),
        (date(1, 1, 1), timezone(timedelta(hours=14))),
        (datetime(9999, 12, 31, 23, tzinfo=timezone(timedelta(hours=-12))), None),
    ],
)
def test_a_date_with_no_moment_in_utc_is_outside_rather_than_an_error(value, zone):
    with pytest.raises(OverflowError):
        touchpoint_moment(value, zone)
    assert is_within_accepted_range(value, zone) is False


def test_the_range_ends_are_stated_in_utc():
    assert datetime(1900, 1, 1, tzinfo=UTC) == EARLIEST_MOMENT
    assert datetime(4000, 12, 31, tzinfo=UTC) == LATEST_MOMENT


# -- which date a touchpoint carries, and the campaign's window ----------------------------------

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
