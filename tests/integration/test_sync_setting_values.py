"""Sync-setting values through the handlers (sweep -> queue -> recompute -> sync status): Marketo
Measure's wording works by default, the values are configurable with one template parameter, and a
value the product does not know is reported once and finished, never retried into the DLQ."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from moto import mock_aws

from emulators.api_gateway import admin_request
from emulators.world import World, event, lambda_context
from tests.integration.seeds import a_campaign, members
from tests.integration.test_webhook_hardening import log_lines, metrics
from touchpoints.settings import SettingsError, load_settings

__all__ = ["log_lines"]  # a fixture, used by name

MEASURE_RESPONDED = 'Include only "Responded" Campaign Members'


def sweep_and_recompute(world):
    world.now = world.now + timedelta(minutes=15)
    world.org.now = world.now
    world.sweep.lambda_handler(event("schedule-sweep.json"), lambda_context())
    return world.drain_queue()


def sync_status(world, campaign_id):
    request = admin_request("GET", f"/campaigns/{campaign_id}/sync-status")
    reply = world.sync_status.lambda_handler(request, lambda_context())
    return reply["statusCode"], json.loads(reply["body"])


def test_marketo_measure_s_responded_wording_syncs_responded_members_by_default(world):
    campaign = a_campaign(world.org, MEASURE_RESPONDED)
    attended = members(world.org, campaign, 2, status="Attended")
    members(world.org, campaign, 2, status="Registered", start=10)
    sweep_and_recompute(world)
    assert {tp["Campaign_Member_Id__c"] for tp in world.touchpoints()} == set(attended)
    assert sync_status(world, campaign)[1]["sync_mode"] == "Include Responded Campaign Members"


def test_configured_values_replace_the_defaults():
    values = {"include_all": ["Yes"], "include_responded": ["Responders"], "exclude_all": ["No"]}
    with mock_aws():
        world = World.create(parameters={"SyncSettingValues": json.dumps(values)})
        synced = a_campaign(world.org, "Yes")
        [member] = members(world.org, synced, 1)
        sweep_and_recompute(world)
        assert [tp["Campaign_Member_Id__c"] for tp in world.touchpoints()] == [member]


@pytest.mark.parametrize(
    ("document", "complaint"),
    [
        ("[1]", "must be a JSON object"),
        ('{"include_al": ["x"]}', "unknown key 'include_al'"),
        ('{"exclude_all": []}', "exclude_all must be a non-empty list"),
        ('{"exclude_all": ["Include All Campaign Members"]}', "in both include_all and"),
        ('{"include_all": [" padded "]}', "without surrounding spaces"),
    ],
)
def test_bad_sync_setting_values_stop_the_function_at_start(world, document, complaint):
    environment = {**world.recompute.environment, "SYNC_SETTING_VALUES": document}
    with pytest.raises(SettingsError, match=complaint):
        load_settings(environment)


@pytest.mark.handler_errors_expected  # the unknown value's one ERROR line, by design
def test_an_unknown_value_is_reported_once_and_finished(world, log_lines, capsys):
    campaign = a_campaign(world.org, "Include Everyone")
    members(world.org, campaign, 2)
    responses = sweep_and_recompute(world)

    assert all(r["batchItemFailures"] == [] for r in responses)
    assert world.queue_depth() == 0
    assert world.touchpoints() == []
    code, status = sync_status(world, campaign)
    assert code == 200
    assert status["unknown_sync_value"] == "Include Everyone"
    assert "SyncSettingValues" in status["unknown_sync_action"]
    errors = [json.loads(line) for line in log_lines if '"level":"ERROR"' in line]
    assert [e["sync_setting"]["value"] for e in errors] == ["Include Everyone"]
    assert metrics(capsys)["UnknownSyncSettingValue"] == 1

    # the daily pass meets it again: no second ERROR or metric for the same campaign and value
    world.now = world.now + timedelta(days=1)
    sweep_and_recompute(world)
    assert len([line for line in log_lines if '"level":"ERROR"' in line]) == 1
    assert "UnknownSyncSettingValue" not in metrics(capsys)
