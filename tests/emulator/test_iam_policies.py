"""The World holds each function to the table policy template.yaml gives it, as IAM would: the
action, and the partition key of every item a call names against `dynamodb:LeadingKeys`
("Using IAM policy conditions for fine-grained access control",
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/specifying-conditions.html);
a transaction's parts are authorized as their single-item actions ("Actions, resources, and
condition keys for Amazon DynamoDB",
https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazondynamodb.html)."""

import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from emulators.iam_policies import CALLER
from emulators.world import World


@pytest.fixture
def table():
    with mock_aws():
        world = World.create()
        yield world.session.resource("dynamodb").Table(world.table_name)


def as_function(logical_id, call):
    token = CALLER.set(logical_id)
    try:
        return call()
    finally:
        CALLER.reset(token)


def denied(logical_id, call) -> None:
    with pytest.raises(ClientError) as caught:
        as_function(logical_id, call)
    assert caught.value.response["Error"]["Code"] == "AccessDeniedException"


def test_a_read_only_function_may_not_write_even_its_own_items(table):
    as_function("SyncStatusFunction", lambda: table.get_item(Key={"PK": "CAMPAIGN#1", "SK": "S"}))
    denied("SyncStatusFunction", lambda: table.put_item(Item={"PK": "CAMPAIGN#1", "SK": "S"}))


def test_a_key_outside_the_leading_keys_is_refused_for_every_way_of_naming_it(table):
    other = {"PK": "PROGRAM_SYNC#1", "SK": "PERSON#ann@example.com"}
    recompute = "TouchpointRecomputeFunction"
    denied(recompute, lambda: table.get_item(Key=other))
    denied(
        recompute,
        lambda: table.query(
            KeyConditionExpression="PK = :p", ExpressionAttributeValues={":p": other["PK"]}
        ),
    )
    denied(
        recompute,
        lambda: table.meta.client.batch_get_item(
            RequestItems={table.name: {"Keys": [{"PK": "CAMPAIGN#1", "SK": "S"}, other]}}
        ),
    )
    denied(
        recompute,
        lambda: table.meta.client.transact_write_items(
            TransactItems=[{"Put": {"TableName": table.name, "Item": other}}]
        ),
    )
    as_function(recompute, lambda: table.put_item(Item={"PK": "CAMPAIGN#1", "SK": "S"}))


def test_an_action_the_policy_does_not_list_is_refused(table):
    denied("TouchpointRecomputeFunction", lambda: table.scan())
    denied(
        "ReconciliationSweepFunction", lambda: table.delete_item(Key={"PK": "CONFIG", "SK": "X"})
    )


def test_string_equals_matches_whole_values_and_string_like_its_wildcards(table):
    denied(
        "ChannelMappingFunction", lambda: table.get_item(Key={"PK": "CHANNEL_MAPPING#x", "SK": "S"})
    )
    audit = {"PK": "AUDIT#7015g00000AbCdEAAV", "SK": "S"}
    as_function("BulkDateApiFunction", lambda: table.get_item(Key=audit))
    denied(
        "BulkDateApiFunction",
        lambda: table.get_item(Key={"PK": "AUDIT#CHANNEL_MAPPING", "SK": "S"}),
    )


def test_calls_outside_a_handler_are_not_restricted(table):
    table.put_item(Item={"PK": "ANYTHING", "SK": "S"})
    assert table.scan()["Count"] == 1
