"""Invariants of bulk touchpoint dates: undo is the inverse of apply; the range check never
overflows."""

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from touchpoints.rules.bulk_jobs import DateChange, plan_undo
from touchpoints.rules.touchpoint_date import (
    EARLIEST_MOMENT,
    LATEST_MOMENT,
    is_within_accepted_range,
    touchpoint_moment,
)

moments = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
)
previous_dates = st.dictionaries(
    st.from_regex(r"00v[0-9A-Za-z]{15}", fullmatch=True), st.none() | moments, max_size=50
)


@given(previous=previous_dates, applied=moments, failed=st.sets(st.integers(0, 49)))
def test_undo_after_apply_gives_every_changed_member_its_previous_date_back(
    previous, applied, failed
):
    member_ids = sorted(previous)
    failed_ids = {member_ids[i] for i in failed if i < len(member_ids)}
    changes = [DateChange(m, previous[m], applied) for m in member_ids]
    after_apply = {m: (previous[m] if m in failed_ids else applied) for m in member_ids}

    plan = plan_undo(changes, failed_ids, after_apply)
    after_undo = {**after_apply, **{c.member_id: c.new for c in plan.restores}}

    assert after_undo == previous
    assert plan.skipped == ()
    assert {c.member_id for c in plan.restores} == set(member_ids) - failed_ids


any_offset = st.integers(-(24 * 60 - 1), 24 * 60 - 1).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)


@given(value=st.dates() | st.datetimes(timezones=any_offset), zone=st.none() | any_offset)
def test_any_date_python_holds_is_judged_without_error_and_an_accepted_one_has_its_moment(
    value, zone
):
    """No date, offset or zone makes the range check overflow; what it accepts converts to a
    moment within the range."""
    if is_within_accepted_range(value, zone):
        assert EARLIEST_MOMENT <= touchpoint_moment(value, zone) <= LATEST_MOMENT
