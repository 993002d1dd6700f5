"""The sync status use case at service level, through in-memory fakes of the state, the person
paths and the audit log. Through the handler, moto and the table: tests/integration/
test_sync_status.py, test_run_history.py, test_audit.py."""

from datetime import UTC, datetime

import pytest

from tests.builders import CAMPAIGN_ID
from tests.fakes.attribution import FakePersonPaths
from tests.fakes.audit import FakeAuditLog
from tests.fakes.state import FakeState
from touchpoints.ports.audit import AuditQuery
from touchpoints.ports.state import StoredMember
from touchpoints.services.sync_status import (
    JSON_PAGE_MAX,
    STATE_PAGE,
    CampaignNotRecomputedError,
    InvalidTimeRangeError,
    PageTooLargeError,
    PersonNotAttributedError,
    SyncStatus,
)

PERSON_ID = "00Q000000000001AAA"


def member_id(n: int) -> str:
    return f"00v{n:012d}AAA"


def recomputed(members: int, runs: int = 0) -> FakeState:
    state = FakeState()
    state.summaries[CAMPAIGN_ID] = {"statuses": {"Touchpoint": members - 1, "Error: X": 1}}
    state.save_members(
        CAMPAIGN_ID, [StoredMember(member_id(n), "Touchpoint") for n in range(members)]
    )
    for n in range(runs):
        run = {"finished_at": f"2026-02-0{n + 1}T09:00:00+00:00", "run_id": f"{n:032x}"}
        state.save_run(CAMPAIGN_ID, run, expires_at=0)
    return state


def service(state: FakeState, paths: FakePersonPaths | None = None, audit=None) -> SyncStatus:
    return SyncStatus(state, paths or FakePersonPaths(), audit or FakeAuditLog())


def test_the_status_shows_the_counts_by_outcome_the_newest_runs_and_a_page_of_members():
    status = service(recomputed(members=3, runs=7)).campaign_status(CAMPAIGN_ID, 2, None)

    assert status.outcomes == [("Error: X", 1), ("Touchpoint", 2)]
    assert [run["run_id"] for run in status.recent_runs] == [f"{n:032x}" for n in (6, 5, 4, 3, 2)]
    assert [m.member_id for m in status.page.members] == [member_id(0), member_id(1)]
    assert status.page.next == member_id(1)


def test_the_next_page_starts_after_the_token_and_the_last_page_has_no_token():
    status = service(recomputed(members=3)).campaign_status(CAMPAIGN_ID, 2, member_id(1))

    assert [m.member_id for m in status.page.members] == [member_id(2)]
    assert status.page.next is None


def test_a_report_page_larger_than_a_state_page_is_read_a_state_page_at_a_time():
    state = recomputed(members=STATE_PAGE + 5)

    page = service(state).report_members(CAMPAIGN_ID, STATE_PAGE + 2, None)

    assert len(page.members) == STATE_PAGE + 2
    assert page.next == member_id(STATE_PAGE + 1)


def test_a_campaign_never_recomputed_has_no_status_and_no_report():
    reads = service(FakeState())

    with pytest.raises(CampaignNotRecomputedError):
        reads.campaign_status(CAMPAIGN_ID, 10, None)
    with pytest.raises(CampaignNotRecomputedError):
        reads.report_members(CAMPAIGN_ID, 10, None)
    with pytest.raises(CampaignNotRecomputedError):
        reads.runs(CAMPAIGN_ID, 10, None)


def test_a_json_page_holds_at_most_its_maximum():
    with pytest.raises(PageTooLargeError):
        service(recomputed(members=1)).campaign_status(CAMPAIGN_ID, JSON_PAGE_MAX + 1, None)


def test_runs_page_newest_first_and_a_page_past_the_last_run_is_empty_not_unknown():
    reads = service(recomputed(members=1, runs=3))

    first, token = reads.runs(CAMPAIGN_ID, 2, None)
    rest, last = reads.runs(CAMPAIGN_ID, 2, token)

    assert [run["run_id"] for run in first + rest] == [f"{n:032x}" for n in (2, 1, 0)]
    assert last is None
    assert reads.runs(CAMPAIGN_ID, 2, "2026-01-01T00:00:00+00:00#" + "0" * 32) == ([], None)


def test_a_person_without_an_attributed_path_is_refused():
    with pytest.raises(PersonNotAttributedError):
        service(FakeState()).person_path(PERSON_ID)


def test_an_audit_range_that_ends_before_it_starts_asks_nothing():
    audit = FakeAuditLog([{"kind": "bulk-date"}])
    query = AuditQuery(since=datetime(2026, 2, 2, tzinfo=UTC), until=datetime(2026, 2, 1))

    with pytest.raises(InvalidTimeRangeError):
        service(FakeState(), audit=audit).audit_entries(query, 10, None)
    assert audit.queries == []


def test_audit_entries_come_from_the_log_with_its_token():
    audit = FakeAuditLog([{"n": 1}, {"n": 2}, {"n": 3}])

    entries, token = service(FakeState(), audit=audit).audit_entries(AuditQuery(), 2, None)

    assert (entries, token) == ([{"n": 1}, {"n": 2}], "2")
