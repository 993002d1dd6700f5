"""The bulk touchpoint date at service level, through in-memory fakes of Salesforce, the job store
and the queues: preview, apply, idempotency, per-record retry and failure, the Bulk path, running
out of time, and undo. Through the handler, moto and the emulator: tests/integration/
test_bulk_date_update.py."""

from datetime import UTC, datetime
from itertools import count

import pytest

from tests.builders import CAMPAIGN_ID, a_campaign, a_member
from tests.fakes.jobs import FakeJobStore, FakeQueue
from tests.fakes.salesforce import FakeSalesforce
from touchpoints.rules.bulk_jobs import CHANGED_SINCE_JOB, JobKind, JobState, WritePath
from touchpoints.rules.member_filter import MemberFilter
from touchpoints.rules.models import SyncMode
from touchpoints.services.bulk_date import (
    BulkDatePorts,
    DateInFutureError,
    DateRequest,
    IdempotencyKeyReusedError,
    NoMatchingMembersError,
    UnknownMembersError,
    apply_touchpoint_date,
    job_report,
    preview_touchpoint_date,
    run_job,
    undo_job,
)

NOW = datetime(2026, 2, 6, 9, 0, tzinfo=UTC)
EVENT_DAY = datetime(2026, 1, 15, tzinfo=UTC)
EARLIER_DAY = datetime(2026, 1, 10, tzinfo=UTC)
EVERY_MEMBER = MemberFilter()
WHO = "arn:aws:iam::123456789012:user/marketing-ops"


class World:
    """One org, job store and the two queues, wired as BulkDatePorts."""

    def __init__(self, *members, bulk_threshold: int = 2000, **campaign) -> None:
        self.salesforce = FakeSalesforce()
        self.salesforce.add(a_campaign(**campaign), *members)
        self.jobs, self.continuations, self.recomputes = FakeJobStore(), FakeQueue(), FakeQueue()
        ids = count(1)
        self.ports = BulkDatePorts(
            salesforce=self.salesforce,
            jobs=self.jobs,
            continuation=self.continuations,
            recompute=self.recomputes,
            bulk_threshold=bulk_threshold,
            new_id=lambda: f"job-{next(ids)}",
        )

    def apply(self, criteria=EVERY_MEMBER, key="key-1", moment=EVENT_DAY, budget=lambda: 60.0):
        request = DateRequest(CAMPAIGN_ID, moment, criteria)
        return apply_touchpoint_date(self.ports, request, key, WHO, NOW, budget).job

    def date_of(self, number: int) -> datetime | None:
        return self.salesforce.members[a_member(number).id].touchpoint_date


def test_preview_counts_what_apply_would_change_and_changes_nothing():
    world = World(a_member(1), a_member(2, touchpoint_date=EARLIER_DAY))

    preview = preview_touchpoint_date(
        world.ports, DateRequest(CAMPAIGN_ID, EVENT_DAY, MemberFilter()), NOW
    )

    assert preview.matched == 2
    assert [m.id for m in preview.already_dated] == [a_member(2).id]
    assert preview.write_path is WritePath.COLLECTIONS
    assert world.date_of(1) is None
    assert world.jobs.jobs == {}


def test_apply_dates_the_matching_members_and_recomputes_an_enabled_campaign():
    world = World(a_member(1), a_member(2), a_member(3, status="Registered"))

    job = world.apply(MemberFilter(statuses=frozenset({"Attended"})))

    assert job.state is JobState.SUCCEEDED
    assert (job.matched, job.updated, job.failed) == (2, 2, 0)
    assert (world.date_of(1), world.date_of(2), world.date_of(3)) == (EVENT_DAY, EVENT_DAY, None)
    assert world.recomputes.sent == [{"campaign_id": CAMPAIGN_ID, "cause": "bulk_touchpoint_date"}]
    assert [audited.id for audited in world.jobs.audit] == [job.id]


def test_a_campaign_not_synced_is_dated_without_a_recompute():
    world = World(a_member(1), sync_mode=SyncMode.NOT_SYNCED)

    job = world.apply()

    assert job.state is JobState.SUCCEEDED
    assert world.recomputes.sent == []


def test_the_same_idempotency_key_returns_the_first_job_and_applies_once():
    world = World(a_member(1))
    first = world.apply()
    world.salesforce.members[a_member(1).id] = a_member(1, touchpoint_date=EARLIER_DAY)

    again = apply_touchpoint_date(
        world.ports,
        DateRequest(CAMPAIGN_ID, EVENT_DAY, MemberFilter()),
        "key-1",
        WHO,
        NOW,
        lambda: 60.0,
    )

    assert again.job.id == first.id
    assert not again.created
    assert world.date_of(1) == EARLIER_DAY
    assert list(world.jobs.jobs) == [first.id]


def test_the_same_key_with_another_request_is_refused():
    world = World(a_member(1))
    world.apply()

    with pytest.raises(IdempotencyKeyReusedError):
        world.apply(moment=EARLIER_DAY)


@pytest.mark.parametrize(
    ("request_", "error"),
    [
        (
            DateRequest(CAMPAIGN_ID, datetime(2026, 3, 1, tzinfo=UTC), MemberFilter()),
            DateInFutureError,
        ),
        (
            DateRequest(
                CAMPAIGN_ID, EVENT_DAY, MemberFilter(member_ids=frozenset({"00v000000000099AAA"}))
            ),
            UnknownMembersError,
        ),
        (
            DateRequest(CAMPAIGN_ID, EVENT_DAY, MemberFilter(responded=False)),
            NoMatchingMembersError,
        ),
    ],
)
def test_a_refused_request_changes_nothing(request_, error):
    world = World(a_member(1))

    with pytest.raises(error):
        apply_touchpoint_date(world.ports, request_, "key-1", WHO, NOW, lambda: 60.0)

    assert world.jobs.jobs == {}
    assert world.date_of(1) is None
    assert world.continuations.sent == []


def test_a_locked_member_is_retried_once_and_dated():
    world = World(a_member(1), a_member(2))
    world.salesforce.refuse(a_member(2).id, "UNABLE_TO_LOCK_ROW")

    job = world.apply()

    assert job.state is JobState.SUCCEEDED
    assert world.date_of(2) == EVENT_DAY


def test_a_refused_member_is_reported_and_the_job_partially_fails():
    world = World(a_member(1), a_member(2))
    world.salesforce.refuse(a_member(2).id, "FIELD_CUSTOM_VALIDATION_EXCEPTION")

    job = world.apply()

    assert job.state is JobState.PARTIALLY_FAILED
    report = job_report(world.ports, job.id, limit=10, after=None)
    assert [(f.member_id, f.code) for f in report.failures] == [
        (a_member(2).id, "FIELD_CUSTOM_VALIDATION_EXCEPTION")
    ]
    assert world.date_of(2) is None


def test_a_job_out_of_time_carries_on_in_the_next_invocation():
    world = World(*(a_member(n) for n in range(1, 251)))  # two chunks of up to 200
    budget = iter([60.0, 1.0])

    job = world.apply(budget=lambda: next(budget))

    assert job.state is JobState.RUNNING
    assert job.updated == 200
    assert world.continuations.sent[-1] == {"job_id": job.id, "delay_seconds": 0}
    finished = run_job(world.ports, job.id, NOW, lambda: 60.0)
    assert finished.state is JobState.SUCCEEDED
    assert finished.updated == 250
    assert run_job(world.ports, job.id, NOW, lambda: 60.0) is None  # the watchdog finds it done


def test_a_job_above_the_threshold_runs_as_one_bulk_ingest_through_the_queue():
    world = World(a_member(1), a_member(2), a_member(3), bulk_threshold=2)

    job = world.apply()

    assert (job.write_path, job.state) == (WritePath.BULK, JobState.PENDING)
    assert world.date_of(1) is None  # nothing written inside the API request
    started = run_job(world.ports, job.id, NOW, lambda: 60.0)
    assert started.bulk_job_id is not None
    finished = run_job(world.ports, job.id, NOW, lambda: 60.0)
    assert (finished.state, finished.updated) == (JobState.SUCCEEDED, 3)
    assert world.salesforce.calls["bulk_ingest"] == 1
    assert world.date_of(3) == EVENT_DAY


def test_undo_restores_each_members_previous_date_blank_included():
    world = World(a_member(1, touchpoint_date=EARLIER_DAY), a_member(2))
    job = world.apply()

    undo = undo_job(world.ports, job.id, WHO, NOW, lambda: 60.0)

    assert undo.created
    assert (undo.job.kind, undo.job.state, undo.job.undo_of) == (
        JobKind.UNDO,
        JobState.SUCCEEDED,
        job.id,
    )
    assert (world.date_of(1), world.date_of(2)) == (EARLIER_DAY, None)
    assert undo_job(world.ports, job.id, WHO, NOW, lambda: 60.0).job.id == undo.job.id


def test_undo_keeps_a_date_changed_since_the_job_and_reports_it():
    world = World(a_member(1), a_member(2))
    job = world.apply()
    newer = datetime(2026, 1, 20, tzinfo=UTC)
    world.salesforce.members[a_member(2).id] = a_member(2, touchpoint_date=newer)

    undo = undo_job(world.ports, job.id, WHO, NOW, lambda: 60.0).job

    assert undo.state is JobState.PARTIALLY_FAILED
    assert (world.date_of(1), world.date_of(2)) == (None, newer)
    report = job_report(world.ports, undo.id, limit=10, after=None)
    assert [(f.member_id, f.code) for f in report.failures] == [(a_member(2).id, CHANGED_SINCE_JOB)]
