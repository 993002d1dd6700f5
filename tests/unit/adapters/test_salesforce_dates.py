from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from touchpoints.adapters.salesforce_dates import format_datetime, parse_datetime


@pytest.mark.parametrize(
    ("moment", "written"),
    [
        (datetime(2026, 1, 15, tzinfo=UTC), "2026-01-15T00:00:00.000Z"),
        (
            datetime(2026, 1, 15, 9, 30, 1, 123456, tzinfo=timezone(timedelta(hours=1))),
            "2026-01-15T08:30:01.123Z",
        ),
        (datetime(1750, 3, 1, 12, tzinfo=UTC), "1750-03-01T12:00:00.000Z"),
        (datetime(4000, 12, 31, tzinfo=UTC), "4000-12-31T00:00:00.000Z"),
        (datetime(1, 1, 1, tzinfo=UTC), "0001-01-01T00:00:00.000Z"),  # strftime wrote "1-01-01"
    ],
)
def test_a_datetime_is_written_in_utc_with_milliseconds_and_a_four_digit_year(moment, written):
    assert format_datetime(moment) == written
    assert parse_datetime(written) == moment.astimezone(UTC).replace(
        microsecond=moment.microsecond // 1000 * 1000
    )


@given(
    st.datetimes(
        min_value=datetime(1, 1, 2),
        max_value=datetime(9999, 12, 30),
        timezones=st.just(UTC)
        | st.builds(timezone, st.timedeltas(-timedelta(hours=23), timedelta(hours=23))),
    )
)
def test_a_utc_value_is_written_as_any_other(moment):
    """The shortcut for UTC values writes what converting and replacing the offset writes."""
    slow = moment.astimezone(UTC).isoformat("T", "milliseconds").replace("+00:00", "Z")

    assert format_datetime(moment) == slow


moments = st.datetimes(
    min_value=datetime(1, 1, 2),
    max_value=datetime(9999, 12, 30),
    timezones=st.just(UTC)
    | st.builds(timezone, st.timedeltas(-timedelta(hours=23), timedelta(hours=23))),
)


@given(
    st.lists(moments, min_size=1, max_size=4).flatmap(lambda pool: st.lists(st.sampled_from(pool)))
)
def test_dates_repeated_in_any_order_are_written_and_read_as_each_on_its_own(run):
    """A run of dates with repeats (members sharing an import's or an event's date), the same
    instant in two zones among them: the last conversion given again is the right one."""
    for moment in run:
        written = format_datetime(moment)

        assert written == moment.astimezone(UTC).isoformat("T", "milliseconds").replace(
            "+00:00", "Z"
        )
        assert parse_datetime(written) == datetime.fromisoformat(written)
        assert parse_datetime(written).tzinfo is UTC
        assert format_datetime(moment.astimezone(UTC)) == written
