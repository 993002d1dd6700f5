"""DynamoDB's documented size limits on the moto-based tables, where moto does not check them.

"Constraints in Amazon DynamoDB"
(https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Constraints.html): a partition
key value is at most 2048 bytes, a sort key value at most 1024 bytes, and "the maximum item size
in DynamoDB is 400 KB, which includes both attribute name binary length (UTF-8 length) and
attribute value lengths".

moto already refuses an item over the size limit and an over-long key in the calls that write an
item (PutItem, UpdateItem, BatchWriteItem puts, TransactWriteItems puts). It accepts an over-long
key where a key is only named: GetItem, DeleteItem, BatchGetItem, TransactGetItems, the key of a
transaction's Update/Delete/ConditionCheck, a BatchWriteItem delete, and Query's and Scan's
ExclusiveStartKey. DynamoDB refuses those with a ValidationException: so does this hook, before
moto sees the call (a botocore `before-call` handler that answers in DynamoDB's place).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator, Mapping
from typing import Any

import boto3
from botocore.awsrequest import AWSResponse

HASH_KEY_MAX_BYTES = 2048
RANGE_KEY_MAX_BYTES = 1024
HASH_KEY_TOO_LONG = (
    "One or more parameter values were invalid: Size of hashkey has exceeded the maximum size "
    f"limit of {HASH_KEY_MAX_BYTES} bytes"
)
RANGE_KEY_TOO_LONG = (
    "One or more parameter values were invalid: Aggregated size of all range keys has exceeded "
    f"the size limit of {RANGE_KEY_MAX_BYTES} bytes"
)

# table name -> (partition key attribute, sort key attribute or None)
KeySchemas = Mapping[str, tuple[str, str | None]]


def enforce_key_limits(session: boto3.session.Session, schemas: KeySchemas) -> None:
    """Every DynamoDB client the session creates from now on refuses over-long keys."""
    session.events.register(
        "before-call.dynamodb", lambda model, params, **_: _refusal(model.name, params, schemas)
    )


def _refusal(
    operation: str, params: Mapping[str, Any], schemas: KeySchemas
) -> tuple[AWSResponse, dict[str, Any]] | None:
    body = json.loads(params.get("body") or b"{}")
    for table, key in _named_keys(operation, body):
        if table not in schemas:
            continue
        hash_name, range_name = schemas[table]
        if _size(key.get(hash_name)) > HASH_KEY_MAX_BYTES:
            return _validation_error(HASH_KEY_TOO_LONG)
        if range_name and _size(key.get(range_name)) > RANGE_KEY_MAX_BYTES:
            return _validation_error(RANGE_KEY_TOO_LONG)
    return None


def _named_keys(operation: str, body: Mapping[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(table, key) for every key the call names without writing an item."""
    if operation in ("GetItem", "DeleteItem", "UpdateItem"):
        yield body["TableName"], body["Key"]
    elif operation in ("Query", "Scan") and "ExclusiveStartKey" in body:
        yield body["TableName"], body["ExclusiveStartKey"]
    elif operation == "BatchGetItem":
        for table, request in body["RequestItems"].items():
            for key in request["Keys"]:
                yield table, key
    elif operation == "BatchWriteItem":
        for table, requests in body["RequestItems"].items():
            for request in requests:
                if "DeleteRequest" in request:
                    yield table, request["DeleteRequest"]["Key"]
    elif operation in ("TransactGetItems", "TransactWriteItems"):
        for item in body["TransactItems"]:
            for action in item.values():
                if "Key" in action:
                    yield action["TableName"], action["Key"]


def _size(value: Mapping[str, str] | None) -> int:
    """The size DynamoDB counts for a key value: UTF-8 bytes of a string, the bytes of a binary
    (a number key is at most 21 bytes, never near the limits)."""
    if not value:
        return 0
    if "S" in value:
        return len(value["S"].encode("utf-8"))
    if "B" in value:
        return len(base64.b64decode(value["B"]))
    return 0


def _validation_error(message: str) -> tuple[AWSResponse, dict[str, Any]]:
    parsed = {
        "Error": {"Code": "ValidationException", "Message": message},
        "ResponseMetadata": {"HTTPStatusCode": 400, "HTTPHeaders": {}},
    }
    return AWSResponse("https://dynamodb.emulated", 400, {}, None), parsed
