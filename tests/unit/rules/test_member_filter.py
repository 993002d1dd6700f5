from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from tests.builders import a_member
from touchpoints.rules.member_filter import MemberFilter, member_matches

FEB_5 = date(2026, 2, 5)


def test_an_empty_filter_matches_every_member():
    assert member_matches(a_member(), MemberFilter())


@pytest.mark.parametrize(
    ("criteria", "matches"),
    [
        (MemberFilter(statuses=frozenset({"Attended"})), True),
        (MemberFilter(statuses=frozenset({"Registered"})), False),
        (MemberFilter(responded=True), True),
        (MemberFilter(responded=False), False),
        (MemberFilter(member_ids=frozenset({a_member().id})), True),
        (MemberFilter(member_ids=frozenset({a_member(2).id})), False),
    ],
)
def test_every_criterion_that_is_set_must_hold(criteria, matches):
    member = a_member(status="Attended", has_responded=True)
    assert member_matches(member, criteria) is matches


@pytest.mark.parametrize(
    ("created", "matches"),
    [
        (datetime(2026, 2, 5, 0, 0, tzinfo=UTC), True),
        (datetime(2026, 2, 5, 23, 59, tzinfo=UTC), True),
        (datetime(2026, 2, 4, 23, 59, tzinfo=UTC), False),
        (datetime(2026, 2, 6, 0, 0, tzinfo=UTC), False),
        # 00:30 in Paris on the 6th is still the 5th in UTC
        (datetime(2026, 2, 6, 0, 30, tzinfo=timezone(timedelta(hours=1))), True),
    ],
)
def test_the_creation_window_is_inclusive_and_counted_in_utc_days(created, matches):
    criteria = MemberFilter(created_from=FEB_5, created_to=FEB_5)
    assert member_matches(a_member(created_date=created), criteria) is matches


def test_only_without_date_skips_members_that_already_carry_one():
    criteria = MemberFilter(only_without_date=True)
    assert member_matches(a_member(touchpoint_date=None), criteria)
    assert not member_matches(a_member(touchpoint_date=datetime(2026, 1, 15, tzinfo=UTC)), criteria)
