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

from emulators.iam_policies import (
    CALLER,
    TableGrant,
    index_partition_keys,
    requested_keys,
    table_grants,
)
from emulators.template_stack import load_template
from emulators.world import event, lambda_context
from tests.integration import program_sync_seeds as marketo
from tests.integration.seeds import a_campaign, campaign_notification, members
from tests.integration.test_attribution import person_path
from tests.integration.test_audit import audit
from tests.integration.test_bulk_date_update import GOOD, apply, get_job, undo
from tests.integration.test_channel_mapping import default_rows, put_mapping, with_row
from tests.integration.test_sync_status import sync_status
from touchpoints.adapters import (
    audit_log,
    channel_mapping_store,
    enqueue_once,
    job_store,
    notification_log,
    person_paths,
    program_links,
    state_store,
)

GRANTS = table_grants(load_template())
INDEXES = index_partition_keys(load_template())
RESTRICTED = [
    "TouchpointRecomputeFunction",
    "BulkDateApiFunction",
    "BulkDateJobFunction",
    "ProgramSyncFunction",
    "ProgramSyncApiFunction",
    "SyncStatusFunction",
]
CAMPAIGN = "7015g00000AbCdEAAV"


def reaches(function: str, key: str, index: str | None = None) -> bool:
    """The function's policy lets some action name an item under this partition key (of the
    table, or of the named index)."""
    return any(
        grant.index == index and (grant.leading_keys is None or grant.matches(key))
        for grant in GRANTS[function]
    )


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
    channel_mapping_store._AUDIT_PK: {"ChannelMappingFunction", "SyncStatusFunction"},
    job_store._job_pk("3f0c9a4e-0000-4000-8000-000000000000"): BULK_DATE,
    job_store._IDEMPOTENCY_PK: BULK_DATE,
    # a finished job's audit entry (JobStore.save_audit), which GET /audit reads
    f"AUDIT#{CAMPAIGN}": {*BULK_DATE, "SyncStatusFunction"},
    program_links._LINKS: PROGRAM_SYNC,
    program_links._sync_pk(1001): PROGRAM_SYNC,  # people's emails and conflicts
    enqueue_once.PK: {"CampaignWebhookFunction"},
    # a person's attributed path: written by the attribution, read by GET /persons/{id}/path
    person_paths._key("0035g00000AbCdEAAV")["PK"]: {"AttributionFunction", "SyncStatusFunction"},
    notification_log._pk(CAMPAIGN): {"CampaignWebhookFunction"},
}


@pytest.mark.parametrize("key", sorted(OWNERS))
def test_the_keys_the_stores_build_are_reached_by_their_owners_only(key):
    assert {function for function in GRANTS if reaches(function, key)} == OWNERS[key]


def test_only_the_audit_route_reads_the_audit_index():
    readers = {f for f in GRANTS if reaches(f, audit_log.AUDIT_LOG, "AuditIndex")}
    assert readers == {"SyncStatusFunction"}


@pytest.fixture
def used_keys(world):
    """The partition keys each function's DynamoDB calls name, as they happen."""
    used: dict[str, set[str]] = defaultdict(set)

    def record(model, params, **_):
        caller = CALLER.get()
        if caller is not None:
            body = json.loads(params["body"])
            index = body.get("IndexName")  # an index's keys are recorded as "<index>:<key>"
            for _action, keys in requested_keys(model.name, body, INDEXES):
                used[caller].update(f"{index}:{key}" if index else key for key in keys)

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
    assert audit(world)[0] == 200  # the index
    assert audit(world, campaign=campaign_id)[0] == 200  # a campaign's own audit partition
    assert person_path(world, "0035g00000AbCdEAAV")[0] in (200, 404)
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
        assert used_keys[function], f"{function} was not driven"
        for grant in GRANTS[function]:
            # keys of the grant's index are recorded as "<index>:<key>"
            keys = {key for key in used_keys[function] if ":" not in key}
            if grant.index is not None:
                prefix = f"{grant.index}:"
                keys = {k.removeprefix(prefix) for k in used_keys[function] if k.startswith(prefix)}
            assert all(grant.matches(key) for key in keys)  # (the World refused anything else)
            for pattern in grant.leading_keys or ():
                narrowed = TableGrant(grant.actions, (pattern,), grant.like, grant.index)
                assert any(narrowed.matches(key) for key in keys), f"{function}: {pattern} unused"
