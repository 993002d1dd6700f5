from datetime import UTC, datetime, timedelta

from touchpoints.rules.notification_stamps import CLOCK_SKEW, trusted_stamp

NOW = datetime(2026, 2, 5, 16, 45, tzinfo=UTC)


def test_a_past_stamp_is_kept():
    yesterday = NOW - timedelta(days=1)
    assert trusted_stamp(yesterday, NOW) == yesterday


def test_a_stamp_within_the_clock_skew_is_kept():
    assert trusted_stamp(NOW + CLOCK_SKEW, NOW) == NOW + CLOCK_SKEW


def test_a_stamp_from_the_future_counts_as_now():
    assert trusted_stamp(datetime(2099, 1, 1, tzinfo=UTC), NOW) == NOW


def test_an_unknown_stamp_stays_unknown():
    assert trusted_stamp(None, NOW) is None
