"""Small DynamoDB helpers every store shares (boto3's resource API, one table with PK/SK)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from boto3.dynamodb.conditions import Key
from botocore.config import Config
from botocore.exceptions import ClientError

KEY_ATTRIBUTES = ("PK", "SK")
# The table's client skips botocore's client-side parameter validation: it was 43% of the SDK's
# CPU in a first run's state saves (`make bench`, SDK column), and DynamoDB validates every request
# itself (a bad one still fails, with ValidationException).
TABLE_CLIENT_CONFIG = Config(parameter_validation=False)


def plain(value: Any) -> Any:
    """DynamoDB numbers come back as Decimal; callers want ints (or floats)."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def to_dynamo(value: Any) -> Any:
    """Floats are not DynamoDB numbers, Decimal is; None values in a map are left out."""
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, dict):
        return {k: to_dynamo(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [to_dynamo(v) for v in value]
    return value


def item_values(item: dict[str, Any]) -> dict[str, Any]:
    """An item's attributes without its keys, as plain values."""
    return {k: plain(v) for k, v in item.items() if k not in KEY_ATTRIBUTES}


def query_all(table: Any, **kwargs: Any) -> Iterator[dict[str, Any]]:
    """Every item a query matches, following `LastEvaluatedKey` pages lazily."""
    while True:
        page = table.query(**kwargs)
        yield from page["Items"]
        if "LastEvaluatedKey" not in page:
            return
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def is_condition_failure(error: ClientError) -> bool:
    """A conditional write whose condition did not hold (not a failure of DynamoDB itself)."""
    return bool(error.response["Error"]["Code"] == "ConditionalCheckFailedException")


def is_first_condition_failure(error: ClientError) -> bool:
    """A transaction cancelled because its first item's condition did not hold."""
    reasons = [r.get("Code") for r in error.response.get("CancellationReasons", [])]
    return reasons[:1] == ["ConditionalCheckFailed"]


def query_prefix(
    table: Any, pk: str, sk_prefix: str = "", consistent: bool = False
) -> Iterator[dict[str, Any]]:
    """Every item under `pk` whose sort key starts with `sk_prefix` (all of them for "")."""
    condition = Key("PK").eq(pk)
    if sk_prefix:
        condition &= Key("SK").begins_with(sk_prefix)
    return query_all(table, KeyConditionExpression=condition, ConsistentRead=consistent)


# BatchGetItem takes up to 100 keys a call; what it leaves unprocessed is asked again, a few times.
BATCH_GET_KEYS = 100
BATCH_GET_ATTEMPTS = 5


def batch_get(table: Any, keys: list[dict[str, str]], projection: str) -> list[dict[str, Any]]:
    """The items stored under `keys` (strongly consistent), 100 keys a BatchGetItem call; keys
    DynamoDB leaves unprocessed are asked again with a short backoff, and an error if they stay so.
    """
    client = table.meta.client  # the table's client takes and returns plain Python values
    found: list[dict[str, Any]] = []
    for start in range(0, len(keys), BATCH_GET_KEYS):
        request = {
            table.name: {
                "Keys": keys[start : start + BATCH_GET_KEYS],
                "ProjectionExpression": projection,
                "ConsistentRead": True,
            }
        }
        for attempt in range(BATCH_GET_ATTEMPTS):
            reply = client.batch_get_item(RequestItems=request)
            found += reply["Responses"].get(table.name, [])
            request = reply.get("UnprocessedKeys") or {}
            if not request:
                break
            time.sleep(0.05 * 2**attempt)
        else:
            raise RuntimeError("DynamoDB left keys unprocessed after retries")
    return found


def batch_put(table: Any, items: list[dict[str, Any]]) -> None:
    """Unconditional puts, 25 a BatchWriteItem call (boto3's batch writer resends unprocessed
    items; of two items with one key, the last is written)."""
    with table.batch_writer(overwrite_by_pkeys=list(KEY_ATTRIBUTES)) as batch:
        for item in items:
            batch.put_item(Item=item)
