"""The look-ahead budget metrics (issue 21), through the scheduled functions as deployed: the sweep
samples Salesforce's Limits resource before it spends anything, the program sync Marketo's daily
usage after its run; a budget that cannot be read is said in a warning and never fails the run."""

from __future__ import annotations

import pytest

from emulators.world import event, lambda_context
from tests.integration.program_sync_seeds import (
    a_campaign as a_linked_campaign,
)
from tests.integration.program_sync_seeds import (
    a_program,
    link,
    mkto_member,
    scheduled_run,
    sf_member,
)
from tests.integration.test_webhook_hardening import metrics


def sweep(world):
    return world.sweep.lambda_handler(event("schedule-sweep.json"), lambda_context("sweep"))


def test_the_sweep_publishes_what_is_left_of_the_orgs_daily_api_budget(world, capsys):
    world.org.daily_limit = 1000
    used_before = world.org.total_calls

    sweep(world)

    published = metrics(capsys)
    remaining = 1000 - used_before - 1  # what the Limits resource said, its own call counted
    assert published["SalesforceApiRequestsRemaining"] == remaining
    assert published["SalesforceApiRequestsRemainingPercent"] == pytest.approx(remaining / 10)
    assert world.org.calls["limits"] == 1


def test_a_spent_budget_is_published_as_nothing_left(world, capsys):
    world.org.inject_fault("REQUEST_LIMIT_EXCEEDED", kinds=["limits"])

    sweep(world)

    published = metrics(capsys)
    assert published["SalesforceApiRequestsRemaining"] == 0
    assert published["SalesforceApiRequestsRemainingPercent"] == 0


def test_a_budget_salesforce_will_not_show_is_a_warning_and_the_sweep_goes_on(world, capsys):
    world.org.inject_fault("SERVER_ERROR", count=10, kinds=["limits"])

    reply = sweep(world)

    assert "enqueued" in reply
    published = metrics(capsys)
    assert "SalesforceApiRequestsRemaining" not in published
    assert "SweepCampaignsEnqueued" in published


def test_the_program_sync_publishes_marketos_calls_today(world, capsys):
    world.org.require_fields("Lead", "LastName", "Company")
    program_id, campaign_id = a_program(world), a_linked_campaign(world)
    sf_member(world, campaign_id, "ann@example.com", "Registered")
    mkto_member(world, program_id, "ann@example.com", "Registered")
    assert link(world, program_id, campaign_id)[0] == 201
    capsys.readouterr()

    scheduled_run(world)

    calls = world.mkto.total_calls - world.mkto.calls["token"]
    assert metrics(capsys)["MarketoApiCallsToday"] == calls
    assert world.mkto.calls["usage"] == 1
