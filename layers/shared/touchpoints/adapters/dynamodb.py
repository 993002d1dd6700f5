"""Small DynamoDB helpers every store shares (boto3's resource API, one table with PK/SK)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from botocore.exceptions import ClientError


def plain(value: Any) -> Any:
    """DynamoDB numbers come back as Decimal; callers want ints (or floats)."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


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
