"""ChannelMappingFunction through its handler: the mapping is read and replaced over the admin
API, and the recompute function re-maps existing touchpoints on the emulator."""

import json

import pytest

from emulators.api_gateway import ADMIN_ARN, admin_request
from emulators.world import event, lambda_context
from tests.integration.seeds import a_campaign, members
from touchpoints.rules.channels import DEFAULT_MAPPING


def get_mapping(world):
    reply = world.channel_mapping.lambda_handler(
        admin_request("GET", "/channel-mapping"), lambda_context("channel-mapping")
    )
    return reply["statusCode"], json.loads(reply["body"]), reply["multiValueHeaders"]


def put_mapping(world, mappings, if_match="default"):
    headers = {"If-Match": if_match} if if_match is not None else {}
    request = admin_request("PUT", "/channel-mapping", body={"mappings": mappings}, headers=headers)
    reply = world.channel_mapping.lambda_handler(request, lambda_context("channel-mapping"))
    return reply["statusCode"], json.loads(reply["body"])


def default_rows():
    return [
        {"campaign_type": e.campaign_type, "channel": e.channel, "subchannel": e.subchannel}
        for e in DEFAULT_MAPPING.entries
    ]


def with_row(rows, campaign_type, channel, subchannel=None):
    """The rows with `campaign_type` mapped to channel/subchannel (replaced or added)."""
    kept = [r for r in rows if r["campaign_type"] != campaign_type]
    return [*kept, {"campaign_type": campaign_type, "channel": channel, "subchannel": subchannel}]


def synced(world, org_campaigns):
    """Each campaign recomputed once through the queue, as the webhook would have asked."""
    for campaign_id in org_campaigns:
        world.recompute.deps.queue.enqueue(campaign_id, "test", f"seed:{campaign_id}")
    return world.drain_queue()


def channels_by_campaign(world):
    found = {}
    for tp in world.touchpoints():
        found.setdefault(tp["Campaign__c"], set()).add(
            (tp["Marketing_Channel__c"], tp["Marketing_Channel_Path__c"])
        )
    return found


def test_before_any_change_the_built_in_defaults_apply_at_version_0(world):
    status, body, headers = get_mapping(world)

    assert status == 200
    assert body == {"version": 0, "mappings": default_rows(), "unmapped_types": []}
    assert headers["ETag"] == ['"0"']  # what If-Match takes back


def test_a_change_re_maps_the_touchpoints_of_campaigns_whose_channel_changed_only(world):
    org = world.org
    webinar = a_campaign(org, Type="Webinar")
    members(org, webinar, 3)
    conference = a_campaign(org, Type="Conference")
    members(org, conference, 2, start=10)
    excluded_webinar = a_campaign(org, "Exclude All Campaign Members", Type="Webinar")
    members(org, excluded_webinar, 2, start=20)
    synced(world, [webinar, conference, excluded_webinar])
    assert channels_by_campaign(world) == {
        webinar: {("Offline Event", "Offline Event.Webinar")},
        conference: {("Offline Event", "Offline Event.Conference")},
    }
    conference_before = [tp for tp in world.touchpoints() if tp["Campaign__c"] == conference]

    status, body = put_mapping(world, with_row(default_rows(), "Webinar", "Online", "Webinar"), "0")

    assert status == 200
    assert body["version"] == 1
    assert body["changed_types"] == ["Webinar"]
    assert body["recomputes_enqueued"] == 1  # not the conference, not the excluded campaign
    assert world.queue_depth() == 1
    world.drain_queue()
    assert channels_by_campaign(world) == {
        webinar: {("Online", "Online.Webinar")},
        conference: {("Offline Event", "Offline Event.Conference")},
    }
    assert [tp for tp in world.touchpoints() if tp["Campaign__c"] == conference] == (
        conference_before
    )
    _, current, headers = get_mapping(world)
    assert current["version"] == 1
    assert headers["ETag"] == ['"1"']
    assert {"campaign_type": "Webinar", "channel": "Online", "subchannel": "Webinar"} in (
        current["mappings"]
    )


def test_a_change_leaves_an_audit_entry_naming_who_changed_what(world):
    status, _ = put_mapping(world, with_row(default_rows(), "Email", "Email", "Newsletter"), "0")

    assert status == 200
    [entry] = [i for i in world.table_items() if i["PK"] == "AUDIT#CHANNEL_MAPPING"]
    assert entry["changed_by"] == ADMIN_ARN
    assert entry["version"] == 1
    assert entry["previous_version"] == 0
    assert entry["changed_types"] == ["Email"]
    assert entry["recomputes_enqueued"] == 0
    assert {"campaign_type": "Email", "channel": "Email", "subchannel": "Newsletter"} in (
        entry["mappings"]
    )


def test_the_audit_entry_names_the_salesforce_user_a_flow_ran_as(world):
    rows = with_row(default_rows(), "Email", "Email")
    request = admin_request(
        "PUT",
        "/channel-mapping",
        body={"mappings": rows},
        headers={"If-Match": "0", "X-Salesforce-User": "alice@acme.example.com"},
    )
    reply = world.channel_mapping.lambda_handler(request, lambda_context("channel-mapping"))

    assert reply["statusCode"] == 200
    [entry] = [i for i in world.table_items() if i["PK"] == "AUDIT#CHANNEL_MAPPING"]
    assert entry["salesforce_user"] == "alice@acme.example.com"
    assert entry["changed_by"] == ADMIN_ARN


def test_a_flows_call_through_the_named_credential_is_audited_as_its_salesforce_user(world):
    """events/: a PUT as a flow sends it (the role Salesforce assumed, X-Salesforce-User)."""
    reply = world.channel_mapping.lambda_handler(
        event("api-channel-mapping-put-from-salesforce.json"), lambda_context("channel-mapping")
    )

    assert reply["statusCode"] == 200, reply["body"]
    [entry] = [i for i in world.table_items() if i["PK"] == "AUDIT#CHANNEL_MAPPING"]
    assert entry["salesforce_user"] == "marketing.admin@acme.example.com"
    assert ":assumed-role/offline-touchpoints-AdminApiCallerRole-" in entry["changed_by"]
    assert entry["changed_types"] == ["Roadshow"]


def test_a_malformed_salesforce_user_is_refused_and_changes_nothing(world):
    before = world.table_items()
    request = admin_request(
        "PUT",
        "/channel-mapping",
        body={"mappings": default_rows()},
        headers={"If-Match": "0", "X-Salesforce-User": "no at sign"},
    )
    reply = world.channel_mapping.lambda_handler(request, lambda_context("channel-mapping"))

    assert reply["statusCode"] == 422
    assert json.loads(reply["body"])["field"] == "X-Salesforce-User"
    assert world.table_items() == before


def test_a_stale_if_match_is_refused_and_changes_nothing(world):
    campaign_id = a_campaign(world.org, Type="Webinar")
    members(world.org, campaign_id, 2)
    synced(world, [campaign_id])
    assert put_mapping(world, with_row(default_rows(), "Webinar", "Online"), '"0"')[0] == 200
    world.drain_queue()
    items_before = world.table_items()

    status, body = put_mapping(world, with_row(default_rows(), "Webinar", "Video"), '"0"')

    assert status == 409
    assert body["error"] == "MAPPING_VERSION_CONFLICT"
    assert world.table_items() == items_before
    assert world.queue_depth() == 0
    assert {tp["Marketing_Channel__c"] for tp in world.touchpoints()} == {"Online"}
    assert get_mapping(world)[1]["version"] == 1


def test_a_change_without_if_match_or_with_a_malformed_one_is_refused(world):
    status, body = put_mapping(world, default_rows(), None)
    assert (status, body["error"], body["field"]) == (428, "PRECONDITION_REQUIRED", "If-Match")
    status, body = put_mapping(world, default_rows(), "*")
    assert (status, body["error"], body["field"]) == (400, "INVALID_IF_MATCH", "If-Match")
    assert get_mapping(world)[1]["version"] == 0


@pytest.mark.parametrize(
    ("rows", "field"),
    [
        (
            [
                {"campaign_type": "Webinar", "channel": "Online"},
                {"campaign_type": "Conference", "channel": "Offline Event"},
                {"campaign_type": "Tradeshow", "channel": "  "},
            ],
            "mappings[2].channel",
        ),
        (
            [
                {"campaign_type": "Webinar", "channel": "Online"},
                {"campaign_type": "webinar ", "channel": "Offline Event"},
            ],
            "mappings[1].campaign_type",
        ),
        ([{"campaign_type": "Webinar", "channel": "x" * 256}], "mappings[0].channel"),
        ([{"campaign_type": "Webinar"}], "mappings[0].channel"),
        ([{"campaign_type": "Webinar", "channel": 7}], "mappings[0].channel"),
        (
            [{"campaign_type": "Webinar", "channel": "Online", "colour": "red"}],
            "mappings[0].colour",
        ),
    ],
)
def test_a_bad_mapping_is_refused_naming_the_field_and_changes_nothing(world, rows, field):
    campaign_id = a_campaign(world.org, Type="Webinar")
    members(world.org, campaign_id, 2)
    synced(world, [campaign_id])
    items_before = world.table_items()

    status, body = put_mapping(world, rows, "0")

    assert status == 422
    assert body["error"] == "INVALID_MAPPING"
    assert body["field"] == field
    assert world.table_items() == items_before
    assert world.queue_depth() == 0
    assert get_mapping(world)[1]["version"] == 0


def test_a_type_seen_on_a_synced_campaign_without_a_mapping_is_listed_until_mapped(world):
    org = world.org
    roadshow = a_campaign(org, Type="Roadshow")
    members(org, roadshow, 2)
    not_synced = a_campaign(org, None, Type="Podcast")
    synced(world, [roadshow, not_synced])
    assert {tp["Marketing_Channel__c"] for tp in world.touchpoints()} == {"Unmapped"}

    assert get_mapping(world)[1]["unmapped_types"] == ["Roadshow"]

    status, body = put_mapping(world, with_row(default_rows(), "Roadshow", "Field Event"), "0")
    assert (status, body["recomputes_enqueued"]) == (200, 1)
    world.drain_queue()
    assert {tp["Marketing_Channel_Path__c"] for tp in world.touchpoints()} == {"Field Event"}
    assert get_mapping(world)[1]["unmapped_types"] == []


def test_a_recompute_batch_reads_the_mapping_once(world):
    campaign_ids = [a_campaign(world.org, Type="Webinar") for _ in range(3)]
    for number, campaign_id in enumerate(campaign_ids):
        members(world.org, campaign_id, 1, start=number + 1)
    mapping_reads = []

    def count_mapping_reads(params, **_):
        if params["Key"]["PK"] == "CHANNEL_MAPPING":
            mapping_reads.append(params["Key"]["SK"])

    world.recompute.deps.table.meta.client.meta.events.register(
        "provide-client-params.dynamodb.GetItem", count_mapping_reads
    )
    responses = synced(world, campaign_ids)

    assert len(responses) == 1  # one invocation took the three requests
    assert mapping_reads == ["CURRENT"]
    assert len(world.touchpoints()) == 3
