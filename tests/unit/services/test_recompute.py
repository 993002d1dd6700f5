"""The recompute use case at service level, through in-memory fakes of Salesforce and the state:
the diff against stored state, removals, a record still refused, continuation on time, the Bulk
path and state repair. The same rules end to end through the handler, moto and the emulator are in
tests/integration/test_touchpoint_recompute.py and test_recompute_faults.py."""

from datetime import UTC, datetime

from tests.builders import CAMPAIGN_ID, a_campaign, a_member
from tests.fakes.channel_mapping import FakeChannelMapping
from tests.fakes.salesforce import FakeSalesforce
from tests.fakes.state import FakeState
from touchpoints.rules.keys import touchpoint_key
from touchpoints.rules.models import Reason, SyncMode
from touchpoints.services.recompute import (
    CREATED,
    NO_RECORDED_STATE,
    UNCONFIRMED_WRITES,
    UPDATED,
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


def test_a_campaign_at_the_bulk_threshold_is_read_and_written_with_the_bulk_api():
    salesforce, state = org_with(*(a_member(n) for n in range(1, 5))), FakeState()

    result = run(salesforce, state, bulk_threshold=4)

    assert result.bulk
    assert result.created == 4
    assert result.api_calls["bulk_query"] == 1
    assert result.api_calls["bulk_ingest"] == 1
    assert "composite_upsert" not in result.api_calls


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
