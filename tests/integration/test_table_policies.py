"""Least privilege on the shared table: every function holds keys of its own prefixes only
(`dynamodb:LeadingKeys`), and the prefixes its policy names are the ones its code uses.

The World holds each function's DynamoDB calls to its template policy (emulators/iam_policies.py,
tests/emulator/test_iam_policies.py): every integration test is a check that the code stays
within it. Here every function is driven through its handler, the partition keys its code
builds are recorded, and each policy is compared with them both ways: nothing used outside it,
nothing in it unused. The key builders of the stores say what must stay out of reach."""

from __future__ import annotations

import json
from collections import defaultdict

import pytest

from emulators.iam_policies import CALLER, TableGrant, requested_keys, table_grants
from emulators.template_stack import load_template
from emulators.world import event, lambda_context
from tests.integration import program_sync_seeds as marketo
from tests.integration.seeds import a_campaign, campaign_notification, members
from tests.integration.test_bulk_date_update import GOOD, apply, get_job, undo
from tests.integration.test_channel_mapping import default_rows, put_mapping, with_row
from tests.integration.test_sync_status import sync_status
from touchpoints.adapters import (
    channel_mapping_store,
    enqueue_once,
    job_store,
    notification_log,
    program_links,
    state_store,
)

GRANTS = table_grants(load_template())
RESTRICTED = [
    "TouchpointRecomputeFunction",
    "BulkDateApiFunction",
    "BulkDateJobFunction",
    "ProgramSyncFunction",
    "ProgramSyncApiFunction",
    "SyncStatusFunction",
]
CAMPAIGN = "7015g00000AbCdEAAV"


def reaches(function: str, key: str) -> bool:
    """The function's policy lets some action name an item under this partition key."""
    return any(grant.leading_keys is None or grant.matches(key) for grant in GRANTS[function])


@pytest.mark.parametrize("function", sorted(GRANTS))
def test_no_function_holds_the_whole_table(function):
    assert GRANTS[function]
    assert all(grant.leading_keys for grant in GRANTS[function]), GRANTS[function]


BULK_DATE = {"BulkDateApiFunction", "BulkDateJobFunction"}
PROGRAM_SYNC = {"ProgramSyncFunction", "ProgramSyncApiFunction"}
# Partition keys as the stores build them, and the functions that own them.
OWNERS = {
    state_store._campaign_pk(CAMPAIGN): {"TouchpointRecomputeFunction", "SyncStatusFunction"},
    state_store._CONFIG: {"ReconciliationSweepFunction"},
    channel_mapping_store._PK: {"TouchpointRecomputeFunction", "ChannelMappingFunction"},
    channel_mapping_store._AUDIT_PK: {"ChannelMappingFunction"},
    job_store._job_pk("3f0c9a4e-0000-4000-8000-000000000000"): BULK_DATE,
    job_store._IDEMPOTENCY_PK: BULK_DATE,
    f"AUDIT#{CAMPAIGN}": BULK_DATE,  # a finished job's audit entry (JobStore.save_audit)
    program_links._LINKS: PROGRAM_SYNC,
    program_links._sync_pk(1001): PROGRAM_SYNC,  # people's emails and conflicts
    enqueue_once.PK: {"CampaignWebhookFunction"},
    notification_log._pk(CAMPAIGN): {"CampaignWebhookFunction"},
}


@pytest.mark.parametrize("key", sorted(OWNERS))
def test_the_keys_the_stores_build_are_reached_by_their_owners_only(key):
    assert {function for function in GRANTS if reaches(function, key)} == OWNERS[key]


@pytest.fixture
def used_keys(world):
    """The partition keys each function's DynamoDB calls name, as they happen."""
    used: dict[str, set[str]] = defaultdict(set)

    def record(model, params, **_):
        caller = CALLER.get()
        if caller is not None:
            for _action, keys in requested_keys(model.name, json.loads(params["body"])):
                used[caller].update(keys)

    world.session.events.register("before-call.dynamodb", record)
    return used


def drive_every_function(world) -> None:
    org = world.org
    campaign_id = a_campaign(org)
    members(org, campaign_id, 3)
    assert (
        world.deliver(world.message(campaign_notification(org, campaign_id)))["statusCode"] == 200
    )
    world.drain_queue()
    assert sync_status(world, campaign_id)["statusCode"] == 200
    assert put_mapping(world, with_row(default_rows(), "Conference", "Events"), "0")[0] == 200
    world.drain_queue()
    status, job = apply(world, campaign_id, GOOD)
    assert status == 201
    assert get_job(world, job["job_id"])[0] == 200
    assert undo(world, job["job_id"])[0] in (200, 201)
    world.drain_queue()
    assert world.sweep.lambda_handler(event("schedule-sweep.json"), lambda_context("sweep"))
    program_id, linked_campaign = marketo.a_program(world), marketo.a_campaign(world)
    marketo.sf_member(world, linked_campaign, "ann@example.com", "Registered")
    marketo.mkto_member(world, program_id, "bob@example.com", "Registered")
    assert marketo.link(world, program_id, linked_campaign)[0] == 201
    marketo.sync(world, program_id)
    assert marketo.scheduled_run(world)["failed"] == []


def test_each_policy_allows_exactly_the_key_prefixes_its_code_uses(world, used_keys):
    drive_every_function(world)

    for function in RESTRICTED:
        if function == "BulkDateJobFunction":  # the API's continuations: the same items
            assert GRANTS[function] == GRANTS["BulkDateApiFunction"]
            continue
        keys = used_keys[function]
        assert keys, f"{function} was not driven"
        [grant] = GRANTS[function]
        assert all(grant.matches(key) for key in keys)  # (the World refused anything else)
        for pattern in grant.leading_keys or ():
            narrowed = TableGrant(grant.actions, (pattern,), grant.like)
            assert any(narrowed.matches(key) for key in keys), f"{function}: {pattern} unused"
