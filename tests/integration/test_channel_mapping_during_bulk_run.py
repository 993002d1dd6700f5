"""A channel-mapping change while a campaign's first Bulk run waits on its ingest job: the run
recorded the campaign's Type as it started, so the change enqueues its recompute, which joins the
waiting run and has it run again with the new mapping."""

from __future__ import annotations

import pytest
from moto import mock_aws

from emulators.world import World
from tests.integration.seeds import a_campaign, members
from tests.integration.test_channel_mapping import (
    channels_by_campaign,
    default_rows,
    put_mapping,
    with_row,
)
from tests.integration.test_recompute_bulk_failures import WAITS, deliver_until_empty
from tests.integration.test_recompute_faults import (
    clock,  # noqa: F401 - the fixture, used by name
    deliver_batch,
    request,
)


@pytest.fixture
def world():
    with mock_aws():
        yield World.create(bulk_api_threshold=100)


def test_a_mapping_change_while_the_first_bulk_run_waits_on_its_ingest_job_re_maps_it(
    world,
    clock,  # noqa: F811
):
    org, state = world.org, world.recompute.deps.state
    campaign_id = a_campaign(org, Type="Webinar")
    member_ids = members(org, campaign_id, 150)
    org.bulk.ingest_polls_before_complete = 3  # the upsert job runs a while
    request(world, campaign_id)
    for _ in range(5):  # the query is submitted, read, the walk sends one upsert job
        deliver_batch(world)
        clock(WAITS)
        if (state.load_checkpoint(campaign_id) or {}).get("phase") == "ingest":
            break
    assert state.load_checkpoint(campaign_id)["phase"] == "ingest"
    assert state.load_summary(campaign_id) is None  # the first run has not finished

    status, body = put_mapping(world, with_row(default_rows(), "Webinar", "Online", "Webinar"), "0")

    assert (status, body["recomputes_enqueued"]) == (200, 1)
    deliver_until_empty(world, clock)
    assert channels_by_campaign(world) == {campaign_id: {("Online", "Online.Webinar")}}
    assert len(world.touchpoints()) == len(member_ids)
    assert state.load_checkpoint(campaign_id) is None
