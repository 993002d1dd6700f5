"""The World's table refuses what DynamoDB refuses, by the limits of "Constraints in Amazon
DynamoDB" (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Constraints.html):
a partition key value of at most 2048 bytes, a sort key value of at most 1024 bytes, an item of
at most 400 KB counting attribute names and values. moto checks the item size and the keys of
items it writes; emulators/dynamodb_limits.py checks keys that calls only name."""

import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from emulators.world import World

LONGEST_SORT_KEY = "S" * 1024


@pytest.fixture
def table():
    with mock_aws():
        world = World.create()
        yield world.session.resource("dynamodb").Table(world.table_name)


def refused(call) -> str:
    with pytest.raises(ClientError) as caught:
        call()
    assert caught.value.response["Error"]["Code"] == "ValidationException"
    return caught.value.response["Error"]["Message"]


def test_an_item_over_400_kb_is_refused(table):
    message = refused(lambda: table.put_item(Item={"PK": "a", "SK": "b", "v": "x" * 410_000}))
    assert "Item size has exceeded the maximum allowed size" in message
    with table.batch_writer() as batch:  # just under the limit is taken
        batch.put_item(Item={"PK": "a", "SK": "c", "v": "x" * 399_000})


@pytest.mark.parametrize(
    "call",
    [
        lambda t, key: t.get_item(Key=key),
        lambda t, key: t.delete_item(Key=key),
        lambda t, key: t.update_item(
            Key=key, UpdateExpression="SET v = :v", ExpressionAttributeValues={":v": 1}
        ),
        lambda t, key: t.query(
            KeyConditionExpression="PK = :p",
            ExpressionAttributeValues={":p": key["PK"]},
            ExclusiveStartKey=key,
        ),
        lambda t, key: t.scan(ExclusiveStartKey=key),
        lambda t, key: t.meta.client.batch_get_item(RequestItems={t.name: {"Keys": [key]}}),
        lambda t, key: t.meta.client.transact_write_items(
            TransactItems=[{"Delete": {"TableName": t.name, "Key": key}}]
        ),
    ],
    ids=[
        "GetItem",
        "DeleteItem",
        "UpdateItem",
        "Query",
        "Scan",
        "BatchGetItem",
        "TransactWriteItems",
    ],
)
def test_a_key_over_the_limits_is_refused_wherever_a_call_names_it(table, call):
    assert "1024 bytes" in refused(lambda: call(table, {"PK": "a", "SK": LONGEST_SORT_KEY + "S"}))
    assert "2048 bytes" in refused(lambda: call(table, {"PK": "P" * 2049, "SK": "b"}))
    call(table, {"PK": "P" * 2048, "SK": LONGEST_SORT_KEY})  # at the limits: taken


def test_the_limits_count_utf8_bytes_not_characters(table):
    assert "1024 bytes" in refused(lambda: table.get_item(Key={"PK": "a", "SK": "é" * 513}))
    table.get_item(Key={"PK": "a", "SK": "é" * 512})
