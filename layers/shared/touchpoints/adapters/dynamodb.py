"""Small DynamoDB helpers every store shares (boto3's resource API, one table with PK/SK)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

KEY_ATTRIBUTES = ("PK", "SK")


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
    return error.response["Error"]["Code"] == "ConditionalCheckFailedException"


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
