"""TouchpointRecomputeFunction through its handler: moto for AWS, the emulator for Salesforce."""

import json

import pytest
from botocore.validate import ParamValidationDecorator
from moto import mock_aws

from emulators.api_gateway import admin_request
from emulators.world import World, event, lambda_context, sqs_event
from tests.integration.contexts import short_on_time
from tests.integration.seeds import a_campaign, a_lead, members
from touchpoints.rules.keys import touchpoint_key


def recompute(world, campaign_id, context=None, **message):
    """Deliver one recompute request the way the SQS event source does."""
    body = json.dumps({"campaign_id": campaign_id, "cause": "test", **message})
    sqs_event = event("sqs-recompute.json")
    sqs_event["Records"][0]["body"] = body
    sqs_event["Records"][0]["attributes"]["MessageGroupId"] = campaign_id
    return world.deliver_recompute(sqs_event, context)


def sync_status(world, campaign_id, **params):
    request = admin_request("GET", f"/campaigns/{campaign_id}/sync-status", query=params)
    reply = world.sync_status.lambda_handler(request, lambda_context())
    return reply["statusCode"], json.loads(reply["body"])


def touchpoints_by_member(world):
    return {tp["Campaign_Member_Id__c"]: tp for tp in world.touchpoints()}


def test_a_recompute_with_nothing_changed_makes_no_salesforce_or_state_writes(world):
    campaign_id = a_campaign(world.org)
    members(world.org, campaign_id, 30)
    recompute(world, campaign_id)
    writes_before = world.org.write_calls

    assert recompute(world, campaign_id) == {"batchItemFailures": []}

    assert world.org.write_calls == writes_before
    _, status = sync_status(world, campaign_id)
    assert status["state_writes"] == 0
    assert status["created"] == status["updated"] == status["deleted"] == 0
    assert status["statuses"] == {"Touchpoint Created": 30}


def test_every_outcome_reason_comes_from_a_member_built_for_it(world):
    org = world.org
    campaign_id = a_campaign(
        org, "Include Responded Campaign Members", Touchpoint_End_Date__c="2026-02-28"
    )
    [good] = members(org, campaign_id, 1, status="Attended")
    no_email = org.insert(
        "CampaignMember",
        {"CampaignId": campaign_id, "LeadId": a_lead(org, 90, email=None), "Status": "Attended"},
    )
    [registered] = members(org, campaign_id, 1, status="Registered", start=91)
    [late] = members(
        org,
        campaign_id,
        1,
        status="Attended",
        start=92,
        Buyer_Touchpoint_Date__c="2026-03-15T00:00:00.000Z",
    )
    recompute(world, campaign_id)

    org.update_record(
        "CampaignMember", good, {"Buyer_Touchpoint_Date__c": "2026-01-15T09:00:00.000Z"}
    )
    recompute(world, campaign_id)
    _, status = sync_status(world, campaign_id)
    by_member = {m["member_id"]: m["status"] for m in status["members"]}
    assert by_member == {
        good: "Touchpoint Updated",
        no_email: "No Touchpoint: no email",
        registered: "No Touchpoint: not responded",
        late: "No Touchpoint: outside window",
    }

    org.update_record(
        "Campaign", campaign_id, {"Enable_Buyer_Touchpoints__c": "Exclude All Campaign Members"}
    )
    recompute(world, campaign_id)
    _, status = sync_status(world, campaign_id)
    assert status["statuses"] == {"No Touchpoint: campaign excluded": 4}

    org.update_record("Campaign", campaign_id, {"Enable_Buyer_Touchpoints__c": None})
    recompute(world, campaign_id)
    _, status = sync_status(world, campaign_id)
    assert status["statuses"] == {"No Touchpoint: campaign not synced": 4}


def test_a_record_that_keeps_failing_is_reported_with_its_error_and_retried_next_run(world):
    campaign_id = a_campaign(world.org)
    member_ids = members(world.org, campaign_id, 3)
    world.org.inject_fault("UNABLE_TO_LOCK_ROW", count=10, records=1)

    recompute(world, campaign_id)
    _, status = sync_status(world, campaign_id)
    assert status["statuses"] == {"Touchpoint Created": 2, "Error: UNABLE_TO_LOCK_ROW": 1}

    world.org.clear_faults()
    recompute(world, campaign_id)
    assert sorted(touchpoints_by_member(world)) == sorted(member_ids)
    _, status = sync_status(world, campaign_id)
    assert status["statuses"] == {"Touchpoint Created": 3}


def test_a_locked_row_is_retried_within_the_run(world):
    campaign_id = a_campaign(world.org)
    members(world.org, campaign_id, 5)
    world.org.inject_fault("UNABLE_TO_LOCK_ROW", count=1, records=2)
    recompute(world, campaign_id)
    assert len(world.touchpoints()) == 5
    _, status = sync_status(world, campaign_id)
    assert status["statuses"] == {"Touchpoint Created": 5}


@pytest.mark.parametrize("fault", ["SERVER_ERROR", "CONNECTION_ERROR"])
def test_transient_failures_are_retried_with_backoff_inside_the_run(world, fault):
    campaign_id = a_campaign(world.org)
    members(world.org, campaign_id, 4)
    world.org.inject_fault(fault, count=2)
    assert recompute(world, campaign_id) == {"batchItemFailures": []}
    assert len(world.touchpoints()) == 4


@pytest.mark.handler_errors_expected
def test_the_request_limit_postpones_the_message_and_the_retry_converges(world):
    campaign_id = a_campaign(world.org)
    members(world.org, campaign_id, 250)  # two upsert calls: the limit hits the second
    world.recompute.deps.queue.enqueue(campaign_id, "test", "limit")
    world.org.inject_fault("REQUEST_LIMIT_EXCEEDED", count=1, kinds=["composite_upsert"])
    sqs = world.session.client("sqs")
    [message] = sqs.receive_message(QueueUrl=world.queue_url, AttributeNames=["All"])["Messages"]

    reply = world.recompute.lambda_handler(sqs_event([message]), lambda_context())

    assert reply == {"batchItemFailures": [{"itemIdentifier": message["MessageId"]}]}
    assert sqs.receive_message(QueueUrl=world.queue_url).get("Messages") is None  # backing off
    assert world.queue_depth() == 1  # still queued, not lost
    table = world.session.resource("dynamodb").Table(world.table_name)
    summary = table.get_item(Key={"PK": f"CAMPAIGN#{campaign_id}", "SK": "SUMMARY"})
    assert "Item" not in summary  # nothing recorded as done

    sqs.change_message_visibility(  # the backoff has passed
        QueueUrl=world.queue_url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
    )
    world.drain_queue()
    assert len(world.touchpoints()) == 250
    assert len({tp["Touchpoint_Key__c"] for tp in world.touchpoints()}) == 250


@pytest.mark.handler_errors_expected
def test_a_lost_response_mid_run_converges_without_duplicates(world, handler_failures):
    campaign_id = a_campaign(world.org)
    members(world.org, campaign_id, 10)
    # Salesforce applies the upsert but the answer never arrives, three times: the run fails
    world.org.inject_fault(
        "CONNECTION_ERROR", count=3, kinds=["composite_upsert"], lost_response=True
    )
    assert len(recompute(world, campaign_id)["batchItemFailures"]) == 1
    assert len(world.touchpoints()) == 10  # written, but not recorded as ours yet
    handed_back, logged = sorted(handler_failures)
    assert logged.startswith("offline-touchpoints logged ERROR: recompute failed")
    assert handed_back.startswith("TouchpointRecomputeFunction handed back batch items")

    recompute(world, campaign_id)
    assert len(world.touchpoints()) == 10
    _, status = sync_status(world, campaign_id)
    assert status["statuses"] == {"Touchpoint Created": 10}


def test_members_removed_from_the_campaign_lose_their_touchpoints(world):
    campaign_id = a_campaign(world.org)
    member_ids = members(world.org, campaign_id, 6)
    recompute(world, campaign_id)
    for member_id in member_ids[:2]:
        world.org.delete_record("CampaignMember", member_id)
    recompute(world, campaign_id)
    assert sorted(touchpoints_by_member(world)) == sorted(member_ids[2:])


def test_five_thousand_members_are_all_read_across_small_query_pages():
    with mock_aws():
        world = World.create(page_size=200, bulk_api_threshold=10_000)
        campaign_id = a_campaign(world.org)
        members(world.org, campaign_id, 5000)
        world.org.calls.clear()
        recompute(world, campaign_id)
        assert len(world.touchpoints()) == 5000
        # 3 chunks of up to 2,000 members, each a query and its 200-record pages
        # campaign, any touchpoints yet (a first run), count, one query per chunk
        assert world.org.calls["query"] == 1 + 1 + 1 + 3
        assert world.org.calls["query_more"] == 5000 // 200 - 3
        assert world.org.calls["composite_upsert"] == 5000 // 200


def seed_mixed_campaign(world):
    org = world.org
    campaign_id = a_campaign(org, "Include Responded Campaign Members")
    members(org, campaign_id, 40, status="Attended")
    members(org, campaign_id, 10, status="Registered", start=100)
    members(
        org,
        campaign_id,
        5,
        status="Attended",
        start=200,
        Buyer_Touchpoint_Date__c="2026-01-15T09:00:00.000Z",
    )
    return campaign_id


def comparable(world):
    ignore = {
        "Id",
        "CreatedDate",
        "LastModifiedDate",
        "SystemModstamp",
        "attributes",
        "IsDeleted",
        "Name",
    }
    rows = [{k: v for k, v in tp.items() if k not in ignore} for tp in world.touchpoints()]
    return sorted(rows, key=lambda row: row["Touchpoint_Key__c"])


def test_the_bulk_path_and_the_rest_path_make_the_same_touchpoints():
    results = {}
    for threshold, path in ((10_000, "rest"), (20, "bulk")):
        with mock_aws():
            world = World.create(bulk_api_threshold=threshold)
            campaign_id = seed_mixed_campaign(world)
            world.org.calls.clear()
            recompute(world, campaign_id)
            _, status = sync_status(world, campaign_id)
            assert status["read_path"] == path
            uses_bulk = any(kind.startswith("bulk2") for kind in world.org.calls)
            assert uses_bulk is (path == "bulk")
            results[path] = comparable(world)
    assert len(results["rest"]) == 45
    assert results["rest"] == results["bulk"]


def test_a_long_run_hands_over_to_a_continuation_and_finishes():
    with mock_aws():
        world = World.create(bulk_api_threshold=100_000)
        campaign_id = a_campaign(world.org)
        members(world.org, campaign_id, 4100)
        recompute(world, campaign_id, context=short_on_time(world.org))
        assert len(world.touchpoints()) == 2000  # one chunk, then a continuation was queued
        assert world.queue_depth() == 1

        world.drain_queue()
        assert len(world.touchpoints()) == 4100
        _, status = sync_status(world, campaign_id)
        assert status["statuses"] == {"Touchpoint Created": 4100}


def test_reconciliation_repairs_hand_edits_hand_deletions_and_strays(world):
    org = world.org
    campaign_id = a_campaign(org)
    member_ids = members(org, campaign_id, 5)
    recompute(world, campaign_id)
    by_member = touchpoints_by_member(world)
    org.delete_record("Buyer_Touchpoint__c", by_member[member_ids[0]]["Id"])
    org.update_record(
        "Buyer_Touchpoint__c",
        by_member[member_ids[1]]["Id"],
        {"Touchpoint_Date__c": "2020-01-01T00:00:00.000Z"},
    )
    stray = org.insert(
        "Buyer_Touchpoint__c",
        {
            "Touchpoint_Key__c": touchpoint_key("00v000000000999AAA"),
            "Campaign__c": campaign_id,
            "Email__c": "x@y.com",
        },
    )

    recompute(world, campaign_id)  # an ordinary run trusts its records: nothing to repair
    assert org.get("Buyer_Touchpoint__c", stray) is not None

    recompute(world, campaign_id, full=True)
    repaired = touchpoints_by_member(world)
    assert sorted(repaired) == sorted(member_ids)
    assert (
        repaired[member_ids[1]]["Touchpoint_Date__c"]
        == by_member[member_ids[2]]["Touchpoint_Date__c"]
    )
    assert org.get("Buyer_Touchpoint__c", stray) is None


def test_the_sweep_enqueues_changed_campaigns_with_a_daily_full_reconciliation(world):
    org = world.org
    synced = a_campaign(org)
    a_campaign(org, None, Name="Not synced")
    sweep = event("schedule-sweep.json")

    reply = world.sweep.lambda_handler(sweep, lambda_context())
    assert reply == {"enqueued": 1, "full_reconciliation": True, "finished": True}

    world.drain_queue()
    world.now = world.now.replace(hour=world.now.hour + 1)
    org.now = world.now
    [member] = members(org, synced, 1)
    reply = world.sweep.lambda_handler(sweep, lambda_context())
    assert reply == {"enqueued": 1, "full_reconciliation": False, "finished": True}
    world.drain_queue()
    assert member in touchpoints_by_member(world)


def test_sync_status_pages_members_and_refuses_a_bad_limit(world):
    campaign_id = a_campaign(world.org)
    members(world.org, campaign_id, 5)
    recompute(world, campaign_id)
    code, first = sync_status(world, campaign_id, limit="3")
    assert code == 200
    assert len(first["members"]) == 3
    code, second = sync_status(world, campaign_id, limit="3", next=first["next"])
    assert len(second["members"]) == 2
    assert second["next"] is None
    code, refused = sync_status(world, campaign_id, limit="lots")
    assert (code, refused["error"], refused["field"]) == (422, "INVALID_REQUEST", "limit")
    code, refused = sync_status(world, campaign_id, limit="1001")  # a JSON page holds 1000
    assert (code, refused["error"], refused["field"]) == (422, "INVALID_REQUEST", "limit")
    code, body = sync_status(world, "701000000000404AAA")
    assert code == 404
    assert body["error"] == "CAMPAIGN_NOT_RECOMPUTED"


def test_the_sample_sqs_event_is_processed(world):
    reply = world.recompute.lambda_handler(event("sqs-recompute.json"), lambda_context())
    assert reply == {"batchItemFailures": []}


def test_an_expired_session_is_renewed_from_the_secret_and_the_run_completes(world):
    campaign_id = a_campaign(world.org)
    members(world.org, campaign_id, 3)
    recompute(world, campaign_id)  # the function is warm: it holds a session
    members(world.org, campaign_id, 2, start=10)

    world.org.accepted_tokens = {"00D!renewed"}  # the old session expired
    world.session.client("secretsmanager").put_secret_value(
        SecretId="offline-touchpoints/salesforce",
        SecretString=json.dumps(
            {"instance_url": "https://acme.my.salesforce.com", "access_token": "00D!renewed"}
        ),
    )
    assert recompute(world, campaign_id) == {"batchItemFailures": []}
    assert len(world.touchpoints()) == 5


def test_a_fresh_run_supersedes_a_half_done_one():
    with mock_aws():
        world = World.create(bulk_api_threshold=100_000)
        campaign_id = a_campaign(world.org)
        members(world.org, campaign_id, 2100)
        recompute(
            world, campaign_id, context=short_on_time(world.org)
        )  # hands over after one chunk

        recompute(world, campaign_id)  # a new outbound message: a whole fresh run
        calls = world.org.total_calls
        world.drain_queue()  # the old run's continuation finds itself superseded

        assert world.org.total_calls == calls  # it did not read or write anything
        assert len(world.touchpoints()) == 2100


@mock_aws
def test_outcomes_are_written_back_to_members_only_when_they_change():
    world = World.create(parameters={"WriteBackMemberStatus": "true"})
    org = world.org
    campaign_id = a_campaign(org, "Include Responded Campaign Members")
    [attended] = members(org, campaign_id, 1, status="Attended")
    [registered] = members(org, campaign_id, 1, status="Registered", start=2)
    recompute(world, campaign_id)
    assert org.get("CampaignMember", attended)["Touchpoint_Status__c"] == "Touchpoint Created"
    assert (
        org.get("CampaignMember", registered)["Touchpoint_Status__c"]
        == "No Touchpoint: not responded"
    )

    writes = org.write_calls
    recompute(world, campaign_id)
    assert org.write_calls == writes  # nothing changed: nothing written back

    org.update_record("CampaignMember", registered, {"Status": "Attended"})
    recompute(world, campaign_id)
    assert org.get("CampaignMember", registered)["Touchpoint_Status__c"] == "Touchpoint Created"


def test_the_wired_table_client_leaves_parameter_validation_to_dynamodb(world):
    """botocore's client-side validation was 43% of the SDK's CPU in a first run's state saves
    (`make bench`, SDK column); DynamoDB validates every request itself. botocore wraps its
    request serializer in ParamValidationDecorator only when validation is on."""
    client = world.recompute.deps.table.meta.client

    assert not isinstance(client._serializer, ParamValidationDecorator)
