"""Invariants of the rules, over generated members and campaigns."""

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from tests.builders import a_campaign, a_member
from touchpoints.rules.channels import DEFAULT_CHANNEL_MAPPING
from touchpoints.rules.diff import diff_touchpoints
from touchpoints.rules.eligibility import evaluate_campaign
from touchpoints.rules.models import SyncMode
from touchpoints.rules.touchpoint_date import within_window

moments = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
)
members = st.builds(
    lambda number, responded, email, created, dated: a_member(
        number,
        has_responded=responded,
        email=email,
        created_date=created,
        touchpoint_date=dated,
    ),
    number=st.integers(1, 10_000),
    responded=st.booleans(),
    email=st.sampled_from([None, "", "x@example.com", "broken"]),
    created=moments,
    dated=st.none() | moments,
)
member_lists = st.lists(members, max_size=30, unique_by=lambda m: m.id)
campaigns = st.builds(
    lambda mode, start, length: a_campaign(
        sync_mode=mode,
        start_date=start,
        end_date=start + timedelta(days=length) if start and length is not None else None,
    ),
    mode=st.sampled_from(list(SyncMode)),
    start=st.none() | st.dates(date(2025, 1, 1), date(2027, 12, 31)),
    length=st.none() | st.integers(0, 400),
)


def desired(campaign, people):
    outcomes = evaluate_campaign(campaign, people, DEFAULT_CHANNEL_MAPPING)
    return {o.touchpoint.key: o.touchpoint for o in outcomes if o.touchpoint}


@given(campaigns, member_lists, member_lists)
def test_applying_a_diff_then_diffing_again_changes_nothing(campaign, before, after):
    existing = desired(campaign, before)
    wanted = desired(campaign, after)
    diff = diff_touchpoints(wanted, existing)
    applied = {k: v for k, v in existing.items() if k not in {tp.key for tp in diff.deletes}}
    applied.update({tp.key: tp for tp in (*diff.creates, *diff.updates)})
    assert diff_touchpoints(wanted, applied).is_empty


@given(campaigns, member_lists)
def test_every_member_has_one_outcome_and_at_most_one_touchpoint(campaign, people):
    outcomes = list(evaluate_campaign(campaign, people, DEFAULT_CHANNEL_MAPPING))
    assert [o.member_id for o in outcomes] == [m.id for m in people]
    keys = [o.touchpoint.key for o in outcomes if o.touchpoint]
    assert len(keys) == len(set(keys))


@given(campaigns, member_lists)
def test_excluded_and_unsynced_campaigns_never_have_touchpoints(campaign, people):
    if campaign.sync_mode in (SyncMode.EXCLUDE_ALL, SyncMode.NOT_SYNCED):
        assert desired(campaign, people) == {}


@given(moments, st.dates(date(2025, 1, 1), date(2027, 12, 31)))
def test_the_window_is_inclusive(moment, day):
    inside_single_day = within_window(moment, day, day)
    assert inside_single_day is (moment.date() == day)


@given(campaigns, members)
def test_a_touchpoint_always_falls_inside_the_window(campaign, member):
    for touchpoint in desired(campaign, [replace(member)]).values():
        assert within_window(touchpoint.touchpoint_date, campaign.start_date, campaign.end_date)
