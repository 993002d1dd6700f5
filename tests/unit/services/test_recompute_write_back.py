"""Member status write-back (`Touchpoint_Status__c`, WRITE_BACK_MEMBER_STATUS) at service level,
through the in-memory fakes: full collection calls below the Bulk threshold, one CampaignMember
update job above it, followed across invocations like the touchpoint ingest jobs, refusals
counted, and a crash repaired by writing every status again. Through the handler, moto and the
emulator: tests/integration/test_recompute_write_back.py."""

from datetime import UTC, datetime

import pytest

from tests.builders import CAMPAIGN_ID, a_campaign, a_member
from tests.fakes.channel_mapping import FakeChannelMapping
from tests.fakes.salesforce import FakeSalesforce
from tests.fakes.state import FakeState
from touchpoints.ports.state import StoredMember
from touchpoints.rules.models import Reason
from touchpoints.services.recompute import (
    CREATED,
    UNCONFIRMED_WRITES,
    Recompute,
    RecomputeRequest,
    RecomputeResult,
)
from touchpoints.services.recompute.chunk import written_back
from touchpoints.services.recompute.gathered_statuses import GatheredStatuses

NOW = datetime(2026, 2, 6, 9, 0, tzinfo=UTC)


def plenty_of_time() -> float:
    return 900.0


def run(salesforce, state, request=None, seconds_left=plenty_of_time, **options):
    options.setdefault("channel_mapping", FakeChannelMapping())
    recompute = Recompute(salesforce, state, write_back_status=True, **options)
    return recompute.run(request or RecomputeRequest(CAMPAIGN_ID), NOW, seconds_left)


def run_to_end(salesforce, state, request=None, **options) -> list[RecomputeResult]:
    """Wake the run each time it asks (as the handler's held message does) until it is over."""
    results = [run(salesforce, state, request, **options)]
    while not results[-1].finished:
        continuation = RecomputeRequest(CAMPAIGN_ID, run_id=results[-1].run_id)
        results.append(run(salesforce, state, continuation, **options))
    return results


def org_with(count: int) -> FakeSalesforce:
    salesforce = FakeSalesforce()
    salesforce.add(a_campaign(), *(a_member(n) for n in range(1, count + 1)))
    return salesforce


def test_below_the_threshold_statuses_go_in_full_collection_calls_across_chunks():
    salesforce, state = org_with(450), FakeState()

    result = run(salesforce, state, rest_chunk=50, bulk_threshold=1000)

    assert result.finished
    assert result.api_calls["composite_update"] == 3  # 200, 200, then the last 50
    assert "bulk2_create_job" not in result.api_calls
    assert salesforce.member_statuses == {a_member(n).id: CREATED for n in range(1, 451)}


def test_above_the_threshold_statuses_go_in_one_update_job_polled_like_the_touchpoint_jobs():
    salesforce, state = org_with(6), FakeState()
    salesforce.refuse(a_member(3).id, "FIELD_CUSTOM_VALIDATION_EXCEPTION")

    _, walked, collected = run_to_end(salesforce, state, bulk_threshold=4)

    assert walked.api_calls["bulk2_create_job"] == 2  # one upsert job, one status update job
    assert "composite_update" not in collected.totals.api_calls
    assert collected.finished
    assert collected.created == 6
    assert collected.failed == 1  # the refused status, counted as the collections path counts it
    assert state.summaries[CAMPAIGN_ID]["failed"] == 1
    assert salesforce.member_statuses == {a_member(n).id: CREATED for n in range(1, 7) if n != 3}
    assert state.checkpoints == {}
    assert state.write_intents == {}


def test_a_status_job_still_running_is_polled_again_by_a_later_wake_up():
    salesforce, state = org_with(5), FakeState()
    salesforce.polls_before_complete = 1

    results = run_to_end(salesforce, state, bulk_threshold=4)

    still_running = [r for r in results if r.wait_seconds and r.api_calls["bulk2_poll"] == 2]
    assert still_running  # the upsert and the status job, both polled, one still running
    assert results[-1].finished
    assert len(salesforce.member_statuses) == 5


def test_only_statuses_that_changed_are_written_again():
    salesforce, state = org_with(5), FakeState()
    run_to_end(salesforce, state, bulk_threshold=4)
    salesforce.members[a_member(2).id] = a_member(2, email="not-an-email")
    salesforce.member_statuses.clear()

    again = run_to_end(salesforce, state, bulk_threshold=4)[-1]

    assert salesforce.member_statuses == {a_member(2).id: Reason.NO_EMAIL.value}
    assert again.totals.api_calls["composite_update"] == 1  # one status: below the threshold


def test_a_crash_before_the_statuses_were_sent_is_repaired_by_sending_every_status_again():
    salesforce, state = org_with(5), FakeState()
    run_to_end(salesforce, state, bulk_threshold=4)
    salesforce.member_statuses.clear()  # as if the run died after saving its states
    state.mark_write_intent(CAMPAIGN_ID, "crashed-run", NOW)

    repaired = run_to_end(salesforce, state, bulk_threshold=4)[-1]

    assert repaired.state_repair == UNCONFIRMED_WRITES
    assert salesforce.member_statuses == {a_member(n).id: CREATED for n in range(1, 6)}
    assert state.write_intents == {}


def test_a_run_that_dies_after_submitting_its_status_job_loses_no_status():
    """The jobs are relied on only once the checkpoint naming them is saved: an invocation that
    dies before that leaves its write intent, and the redelivered request repairs from it."""
    salesforce, state = org_with(5), FakeState()
    first = run(salesforce, state, bulk_threshold=4)  # the member query is submitted
    continuation = RecomputeRequest(CAMPAIGN_ID, run_id=first.run_id)
    saves = state.save_checkpoint

    def dies(*_args, **_kwargs):
        raise RuntimeError("the function died")

    state.save_checkpoint = dies  # the jobs are submitted, the checkpoint is never saved
    with pytest.raises(RuntimeError):
        run(salesforce, state, continuation, bulk_threshold=4)
    state.save_checkpoint = saves
    assert salesforce.calls["bulk2_create_job"] == 3  # the query, the upserts, the statuses
    assert salesforce.member_statuses == {}  # the orphaned jobs are never polled here

    done = run_to_end(salesforce, state, continuation, bulk_threshold=4)[-1]

    assert done.state_repair == UNCONFIRMED_WRITES
    assert salesforce.member_statuses == {a_member(n).id: CREATED for n in range(1, 6)}
    assert (state.checkpoints, state.write_intents) == ({}, {})


def test_a_status_is_written_back_when_it_changed_or_a_rewrite_asks_for_it():
    stored = {"m1": StoredMember("m1", CREATED), "m2": StoredMember("m2", CREATED)}
    changed = [StoredMember("m2", "No Email"), StoredMember("m3", CREATED)]

    assert written_back(stored, changed) == {"m2": "No Email", "m3": CREATED}
    assert written_back(stored, changed, ["m1", "m2", "m3"]) == {
        "m1": CREATED,
        "m2": "No Email",
        "m3": CREATED,
    }


def test_gathered_statuses_below_the_threshold_send_only_full_calls_until_the_end():
    salesforce = FakeSalesforce()
    gathered = GatheredStatuses(salesforce, bulk_threshold=1000)
    gathered.add({f"m{n:03d}": CREATED for n in range(250)})

    assert gathered.flush(whole_calls_only=True) == (0, [])
    assert len(salesforce.member_statuses) == 200
    assert gathered.flush() == (0, [])
    assert len(salesforce.member_statuses) == 250
    assert salesforce.calls["composite_update"] == 2


def test_gathered_statuses_at_the_threshold_are_staged_and_go_as_one_update_job():
    salesforce = FakeSalesforce()
    gathered = GatheredStatuses(salesforce, bulk_threshold=300)
    gathered.add({f"m{n:03d}": CREATED for n in range(200)})
    gathered.add({f"m{n:03d}": CREATED for n in range(200, 400)})

    assert gathered.flush(whole_calls_only=True) == (0, [])  # staged rows wait for the end
    refused, [job] = gathered.flush()

    assert (refused, job.sobject, job.operation) == (0, "CampaignMember", "update")
    assert "composite_update" not in salesforce.calls
