"""The recompute use case at service level, through in-memory fakes of Salesforce and the state:
the diff against stored state, removals, a record still refused, continuation on time, the Bulk
path and state repair. The same rules end to end through the handler, moto and the emulator are in
tests/integration/test_touchpoint_recompute.py and test_recompute_faults.py."""

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from tests.builders import CAMPAIGN_ID, a_campaign, a_member
from tests.fakes.channel_mapping import FakeChannelMapping
from tests.fakes.salesforce import FakeSalesforce
from tests.fakes.state import FakeState
from touchpoints.rules.keys import touchpoint_key
from touchpoints.rules.models import Reason, SyncMode
from touchpoints.services.recompute import (
    CREATED,
    NO_RECORDED_STATE,
    QUERY_ATTEMPTS,
    UNCONFIRMED_WRITES,
    UPDATED,
    BulkQueryFailedError,
    Recompute,
    RecomputeRequest,
    RecomputeResult,
)

NOW = datetime(2026, 2, 6, 9, 0, tzinfo=UTC)
EVENT_DAY = datetime(2026, 1, 15, tzinfo=UTC)


def plenty_of_time() -> float:
    return 900.0


def run(
    salesforce: FakeSalesforce,
    state: FakeState,
    request: RecomputeRequest | None = None,
    seconds_left=plenty_of_time,
    **options,
) -> RecomputeResult:
    options.setdefault("bulk_threshold", 2000)
    options.setdefault("channel_mapping", FakeChannelMapping())
    recompute = Recompute(salesforce, state, **options)
    return recompute.run(request or RecomputeRequest(CAMPAIGN_ID), NOW, seconds_left)


def org_with(*members, **campaign) -> FakeSalesforce:
    salesforce = FakeSalesforce()
    salesforce.add(a_campaign(**campaign), *members)
    return salesforce


def test_each_eligible_member_gets_one_touchpoint_and_each_other_a_reason():
    salesforce, state = org_with(a_member(1), a_member(2), a_member(3, email=None)), FakeState()

    result = run(salesforce, state)

    assert sorted(tp.member_id for tp, _ in salesforce.touchpoints.values()) == [
        a_member(1).id,
        a_member(2).id,
    ]
    assert result.finished
    assert (result.created, result.updated, result.deleted) == (2, 0, 0)
    assert result.statuses == {CREATED: 2, Reason.NO_EMAIL.value: 1}
    assert state.member(CAMPAIGN_ID, a_member(3).id).status == Reason.NO_EMAIL.value
    assert state.summaries[CAMPAIGN_ID]["created"] == 2


def test_a_run_with_nothing_changed_writes_nothing():
    salesforce, state = org_with(a_member(1), a_member(2)), FakeState()
    run(salesforce, state)

    again = run(salesforce, state)

    assert (again.created, again.updated, again.deleted, again.failed) == (0, 0, 0, 0)
    assert set(again.api_calls) == {"query"}  # reads only: the diff against state is empty
    assert again.totals.state_writes == 0


def test_a_new_date_updates_only_that_members_touchpoint():
    salesforce, state = org_with(a_member(1), a_member(2)), FakeState()
    run(salesforce, state)
    salesforce.members[a_member(2).id] = a_member(2, touchpoint_date=EVENT_DAY)

    result = run(salesforce, state)

    assert (result.created, result.updated, result.deleted) == (0, 1, 0)
    assert salesforce.touchpoint_of(a_member(2).id).touchpoint_date == EVENT_DAY
    assert state.member(CAMPAIGN_ID, a_member(2).id).status == UPDATED


def test_a_member_removed_from_the_campaign_loses_its_touchpoint_and_its_state():
    salesforce, state = org_with(a_member(1), a_member(2)), FakeState()
    run(salesforce, state)
    salesforce.remove_member(a_member(2).id)

    result = run(salesforce, state)

    assert result.deleted == 1
    assert salesforce.touchpoint_of(a_member(2).id) is None
    assert state.member(CAMPAIGN_ID, a_member(2).id) is None
    assert salesforce.touchpoint_of(a_member(1).id) is not None


def test_an_excluded_campaign_loses_its_touchpoints():
    salesforce, state = org_with(a_member(1), a_member(2)), FakeState()
    run(salesforce, state)
    salesforce.add(a_campaign(sync_mode=SyncMode.EXCLUDE_ALL))

    result = run(salesforce, state)

    assert result.deleted == 2
    assert salesforce.touchpoints == {}
    assert result.statuses == {Reason.CAMPAIGN_EXCLUDED.value: 2}


def test_a_row_still_locked_after_the_adapters_retries_is_reported_and_written_next_run():
    """The Salesforce adapter retries a locked row (tests/integration/test_touchpoint_recompute.py
    ::test_a_locked_row_is_retried_within_the_run); a lock that outlasts them reaches the service."""
    salesforce, state = org_with(a_member(1), a_member(2)), FakeState()
    salesforce.refuse(touchpoint_key(a_member(2).id), "UNABLE_TO_LOCK_ROW")

    first = run(salesforce, state)

    assert (first.created, first.failed) == (1, 1)
    assert state.member(CAMPAIGN_ID, a_member(2).id).status == "Error: UNABLE_TO_LOCK_ROW"
    second = run(salesforce, state)
    assert (second.created, second.failed) == (1, 0)
    assert salesforce.touchpoint_of(a_member(2).id) is not None


def test_a_refused_record_is_not_retried_within_the_run():
    salesforce, state = org_with(a_member(1)), FakeState()
    salesforce.refuse(touchpoint_key(a_member(1).id), "FIELD_CUSTOM_VALIDATION_EXCEPTION")

    result = run(salesforce, state)

    assert result.api_calls["composite_upsert"] == 1
    assert result.statuses == {"Error: FIELD_CUSTOM_VALIDATION_EXCEPTION": 1}


def test_a_run_short_of_time_saves_its_place_and_a_continuation_finishes_it():
    salesforce, state = org_with(*(a_member(n) for n in range(1, 6))), FakeState()
    time_left = iter([900.0, 30.0])  # enough for the first chunk, not for the second

    first = run(salesforce, state, seconds_left=lambda: next(time_left), rest_chunk=2)

    assert not first.finished
    assert first.created == 2
    assert state.checkpoints[CAMPAIGN_ID]["cursor"] == a_member(2).id  # the last member done
    assert CAMPAIGN_ID not in state.summaries
    rest = run(salesforce, state, RecomputeRequest(CAMPAIGN_ID, run_id=first.run_id), rest_chunk=2)
    assert rest.finished
    assert rest.created == 5  # totals carried across the continuation
    assert len(salesforce.touchpoints) == 5
    assert CAMPAIGN_ID not in state.checkpoints


def test_a_continuation_of_a_superseded_run_does_nothing():
    salesforce, state = org_with(a_member(1)), FakeState()

    result = run(salesforce, state, RecomputeRequest(CAMPAIGN_ID, run_id="an-older-run"))

    assert result.superseded
    assert salesforce.touchpoints == {}
    assert salesforce.calls == {}


def run_to_end(salesforce, state, request=None, **options) -> list[RecomputeResult]:
    """Wake the run each time it asks (as the handler's held message does) until it is over."""
    results = [run(salesforce, state, request, **options)]
    while not results[-1].finished:
        run_id = results[-1].run_id
        results.append(
            run(salesforce, state, RecomputeRequest(CAMPAIGN_ID, run_id=run_id), **options)
        )
    return results


def test_a_campaign_at_the_bulk_threshold_is_read_and_written_with_the_bulk_api_without_waiting():
    salesforce, state = org_with(*(a_member(n) for n in range(1, 5))), FakeState()

    results = run_to_end(salesforce, state, bulk_threshold=4)

    submitted, read_and_staged, collected = results
    assert submitted.wait_seconds
    assert read_and_staged.wait_seconds
    assert submitted.api_calls["bulk2_create_job"] == 1
    assert read_and_staged.api_calls["bulk2_create_job"] == 1  # 4 writes, one ingest job
    assert collected.finished
    assert collected.bulk
    assert collected.created == 4
    assert len(salesforce.touchpoints) == 4
    assert "composite_upsert" not in collected.totals.api_calls
    assert state.summaries[CAMPAIGN_ID]["api_calls"] == dict(collected.totals.api_calls)
    assert state.write_intents == {}
    assert CAMPAIGN_ID not in state.checkpoints


def test_a_bulk_job_still_running_is_polled_again_after_a_growing_wait():
    salesforce, state = org_with(*(a_member(n) for n in range(1, 5))), FakeState()
    salesforce.polls_before_complete = 2

    results = run_to_end(salesforce, state, bulk_threshold=4)

    waits = [result.wait_seconds for result in results[:-1]]
    assert waits == [5, 10, 20, 5, 10, 20]  # query job: 2 polls running; ingest job likewise
    assert all(result.api_calls.total() <= 5 for result in results[:2])  # one poll a wake-up
    assert len(salesforce.touchpoints) == 4


def test_a_request_arriving_while_a_run_waits_joins_it_and_asks_for_a_rerun():
    salesforce, state = org_with(*(a_member(n) for n in range(1, 5))), FakeState()
    waiting = run(
        salesforce, state, RecomputeRequest(CAMPAIGN_ID, message_id="m1"), bulk_threshold=4
    )
    again = run(salesforce, state, RecomputeRequest(CAMPAIGN_ID, message_id="m1"), bulk_threshold=4)
    assert not again.rerun  # the held message itself, delivered again for its next poll

    fresh = run(salesforce, state, RecomputeRequest(CAMPAIGN_ID, message_id="m2"), bulk_threshold=4)

    assert fresh.run_id == waiting.run_id  # no second query job while the first is in flight
    assert salesforce.query_jobs == 1
    assert fresh.finished  # its ingest job was over by then: the run ends, to run again
    assert fresh.rerun


def test_rows_a_bulk_ingest_job_refused_are_recorded_as_errors_and_retried_next_run():
    salesforce, state = org_with(*(a_member(n) for n in range(1, 5))), FakeState()
    salesforce.refuse(touchpoint_key(a_member(3).id), "FIELD_CUSTOM_VALIDATION_EXCEPTION")

    done = run_to_end(salesforce, state, bulk_threshold=4)[-1]

    assert (done.created, done.failed) == (3, 1)
    assert done.statuses == {CREATED: 3, "Error: FIELD_CUSTOM_VALIDATION_EXCEPTION": 1}
    refused = state.member(CAMPAIGN_ID, a_member(3).id)
    assert (refused.status, refused.touchpoint) == (
        "Error: FIELD_CUSTOM_VALIDATION_EXCEPTION",
        None,
    )
    assert refused.email == a_member(3).email  # the report still shows its person
    again = run_to_end(salesforce, state, bulk_threshold=10)[-1]  # a small change: collections
    assert (again.created, again.failed) == (1, 0)
    assert len(salesforce.touchpoints) == 4


def test_a_member_query_salesforce_failed_is_submitted_again():
    salesforce, state = org_with(*(a_member(n) for n in range(1, 5))), FakeState()
    salesforce.failing_query_jobs = 1

    done = run_to_end(salesforce, state, bulk_threshold=4)[-1]

    assert salesforce.query_jobs == 2
    assert done.created == 4


def test_a_member_query_whose_results_are_gone_is_submitted_again_and_the_run_converges():
    salesforce, state = org_with(*(a_member(n) for n in range(1, 5))), FakeState()
    salesforce.lost_query_jobs = 1

    done = run_to_end(salesforce, state, bulk_threshold=4)[-1]

    assert salesforce.query_jobs == 2
    assert done.created == 4
    assert state.load_checkpoint(CAMPAIGN_ID) is None


def test_a_member_query_that_keeps_failing_stops_the_run_with_a_clear_error():
    salesforce, state = org_with(*(a_member(n) for n in range(1, 5))), FakeState()
    salesforce.failing_query_jobs = QUERY_ATTEMPTS

    with pytest.raises(BulkQueryFailedError, match="failed the member query 3 times"):
        run_to_end(salesforce, state, bulk_threshold=4)

    assert salesforce.touchpoints == {}
    assert state.load_checkpoint(CAMPAIGN_ID) is None  # the next request starts over
    done = run_to_end(salesforce, state, bulk_threshold=4)[-1]
    assert done.created == 4


def test_recording_a_large_jobs_created_rows_goes_on_in_a_continuation_when_time_runs_short():
    salesforce, state = org_with(*(a_member(n) for n in range(1, 2501))), FakeState()
    looks = iter([900.0, 900.0, 30.0])  # the walk's two chunks, then the first 1,000 rows

    results = run_to_end(
        salesforce, state, bulk_threshold=4, seconds_left=lambda: next(looks, 900.0)
    )

    short = next(result for result in results if not result.finished and not result.wait_seconds)
    assert short.totals.state_writes < 2500  # stopped after a batch, saved where it was
    done = results[-1]
    assert done.created == 2500
    assert len(state.members[CAMPAIGN_ID]) == 2500
    assert all(m.record_id for m in state.members[CAMPAIGN_ID].values())  # none recorded twice
    assert done.totals.state_writes == 2500


def test_writes_fill_each_collection_call_across_chunks():
    """400 changes spread over 8 chunks of 50 go in 2 calls of 200, not 8 half-empty ones."""
    salesforce, state = org_with(*(a_member(n) for n in range(1, 401))), FakeState()

    result = run(salesforce, state, rest_chunk=50, bulk_threshold=1000)

    assert result.created == 400
    assert result.api_calls["composite_upsert"] == 2


def test_a_crash_while_a_bulk_run_was_writing_makes_the_next_wake_up_compare_with_salesforce():
    salesforce, state = org_with(*(a_member(n) for n in range(1, 5))), FakeState()
    first = run(salesforce, state, bulk_threshold=4)  # query submitted
    state.mark_write_intent(CAMPAIGN_ID, first.run_id, NOW)  # it crashed after planning writes

    done = run_to_end(
        salesforce, state, RecomputeRequest(CAMPAIGN_ID, run_id=first.run_id), bulk_threshold=4
    )[-1]

    assert done.state_repair == UNCONFIRMED_WRITES
    assert done.full_reconciliation
    assert len(salesforce.touchpoints) == 4
    assert state.write_intents == {}


def test_writes_left_unconfirmed_by_a_crash_are_checked_against_salesforce():
    """A run that crashed after writing and before saving the state left its intent: the next
    run compares with what Salesforce holds, so the touchpoint of an excluded member goes."""
    salesforce, state = org_with(a_member(1)), FakeState()
    run(salesforce, state)
    state.mark_write_intent(CAMPAIGN_ID, "crashed-run", NOW)
    state.members[CAMPAIGN_ID].clear()  # the crash came before the state save
    salesforce.add(a_campaign(sync_mode=SyncMode.EXCLUDE_ALL))

    result = run(salesforce, state)

    assert result.state_repair == UNCONFIRMED_WRITES
    assert result.deleted == 1
    assert salesforce.touchpoints == {}
    assert state.write_intents == {}


def test_a_lost_state_table_is_rebuilt_from_salesforce_and_strays_are_deleted():
    salesforce, state = org_with(a_member(1), a_member(2)), FakeState()
    run(salesforce, state)
    salesforce.remove_member(a_member(2).id)
    lost = FakeState()

    result = run(salesforce, lost)

    assert result.state_repair == NO_RECORDED_STATE
    assert result.deleted == 1
    assert [tp.member_id for tp, _ in salesforce.touchpoints.values()] == [a_member(1).id]
    assert lost.member(CAMPAIGN_ID, a_member(1).id).touchpoint is not None


def test_an_unmapped_campaign_type_is_reported_and_tagged_unmapped():
    salesforce, state = org_with(a_member(1), type="Podcast"), FakeState()

    result = run(salesforce, state)

    assert result.unmapped_type == "Podcast"
    assert salesforce.touchpoint_of(a_member(1).id).channel == "Unmapped"


def test_outcomes_that_changed_are_written_back_to_the_members():
    salesforce, state = org_with(a_member(1), a_member(2, email="not-an-email")), FakeState()

    run(salesforce, state, write_back_status=True)

    assert salesforce.member_statuses == {
        a_member(1).id: CREATED,
        a_member(2).id: Reason.NO_EMAIL.value,
    }
    salesforce.member_statuses.clear()
    run(salesforce, state, write_back_status=True)
    assert salesforce.member_statuses == {}


def test_a_deleted_campaign_settles_its_state_once():
    salesforce, state = org_with(a_member(1)), FakeState()
    run(salesforce, state)
    salesforce.campaigns.clear()
    salesforce.members.clear()

    result = run(salesforce, state)

    assert not result.found
    assert result.deleted == 1
    assert state.members[CAMPAIGN_ID] == {}
    assert result.finished


def test_a_full_reconciliation_above_the_threshold_reads_touchpoints_beside_the_members():
    salesforce, state = org_with(*(a_member(n) for n in range(1, 6))), FakeState()
    run_to_end(salesforce, state, bulk_threshold=4)
    del salesforce.touchpoints[touchpoint_key(a_member(2).id)]  # deleted by hand
    salesforce.remove_member(a_member(5).id)
    salesforce.calls.clear()

    done = run_to_end(
        salesforce, state, RecomputeRequest(CAMPAIGN_ID, full_reconciliation=True), bulk_threshold=4
    )[-1]

    assert done.full_reconciliation
    assert (done.created, done.deleted) == (1, 1)
    assert sorted(tp.member_id for tp, _ in salesforce.touchpoints.values()) == [
        a_member(n).id for n in range(1, 5)
    ]
    assert salesforce.query_jobs == 1 + 2  # the first run's members; now members and touchpoints
    assert salesforce.calls["query"] == 2  # campaign reads only: no lookups by key


def test_a_bulk_run_hands_the_persons_its_upsert_job_wrote_to_attribution():
    members = [a_member(n) for n in range(1, 5)]
    salesforce, state = org_with(*members), FakeState()

    first = run_to_end(salesforce, state, bulk_threshold=4)
    for member in members:  # leads converted: their touchpoints now name the contacts
        contact = member.lead_id.replace("00Q", "003")
        salesforce.members[member.id] = replace(member, contact_id=contact)
    second = run_to_end(salesforce, state, bulk_threshold=4)

    assert first[-1].bulk
    assert first[-1].touched_persons == {m.lead_id for m in members}
    assert second[-1].bulk
    assert second[-1].updated == 4
    assert second[-1].api_calls["bulk2_ingest_results"] == 1  # the rows read for the states
    assert second[-1].touched_persons == {m.lead_id.replace("00Q", "003") for m in members}
    assert not any(result.touched_persons for result in first[:-1] + second[:-1])
