"""The channel mapping use case at service level, through in-memory fakes of the store and the
queue; the recompute records what the mapping API lists. Through the handlers, moto and the
emulator: tests/integration/test_channel_mapping.py."""

from datetime import UTC, datetime

import pytest

from tests.builders import CAMPAIGN_ID, a_campaign, a_member
from tests.fakes.channel_mapping import FakeChannelMapping
from tests.fakes.jobs import FakeQueue
from tests.fakes.salesforce import FakeSalesforce
from tests.fakes.state import FakeState
from touchpoints.rules.channels import DEFAULT_MAPPING, MappingEntry, SeenCampaign
from touchpoints.rules.models import SyncMode
from touchpoints.services.channel_mapping import (
    InvalidMappingError,
    MappingVersionConflictError,
    current_mapping,
    replace_mapping,
)
from touchpoints.services.recompute import Recompute, RecomputeRequest

NOW = datetime(2026, 2, 6, 9, 0, tzinfo=UTC)
INCLUDE_ALL = SyncMode.INCLUDE_ALL


def with_webinar_online() -> list[MappingEntry]:
    kept = [e for e in DEFAULT_MAPPING.entries if e.campaign_type != "Webinar"]
    return [*kept, MappingEntry("Webinar", "Online", "Webinar")]


def store_seeing(**campaigns: SeenCampaign) -> FakeChannelMapping:
    store = FakeChannelMapping()
    store.seen.update(campaigns)
    return store


def test_a_change_enqueues_one_recompute_per_campaign_whose_channel_changed():
    store = store_seeing(
        webinar=SeenCampaign("Webinar", INCLUDE_ALL),
        conference=SeenCampaign("Conference", INCLUDE_ALL),
        excluded=SeenCampaign("Webinar", SyncMode.EXCLUDE_ALL),
    )
    queue = FakeQueue()

    change = replace_mapping(store, queue, with_webinar_online(), 0, "admin", NOW)

    assert change.mapping.version == 1
    assert change.changed_types == ["Webinar"]
    assert queue.sent == [{"campaign_id": "webinar", "cause": "channel-mapping"}]
    [audit] = store.audit
    assert audit["changed_by"] == "admin"
    assert audit["recomputes_enqueued"] == 1


def test_a_stale_version_changes_nothing_and_enqueues_nothing():
    store, queue = store_seeing(webinar=SeenCampaign("Webinar", INCLUDE_ALL)), FakeQueue()
    replace_mapping(store, queue, with_webinar_online(), 0, "admin", NOW)
    queue.sent.clear()

    with pytest.raises(MappingVersionConflictError):
        replace_mapping(store, queue, list(DEFAULT_MAPPING.entries), 0, "admin", NOW)

    assert store.mapping.version == 1
    assert queue.sent == []
    assert len(store.audit) == 1


def test_an_invalid_mapping_names_the_field_and_changes_nothing():
    store, queue = store_seeing(webinar=SeenCampaign("Webinar", INCLUDE_ALL)), FakeQueue()
    rows = [MappingEntry("Webinar", "Online"), MappingEntry("Email", "")]

    with pytest.raises(InvalidMappingError) as refused:
        replace_mapping(store, queue, rows, 0, "admin", NOW)

    assert refused.value.field == "mappings[1].channel"
    assert (store.mapping, queue.sent, store.audit) == (DEFAULT_MAPPING, [], [])


def test_the_view_lists_the_types_of_synced_campaigns_without_a_mapping():
    store = store_seeing(
        a=SeenCampaign("Roadshow", INCLUDE_ALL), b=SeenCampaign("Radio", SyncMode.NOT_SYNCED)
    )
    assert current_mapping(store).unmapped_types == ["Roadshow"]


def test_a_recompute_records_its_campaign_type_once_and_reads_the_mapping_once_per_run():
    salesforce, state, store = FakeSalesforce(), FakeState(), FakeChannelMapping()
    salesforce.add(a_campaign(type="Roadshow"), a_member(1))
    recompute = Recompute(salesforce, state, channel_mapping=store, bulk_threshold=2000)

    recompute.run(RecomputeRequest(CAMPAIGN_ID), NOW, lambda: 900.0)
    assert store.seen == {CAMPAIGN_ID: SeenCampaign("Roadshow", INCLUDE_ALL)}
    store.seen.clear()  # a second run with nothing changed records nothing again
    recompute.run(RecomputeRequest(CAMPAIGN_ID), NOW, lambda: 900.0)

    assert store.reads == 2
    assert store.seen == {}
    assert state.summaries[CAMPAIGN_ID]["campaign_type"] == "Roadshow"
