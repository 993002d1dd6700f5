"""The wire-format helpers the state store's hot paths use (adapters/dynamodb.py).

BatchWriteItem takes up to 25 put or delete requests, refuses two of one key, and returns what it
could not write in UnprocessedItems, to be sent again: "we strongly recommend that you use an
exponential backoff algorithm" ("BatchWriteItem", Amazon DynamoDB API Reference,
https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchWriteItem.html). The
requests go through a real boto3 client to the bench's in-process DynamoDB, which keeps those
rules (tests/unit/scripts/test_bench_dynamodb.py)."""

from typing import Any

import boto3
import pytest

from scripts.bench_dynamodb import InProcessDynamoDB
from touchpoints.adapters import dynamodb
from touchpoints.adapters.dynamodb import (
    BATCH_WRITE_ATTEMPTS,
    TABLE_CLIENT_CONFIG,
    KeyedRequest,
    batch_write,
    wire_key,
)

TABLE = "state"


@pytest.fixture
def endpoint():
    return InProcessDynamoDB(TABLE)


@pytest.fixture
def client(endpoint):
    session = boto3.session.Session(
        region_name="eu-west-1", aws_access_key_id="test", aws_secret_access_key="test"
    )
    client = session.client("dynamodb", config=TABLE_CLIENT_CONFIG)
    endpoint.attach(client)
    return client


def put(sort_key: str, value: str = "v") -> KeyedRequest:
    item = {**wire_key("A", sort_key), "value": {"S": value}}
    return ("A", sort_key), {"PutRequest": {"Item": item}}


def delete(sort_key: str) -> KeyedRequest:
    return ("A", sort_key), {"DeleteRequest": {"Key": wire_key("A", sort_key)}}


def stored(client: Any) -> dict[str, str]:
    reply = client.query(
        TableName=TABLE,
        KeyConditionExpression="PK = :pk",
        ExpressionAttributeValues={":pk": {"S": "A"}},
    )
    return {item["SK"]["S"]: item["value"]["S"] for item in reply["Items"]}


def test_requests_go_25_a_call_and_of_two_for_one_key_the_last_is_written(client, endpoint):
    requests = [put(f"{n:02}") for n in range(59)] + [put("07", "newer")]

    assert batch_write(client, TABLE, requests) == 60

    assert endpoint.calls["BatchWriteItem"] == 3  # 59 keys
    written = stored(client)
    assert len(written) == 59
    assert written["07"] == "newer"


def test_deletes_and_puts_go_together(client):
    batch_write(client, TABLE, [put("a"), put("b")])

    batch_write(client, TABLE, [delete("a"), put("c")])

    assert set(stored(client)) == {"b", "c"}


def test_unprocessed_items_are_resent_after_a_growing_wait(client, endpoint, monkeypatch):
    waits: list[float] = []
    monkeypatch.setattr(dynamodb.time, "sleep", waits.append)
    endpoint.leave_unprocessed(2)

    batch_write(client, TABLE, [put(f"{n:02}") for n in range(26)])

    assert len(stored(client)) == 26
    assert waits == [0.05, 0.1]  # only after calls that left items unprocessed


class EverythingUnprocessed:
    """A DynamoDB under throttling that never lets an item through."""

    def __init__(self) -> None:
        self.calls = 0

    def batch_write_item(self, RequestItems: dict[str, Any]) -> dict[str, Any]:
        self.calls += 1
        return {"UnprocessedItems": RequestItems}


def test_writes_left_unprocessed_call_after_call_end_in_an_error(monkeypatch):
    monkeypatch.setattr(dynamodb.time, "sleep", lambda _: None)
    throttled = EverythingUnprocessed()

    with pytest.raises(RuntimeError, match="unprocessed after retries"):
        batch_write(throttled, TABLE, [put("a")])

    assert throttled.calls == BATCH_WRITE_ATTEMPTS
