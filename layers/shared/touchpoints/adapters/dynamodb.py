"""Small DynamoDB helpers every store shares (boto3's resource API, one table with PK/SK), and
the wire format (AttributeValues) the state store's hot paths send through a low-level client."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
from itertools import islice
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
    """Every item a query matches, following `LastEvaluatedKey` pages lazily (`table` may be a
    low-level client given TableName: its items come in the wire format)."""
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
    """The items stored under `keys` (strongly consistent), through the table's client, which
    takes and returns plain Python values."""
    options = {"ProjectionExpression": projection}
    return batch_get_from(table.meta.client, table.name, keys, options)


def batch_get_from(
    client: Any, table_name: str, keys: Iterable[Mapping[str, Any]], options: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """The items stored under `keys` (strongly consistent), 100 keys a BatchGetItem call; keys
    DynamoDB leaves unprocessed are asked again with a short backoff, and an error if they stay so.
    """
    found: list[dict[str, Any]] = []
    pending = iter(keys)
    while chunk := list(islice(pending, BATCH_GET_KEYS)):
        request = {table_name: {"Keys": chunk, "ConsistentRead": True, **options}}
        for attempt in range(BATCH_GET_ATTEMPTS):
            reply = client.batch_get_item(RequestItems=request)
            found += reply["Responses"].get(table_name, [])
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


# -- the wire format -------------------------------------------------------------------------------
# The state's member items go through a low-level client as AttributeValues, built and read by hand
# for their one known shape (adapters/state_store.py), the same items boto3's resource Table writes.
AttributeValue = dict[str, Any]  # {"S": "..."}, {"NULL": True}, {"M": {...}}, {"N": "1"}, ...
WireItem = dict[str, AttributeValue]

BATCH_WRITE_REQUESTS = 25  # BatchWriteItem takes up to 25 put or delete requests a call
BATCH_WRITE_ATTEMPTS = 8


def wire_key(pk: str, sk: str) -> WireItem:
    return {"PK": {"S": pk}, "SK": {"S": sk}}


# A write request with the (PK, SK) it writes, which its maker knows without reading the request
KeyedRequest = tuple[tuple[str, str], Mapping[str, Any]]


def batch_write(client: Any, table_name: str, requests: Iterable[KeyedRequest]) -> int:
    """Put and delete requests in the wire format (`{"PutRequest": {"Item": ...}}`,
    `{"DeleteRequest": {"Key": ...}}`), each with its key, 25 a BatchWriteItem call. Like boto3's batch writer with
    overwrite_by_pkeys: of two requests for one key the last is sent, and what DynamoDB leaves
    unprocessed goes with the next call; unlike it, that call waits first, longer each time
    (exponential backoff, as the BatchWriteItem API Reference recommends), and an error ends
    the writes when calls keep leaving items unprocessed. Returns how many requests it took."""
    pending: dict[tuple[str, str], Mapping[str, Any]] = {}
    refusals = taken = 0
    for key, request in requests:
        taken += 1
        pending.pop(key, None)  # the newer request for a key replaces the older, at the end
        pending[key] = request
        if len(pending) >= BATCH_WRITE_REQUESTS:
            refusals = _send_batch(client, table_name, pending, refusals)
    while pending:
        refusals = _send_batch(client, table_name, pending, refusals)
    return taken


def _send_batch(
    client: Any,
    table_name: str,
    pending: dict[tuple[str, str], Mapping[str, Any]],
    refusals: int,
) -> int:
    """Sends the first 25 pending requests; those left unprocessed return to `pending`. Returns
    how many calls in a row have left some unprocessed."""
    if refusals:
        if refusals >= BATCH_WRITE_ATTEMPTS:
            raise RuntimeError("DynamoDB left writes unprocessed after retries")
        time.sleep(0.05 * 2 ** (refusals - 1))
    batch = [pending.pop(key) for key in list(islice(pending, BATCH_WRITE_REQUESTS))]
    reply = client.batch_write_item(RequestItems={table_name: batch})
    unprocessed = (reply.get("UnprocessedItems") or {}).get(table_name, [])
    for request in unprocessed:
        pending[_request_key(request)] = request
    return refusals + 1 if unprocessed else 0


def _request_key(request: Mapping[str, Any]) -> tuple[str, str]:
    item = (
        request["PutRequest"]["Item"]
        if "PutRequest" in request
        else request["DeleteRequest"]["Key"]
    )
    return item["PK"]["S"], item["SK"]["S"]
