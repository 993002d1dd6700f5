"""The state store writes and reads its members through a low-level client, in DynamoDB's wire
format; the items must stay exactly those boto3's resource Table wrote (and the sync status, the
attribution and the sweep read through it): same attributes, same types, None as NULL in the
touchpoint map, no attribute for an absent member field."""

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import boto3
from boto3.dynamodb.types import TypeSerializer
from hypothesis import given
from hypothesis import strategies as st

from scripts.bench_dynamodb import PAGE_BYTES, InProcessDynamoDB
from touchpoints.adapters.dynamodb import TABLE_CLIENT_CONFIG
from touchpoints.adapters.state_store import StateStore, _member_from_wire, _member_to_wire
from touchpoints.ports.state import StoredMember
from touchpoints.rules.models import Touchpoint

CAMPAIGN = "701000000000001AAA"
PK = f"CAMPAIGN#{CAMPAIGN}"


def the_resource_tables_item(member: StoredMember) -> dict[str, Any]:
    """The item as the store built it for the resource Table before (plain Python values)."""
    item: dict[str, Any] = {
        "PK": PK,
        "SK": f"MEMBER#{member.member_id}",
        "member_id": member.member_id,
        "status": member.status,
    }
    for name in (
        "record_id",
        "person_id",
        "email",
        "previous_status",
        "previous_touchpoint_date",
        "previous_channel",
        "changed_at",
    ):
        if (value := getattr(member, name)) is not None:
            item[name] = value
    if touchpoint := member.touchpoint:
        item["touchpoint"] = {
            "key": touchpoint.key,
            "campaign_id": touchpoint.campaign_id,
            "member_id": touchpoint.member_id,
            "lead_id": touchpoint.lead_id,
            "contact_id": touchpoint.contact_id,
            "email": touchpoint.email,
            "touchpoint_date": touchpoint.touchpoint_date.isoformat(),
            "channel": touchpoint.channel,
            "channel_path": touchpoint.channel_path,
            "medium": touchpoint.medium,
        }
    return item


texts = st.text(max_size=12)
maybe = st.none() | texts
touchpoints = st.builds(
    Touchpoint,
    key=texts,
    campaign_id=texts,
    member_id=texts,
    lead_id=maybe,
    contact_id=maybe,
    email=texts,
    touchpoint_date=st.datetimes(timezones=st.sampled_from([UTC, timezone(timedelta(hours=-5))])),
    channel=texts,
    channel_path=texts,
    medium=maybe,
)
members = st.builds(
    StoredMember,
    member_id=st.text(min_size=1, max_size=18),
    status=texts,
    touchpoint=st.none() | touchpoints,
    record_id=maybe,
    person_id=maybe,
    email=maybe,
    previous_status=maybe,
    previous_touchpoint_date=maybe,
    previous_channel=maybe,
    changed_at=maybe,
)


@given(members)
def test_a_members_wire_item_is_what_the_resource_table_serialized(member):
    serializer = TypeSerializer()
    expected = {
        name: serializer.serialize(value)
        for name, value in the_resource_tables_item(member).items()
    }

    wire = _member_to_wire(PK, f"MEMBER#{member.member_id}", member)

    assert wire == expected
    assert _member_from_wire(wire) == member


def a_member(number: int, **changes: Any) -> StoredMember:
    member_id = f"00v00000000000{number}AAA"
    touchpoint = Touchpoint(
        key=member_id,
        campaign_id=CAMPAIGN,
        member_id=member_id,
        lead_id="00Q000000000001AAA",
        contact_id=None,
        email="p@example.com",
        touchpoint_date=datetime(2026, 2, 5, 16, 30, tzinfo=UTC),
        channel="Event",
        channel_path="Event.Conference",
        medium=None,
    )
    values: dict[str, Any] = {
        "member_id": member_id,
        "status": "created",
        "touchpoint": touchpoint,
        "record_id": "a0B000000000001AAA",
        "person_id": "00Q000000000001AAA",
        "email": "p@example.com",
    }
    return StoredMember(**{**values, **changes})


def test_saved_members_read_back_identical_through_the_resource_table(state_table_and_client):
    table, client = state_table_and_client
    saved = [a_member(1), a_member(2, touchpoint=None, email=None, previous_status="skipped")]

    assert StateStore(table, client).save_members(CAMPAIGN, saved) == 2

    for member in saved:
        key = {"PK": PK, "SK": f"MEMBER#{member.member_id}"}
        assert table.get_item(Key=key)["Item"] == the_resource_tables_item(member)
    members, _ = StateStore(table, client).member_page(CAMPAIGN, 10, None)
    assert members == saved


def test_items_the_resource_table_wrote_load_unchanged(state_table_and_client):
    table, client = state_table_and_client
    written = [a_member(1), a_member(2, touchpoint=None), a_member(3, status="skipped")]
    for member in written:
        table.put_item(Item=the_resource_tables_item(member))
    store = StateStore(table, client)

    assert list(store.load_members_range(CAMPAIGN, "", None).values()) == written
    assert list(store.load_members_range(CAMPAIGN, written[0].member_id, None)) == [
        written[1].member_id,
        written[2].member_id,
    ]
    by_ids = store.load_members_by_ids(CAMPAIGN, [written[2].member_id, "00v000000000009AAA"])
    assert by_ids == {written[2].member_id: written[2]}


def test_forgotten_members_are_gone_and_the_calls_are_counted(state_table_and_client):
    table, client = state_table_and_client
    store = StateStore(table, client)
    store.save_members(CAMPAIGN, [a_member(1), a_member(2)])

    assert store.forget_members(CAMPAIGN, [a_member(1).member_id]) == 1

    assert list(store.load_members_range(CAMPAIGN, "", None)) == [a_member(2).member_id]
    assert store.aws_calls == 3  # one BatchWriteItem each, one Query


def test_a_range_larger_than_a_query_page_is_read_whole_and_strongly_consistent():
    """A Query returns at most 1 MB of items a call, LastEvaluatedKey marking where the next
    starts ("Paginating table query results in DynamoDB", Amazon DynamoDB Developer Guide,
    https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Query.Pagination.html); the
    bench's in-process DynamoDB pages so, behind a real boto3 client."""
    session = boto3.session.Session(
        region_name="eu-west-1", aws_access_key_id="test", aws_secret_access_key="test"
    )
    table = session.resource("dynamodb", config=TABLE_CLIENT_CONFIG).Table("state")
    client = session.client("dynamodb", config=TABLE_CLIENT_CONFIG)
    endpoint = InProcessDynamoDB("state")
    endpoint.attach(table.meta.client)
    endpoint.attach(client)
    queries: list[dict[str, Any]] = []
    client.meta.events.register(
        "before-parameter-build.dynamodb.Query", lambda params, **_: queries.append(params)
    )
    store = StateStore(table, client)
    saved = [a_member(1, member_id=f"00v{number:015}") for number in range(3000)]
    store.save_members(CAMPAIGN, saved)

    loaded = store.load_members_range(CAMPAIGN, "", None)

    assert endpoint.partition_bytes(PK, "MEMBER#") > PAGE_BYTES
    assert list(loaded.values()) == saved
    assert len(queries) == 2
    assert all(query["ConsistentRead"] for query in queries)
