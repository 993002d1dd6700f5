from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from touchpoints.rules.touchpoint_date import is_too_far_in_future, touchpoint_moment

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
