"""The bench's in-process DynamoDB (scripts/bench_dynamodb.py), through a real boto3 table built
as wiring.py builds it: botocore serializes, signs and parses; only the send is answered in-process.

Limits as documented: "Paginating table query results in DynamoDB"
(https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Query.Pagination.html), 1 MB a
Query page; "BatchWriteItem" (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchWriteItem.html),
25 requests, no duplicate keys, UnprocessedItems to be resent; "BatchGetItem"
(https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchGetItem.html), 100 keys;
"DynamoDB item sizes and formats"
(https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html).
"""

from decimal import Decimal

import boto3
import pytest
from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

from scripts.bench_dynamodb import PAGE_BYTES, InProcessDynamoDB, item_size
from touchpoints.adapters.dynamodb import TABLE_CLIENT_CONFIG

TABLE = "bench-state"


@pytest.fixture
def endpoint():
    return InProcessDynamoDB(TABLE)


@pytest.fixture
def table(endpoint):
    session = boto3.session.Session(
        region_name="eu-west-1", aws_access_key_id="bench", aws_secret_access_key="bench"
    )
    table = session.resource("dynamodb", config=TABLE_CLIENT_CONFIG).Table(TABLE)
    endpoint.attach(table.meta.client)
    return table


def refused(call) -> str:
    with pytest.raises(ClientError) as caught:
        call()
    assert caught.value.response["Error"]["Code"] == "ValidationException"
    return caught.value.response["Error"]["Message"]


def test_an_item_put_comes_back_typed_as_the_sdk_parses_it(table, endpoint):
    item = {"PK": "A", "SK": "1", "n": 7, "nested": {"s": "x", "flag": True}, "tags": ["a", "b"]}
    table.put_item(Item=item)

    assert table.get_item(Key={"PK": "A", "SK": "1"}, ConsistentRead=True)["Item"] == {
        **item,
        "n": Decimal(7),
    }
    assert "Item" not in table.get_item(Key={"PK": "A", "SK": "2"})
    table.delete_item(Key={"PK": "A", "SK": "1"})
    assert "Item" not in table.get_item(Key={"PK": "A", "SK": "1"})
    assert endpoint.calls == {"PutItem": 1, "GetItem": 3, "DeleteItem": 1}


def test_a_query_reads_its_key_range_in_order_in_pages_of_1_mb(table):
    filler = "x" * 10_000  # about 100 items to a megabyte
    with table.batch_writer() as batch:
        for number in reversed(range(250)):
            batch.put_item(Item={"PK": "A", "SK": f"MEMBER#{number:03d}", "v": filler})
        batch.put_item(Item={"PK": "A", "SK": "SUMMARY"})
        batch.put_item(Item={"PK": "B", "SK": "MEMBER#000"})

    condition = Key("PK").eq("A") & Key("SK").between("MEMBER#", "MEMBER$")
    pages, start = [], {}
    while True:
        page = table.query(KeyConditionExpression=condition, ConsistentRead=True, **start)
        pages.append(page["Items"])
        if "LastEvaluatedKey" not in page:
            break
        start = {"ExclusiveStartKey": page["LastEvaluatedKey"]}

    keys = [item["SK"] for page in pages for item in page]
    assert keys == [f"MEMBER#{number:03d}" for number in range(250)]
    assert len(pages) == 3
    assert all(sum(item_size(_wire(item)) for item in page[:-1]) < PAGE_BYTES for page in pages)
    assert sum(item_size(_wire(item)) for item in pages[0]) >= PAGE_BYTES


def test_a_query_honours_begins_with_limit_and_descending_order(table):
    for sort_key in ("RUN#1", "RUN#2", "RUN#3", "SUMMARY"):
        table.put_item(Item={"PK": "A", "SK": sort_key})

    newest = table.query(
        KeyConditionExpression=Key("PK").eq("A") & Key("SK").begins_with("RUN#"),
        ScanIndexForward=False,
        Limit=2,
    )
    assert [item["SK"] for item in newest["Items"]] == ["RUN#3", "RUN#2"]
    rest = table.query(
        KeyConditionExpression=Key("PK").eq("A") & Key("SK").begins_with("RUN#"),
        ScanIndexForward=False,
        ExclusiveStartKey=newest["LastEvaluatedKey"],
    )
    assert [item["SK"] for item in rest["Items"]] == ["RUN#1"]


def test_batch_writes_take_25_requests_and_no_key_twice(table):
    client = table.meta.client
    puts = [{"PutRequest": {"Item": {"PK": "A", "SK": str(n)}}} for n in range(26)]

    assert "Too many items" in refused(lambda: client.batch_write_item(RequestItems={TABLE: puts}))
    assert "duplicates" in refused(
        lambda: client.batch_write_item(RequestItems={TABLE: [puts[0], puts[0]]})
    )
    assert client.batch_write_item(RequestItems={TABLE: puts[:25]})["UnprocessedItems"] == {}


def test_unprocessed_items_come_back_and_the_batch_writer_resends_them(table, endpoint):
    endpoint.leave_unprocessed(1)
    reply = table.meta.client.batch_write_item(
        RequestItems={TABLE: [{"PutRequest": {"Item": {"PK": "A", "SK": s}}} for s in "ab"]}
    )
    assert reply["UnprocessedItems"] == {TABLE: [{"PutRequest": {"Item": {"PK": "A", "SK": "b"}}}]}

    endpoint.leave_unprocessed(1)
    with table.batch_writer() as batch:
        for sort_key in "cde":
            batch.put_item(Item={"PK": "A", "SK": sort_key})
    found = table.query(KeyConditionExpression=Key("PK").eq("A"))["Items"]
    assert [item["SK"] for item in found] == ["a", "c", "d", "e"]


def test_batch_gets_take_100_keys_and_project_what_they_name(table):
    client = table.meta.client
    table.put_item(Item={"PK": "A", "SK": "1", "kept": "k", "dropped": "d"})
    keys = [{"PK": "A", "SK": str(n)} for n in range(101)]

    assert "Too many items" in refused(
        lambda: client.batch_get_item(RequestItems={TABLE: {"Keys": keys}})
    )
    reply = client.batch_get_item(
        RequestItems={
            TABLE: {
                "Keys": keys[:100],
                "ProjectionExpression": "#k",
                "ExpressionAttributeNames": {"#k": "kept"},
                "ConsistentRead": True,
            }
        }
    )
    assert reply["Responses"] == {TABLE: [{"kept": "k"}]}
    assert reply["UnprocessedKeys"] == {}


def test_another_table_is_not_found_and_an_unmodelled_operation_fails_loudly(table):
    client = table.meta.client
    with pytest.raises(ClientError) as caught:
        client.get_item(TableName="other", Key={"PK": {"S": "A"}, "SK": {"S": "1"}})
    assert caught.value.response["Error"]["Code"] == "ResourceNotFoundException"
    with pytest.raises(NotImplementedError, match="Scan"):
        table.scan()


def test_item_size_counts_names_and_values_as_dynamodb_does():
    assert item_size({"PK": {"S": "abc"}}) == 2 + 3
    assert item_size({"n": {"N": "12345"}}) == 1 + 3 + 1
    assert item_size({"m": {"M": {"a": {"BOOL": True}}}}) == 1 + 3 + (1 + 1 + 1)


def _wire(item: dict) -> dict:
    return boto3.dynamodb.types.TypeSerializer().serialize(item)["M"]
