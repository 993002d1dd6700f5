from datetime import UTC, datetime

import pytest

from tests.builders import a_member
from touchpoints.rules.bulk_jobs import (
    CHANGED_SINCE_JOB,
    NOT_A_MEMBER,
    DateChange,
    JobState,
    WritePath,
    choose_write_path,
    finished_state,
    needs_recompute,
    plan_undo,
)
from touchpoints.rules.member_filter import MemberFilter, unknown_member_ids
from touchpoints.rules.models import SyncMode
from touchpoints.rules.sync_mode import touchpoints_enabled

BEFORE = datetime(2026, 1, 10, 9, 0, tzinfo=UTC)
APPLIED = datetime(2026, 1, 15, tzinfo=UTC)
LATER = datetime(2026, 1, 20, tzinfo=UTC)


@pytest.mark.parametrize(
    ("count", "path"),
    [(1, WritePath.COLLECTIONS), (2000, WritePath.COLLECTIONS), (2001, WritePath.BULK)],
)
def test_up_to_the_threshold_collections_write_above_it_the_bulk_api(count, path):
    assert choose_write_path(count, 2000) is path


@pytest.mark.parametrize(
    ("matched", "updated", "state"),
    [
        (10, 10, JobState.SUCCEEDED),
        (10, 7, JobState.PARTIALLY_FAILED),
        (10, 0, JobState.FAILED),
        (0, 0, JobState.SUCCEEDED),
    ],
)
def test_a_job_ends_by_how_many_members_it_updated(matched, updated, state):
    assert finished_state(matched, updated) is state


def test_only_running_and_pending_jobs_are_unfinished():
    assert [s for s in JobState if not s.finished] == [JobState.PENDING, JobState.RUNNING]


@pytest.mark.parametrize(
    ("mode", "enabled", "recompute"),
    [
        (SyncMode.INCLUDE_ALL, True, True),
        (SyncMode.INCLUDE_RESPONDED, True, True),
        (SyncMode.EXCLUDE_ALL, False, True),
        (SyncMode.NOT_SYNCED, False, False),
    ],
)
def test_a_synced_campaign_is_recomputed_after_its_dates_change(mode, enabled, recompute):
    assert touchpoints_enabled(mode) is enabled
    assert needs_recompute(mode, updated=3) is recompute
    assert needs_recompute(mode, updated=0) is False


def test_undo_restores_each_members_previous_date_blank_included():
    changes = [DateChange("a", BEFORE, APPLIED), DateChange("b", None, APPLIED)]

    plan = plan_undo(changes, failed_ids=set(), current={"a": APPLIED, "b": APPLIED})

    assert plan.restores == (DateChange("a", APPLIED, BEFORE), DateChange("b", APPLIED, None))
    assert plan.skipped == ()


def test_undo_leaves_alone_the_members_the_job_failed_on():
    changes = [DateChange("a", BEFORE, APPLIED), DateChange("b", None, APPLIED)]

    plan = plan_undo(changes, failed_ids={"b"}, current={"a": APPLIED, "b": None})

    assert [c.member_id for c in plan.restores] == ["a"]
    assert plan.skipped == ()


def test_undo_keeps_a_newer_date_and_skips_members_that_left_the_campaign():
    changes = [DateChange("a", BEFORE, APPLIED), DateChange("gone", None, APPLIED)]

    plan = plan_undo(changes, failed_ids=set(), current={"a": LATER})

    assert plan.restores == ()
    assert [(f.member_id, f.code) for f in plan.skipped] == [
        ("a", CHANGED_SINCE_JOB),
        ("gone", NOT_A_MEMBER),
    ]


def test_member_ids_outside_the_campaign_are_unknown():
    members = [a_member(1), a_member(2)]
    criteria = MemberFilter(member_ids=frozenset({members[0].id, "00v000000000099AAA"}))

    assert unknown_member_ids(criteria, members) == {"00v000000000099AAA"}
    assert unknown_member_ids(MemberFilter(), members) == frozenset()
