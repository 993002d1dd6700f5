"""An in-process DynamoDB endpoint for the benchmark's large rows, where moto takes most of the time.

The product keeps its real boto3 table (built by wiring.py, TABLE_CLIENT_CONFIG included): every
call is serialized to DynamoDB's JSON wire protocol, signed and sent by botocore, and its reply
parsed by botocore, as in AWS. Only the HTTP send is answered here, in-process: `attach` puts a
botocore `before-send` handler on the table's client that reads the request (X-Amz-Target, JSON
body of AttributeValues) and returns an AWSResponse, in place of moto's. So the SDK's CPU is in
every row, and what is spent in here is the service's.

It answers the operations the recompute's stores send (GetItem, PutItem, DeleteItem, Query,
BatchWriteItem, BatchGetItem) and raises on anything else, so a store that starts using another
call shows up at once instead of being measured wrongly. Like DynamoDB:
- a Query page stops at 1 MB of items read, and LastEvaluatedKey feeds the next ExclusiveStartKey
  ("Paginating table query results in DynamoDB", Amazon DynamoDB Developer Guide,
  https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Query.Pagination.html);
- an item's size is its attribute names' and values' UTF-8 bytes, a number one byte per two
  digits plus one, a map or list 3 bytes plus one per element ("DynamoDB item sizes and formats",
  https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html);
- a BatchWriteItem takes at most 25 put or delete requests, and refuses two of one key; items it
  could not write come back in UnprocessedItems to be sent again ("BatchWriteItem", Amazon
  DynamoDB API Reference, https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchWriteItem.html);
  `leave_unprocessed` makes the next batches leave their last items so;
- a BatchGetItem takes at most 100 keys ("BatchGetItem", Amazon DynamoDB API Reference,
  https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchGetItem.html);
- requests and replies are JSON, the operation named by X-Amz-Target: DynamoDB_20120810.<Name>
  ("DynamoDB low-level API", https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/DataFormat.html).
"""

from __future__ import annotations

import json
import operator
import re
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any, NamedTuple

from botocore.awsrequest import AWSResponse
from moto.core.models import botocore_stubber

PAGE_BYTES = 1024 * 1024  # a Query returns at most 1 MB of items per call
BATCH_WRITE_ITEMS = 25
BATCH_GET_KEYS = 100
_TARGET = "DynamoDB_20120810."
_ERROR_TYPE = "com.amazonaws.dynamodb.v20120810#"

Item = dict[str, dict[str, Any]]  # attribute name -> AttributeValue ({"S": "..."}, {"M": {...}})


class DynamoDBError(Exception):
    """A request DynamoDB answers with a 400 and this error type."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def item_size(item: Item) -> int:
    """An item's size as DynamoDB counts it (names plus values, in bytes)."""
    return sum(len(name.encode()) + _value_size(value) for name, value in item.items())


def _value_size(value: dict[str, Any]) -> int:
    ((kind, inner),) = value.items()
    if kind in ("S", "B"):
        return len(inner.encode()) if kind == "S" else len(inner) * 3 // 4
    if kind == "N":
        return (len(inner.strip("-").replace(".", "").strip("0")) + 1) // 2 + 1
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "M":
        return 3 + sum(len(k.encode()) + _value_size(v) + 1 for k, v in inner.items())
    if kind == "L":
        return 3 + sum(_value_size(v) + 1 for v in inner)
    return sum(len(str(element)) for element in inner)  # SS, NS, BS


class StoredItem(NamedTuple):
    """An item kept as its compact JSON text (a few hundred bytes, where the parsed AttributeValue
    dicts take kilobytes and burden the garbage collector) and its DynamoDB size."""

    text: str
    size: int


class InProcessDynamoDB:
    """One PK/SK table (string keys) held in dicts of items kept as JSON text; sort keys kept
    sorted per partition, lazily. Counts the calls it answers by operation."""

    def __init__(self, table_name: str) -> None:
        self.name = table_name
        self.calls: Counter[str] = Counter()
        self._items: dict[str, dict[str, StoredItem]] = {}
        self._sort_keys: dict[str, list[str]] = {}
        self._unsorted: set[str] = set()
        self._unprocessed_batches = 0
        self._operations: dict[str, Callable[[dict[str, Any]], dict[str, Any] | str]] = {
            "GetItem": self._get_item,
            "PutItem": self._put_item,
            "DeleteItem": self._delete_item,
            "Query": self._query,
            "BatchWriteItem": self._batch_write_item,
            "BatchGetItem": self._batch_get_item,
        }

    def attach(self, client: Any) -> None:
        """Answer `client`'s requests here instead of moto (whose handler answers every AWS URL
        under mock_aws): the client still serializes, signs and parses as it would against AWS."""
        client.meta.events.unregister("before-send", botocore_stubber)
        client.meta.events.register("before-send", self._answer)

    def _answer(self, request: Any, **_: Any) -> AWSResponse:
        return self.reply(request)  # looked up per request: the memory bench wraps it

    def leave_unprocessed(self, batches: int) -> None:
        """The next `batches` BatchWriteItem calls of more than one item leave their last item
        unprocessed, as DynamoDB may under throttling."""
        self._unprocessed_batches = batches

    def partition_bytes(self, partition: str, sort_prefix: str = "") -> int:
        """What a Query reads to return the items of `partition` whose sort key starts so."""
        items = self._items.get(partition, {})
        return sum(item.size for sort, item in items.items() if sort.startswith(sort_prefix))

    # -- the wire ----------------------------------------------------------------------------------
    def reply(self, request: Any) -> AWSResponse:
        target = request.headers["X-Amz-Target"]
        operation = (target.decode() if isinstance(target, bytes) else target).removeprefix(_TARGET)
        handler = self._operations.get(operation)
        if handler is None:
            raise NotImplementedError(f"the benchmark's in-process DynamoDB has no {operation}")
        self.calls[operation] += 1
        body = json.loads(request.body)
        try:
            if body.get("TableName", self.name) != self.name:
                raise DynamoDBError("ResourceNotFoundException", "Requested resource not found")
            status, answer = 200, handler(body)
        except DynamoDBError as error:
            status, answer = 400, {"__type": _ERROR_TYPE + error.code, "message": str(error)}
        headers = {"content-type": "application/x-amz-json-1.0", "x-amzn-requestid": "bench"}
        text = answer if isinstance(answer, str) else json.dumps(answer)
        return AWSResponse(request.url, status, headers, _Body(text.encode()))

    # -- single items ----------------------------------------------------------------------------
    def _get_item(self, body: dict[str, Any]) -> dict[str, Any]:
        item = self._find(body["Key"])
        return {"Item": _projected(item, body)} if item is not None else {}

    def _put_item(self, body: dict[str, Any]) -> dict[str, Any]:
        _refuse_conditions(body)
        self._put(body["Item"])
        return {}

    def _delete_item(self, body: dict[str, Any]) -> dict[str, Any]:
        _refuse_conditions(body)
        self._delete(body["Key"])
        return {}

    def _find(self, key: Item) -> Item | None:
        partition, sort = _key(key)
        stored = self._items.get(partition, {}).get(sort)
        return json.loads(stored.text) if stored is not None else None

    def _put(self, item: Item) -> None:
        partition, sort = _key(item)
        items = self._items.setdefault(partition, {})
        if sort not in items:
            self._sort_keys.setdefault(partition, []).append(sort)
            self._unsorted.add(partition)
        items[sort] = StoredItem(json.dumps(item, separators=(",", ":")), item_size(item))

    def _delete(self, key: Item) -> None:
        partition, sort = _key(key)
        if self._items.get(partition, {}).pop(sort, None) is not None:
            self._sort_keys[partition].remove(sort)

    # -- queries -----------------------------------------------------------------------------------
    def _query(self, body: dict[str, Any]) -> str:
        for unsupported in ("IndexName", "FilterExpression", "ProjectionExpression"):
            if unsupported in body:
                raise NotImplementedError(f"the benchmark's Query has no {unsupported}")
        partition, low, high, matches = _key_range(body)
        keys = self._sorted_keys(partition)
        start = bisect_left(keys, low) if low is not None else 0
        stop = bisect_right(keys, high) if high is not None else len(keys)
        forward = body.get("ScanIndexForward", True)
        if "ExclusiveStartKey" in body:
            after = _key(body["ExclusiveStartKey"])[1]
            if forward:
                start = max(start, bisect_right(keys, after))
            else:
                stop = min(stop, bisect_left(keys, after))
        selected = keys[start:stop] if forward else keys[start:stop][::-1]
        limit = body.get("Limit")
        items = self._items.get(partition, {})
        size, page, last = 0, [], ""
        for sort in selected:
            if not matches(sort):
                continue
            item = items[sort]
            page.append(item.text)
            size += item.size
            if size >= PAGE_BYTES or (limit is not None and len(page) >= limit):
                key = {"PK": {"S": partition}, "SK": {"S": sort}}
                last = f',"LastEvaluatedKey":{json.dumps(key)}'
                break
        # The stored texts go into the reply as they are, not parsed and encoded again.
        return f'{{"Items":[{",".join(page)}],"Count":{len(page)}{last}}}'

    def _sorted_keys(self, partition: str) -> list[str]:
        keys = self._sort_keys.get(partition, [])
        if partition in self._unsorted:
            keys.sort()  # nearly sorted (new keys appended): timsort makes this linear
            self._unsorted.discard(partition)
        return keys

    # -- batches -----------------------------------------------------------------------------------
    def _batch_write_item(self, body: dict[str, Any]) -> dict[str, Any]:
        (requests,) = _own_requests(body, self.name).values()
        if len(requests) > BATCH_WRITE_ITEMS:
            raise DynamoDBError(
                "ValidationException",
                "Too many items requested for the BatchWriteItem call",
            )
        keys = [
            _key(
                request["PutRequest"]["Item"]
                if "PutRequest" in request
                else request["DeleteRequest"]["Key"]
            )
            for request in requests
        ]
        if len(set(keys)) != len(keys):
            raise DynamoDBError(
                "ValidationException", "Provided list of item keys contains duplicates"
            )
        unprocessed = []
        if self._unprocessed_batches and len(requests) > 1:
            self._unprocessed_batches -= 1
            requests, unprocessed = requests[:-1], requests[-1:]
        for request in requests:
            if "PutRequest" in request:
                self._put(request["PutRequest"]["Item"])
            else:
                self._delete(request["DeleteRequest"]["Key"])
        return {"UnprocessedItems": {self.name: unprocessed} if unprocessed else {}}

    def _batch_get_item(self, body: dict[str, Any]) -> dict[str, Any]:
        (request,) = _own_requests(body, self.name).values()
        if len(request["Keys"]) > BATCH_GET_KEYS:
            raise DynamoDBError(
                "ValidationException",
                f"Too many items requested for the BatchGetItem call (at most {BATCH_GET_KEYS})",
            )
        found = [
            _projected(item, request)
            for key in request["Keys"]
            if (item := self._find(key)) is not None
        ]
        return {"Responses": {self.name: found}, "UnprocessedKeys": {}}


class _Body:
    """A reply body as botocore reads one from urllib3 (`stream`)."""

    def __init__(self, content: bytes) -> None:
        self._content = content

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._content


def _key(item: Item) -> tuple[str, str]:
    return item["PK"]["S"], item["SK"]["S"]


def _own_requests(body: dict[str, Any], table: str) -> dict[str, Any]:
    requests: dict[str, Any] = body["RequestItems"]
    if set(requests) != {table}:
        raise DynamoDBError("ResourceNotFoundException", "Requested resource not found")
    return requests


def _refuse_conditions(body: dict[str, Any]) -> None:
    if "ConditionExpression" in body:
        raise NotImplementedError("the benchmark's in-process DynamoDB has no conditional writes")


def _projected(item: Item, request: dict[str, Any]) -> Item:
    """The item's top-level attributes a ProjectionExpression names (all without one)."""
    projection = request.get("ProjectionExpression")
    if projection is None:
        return item
    names = request.get("ExpressionAttributeNames", {})
    wanted = {names.get(part.strip(), part.strip()) for part in projection.split(",")}
    return {name: value for name, value in item.items() if name in wanted}


_OPERATORS: dict[str, Callable[[str, str], bool]] = {
    "=": operator.eq,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def _sort_key_holds(compare: Callable[[str, str], bool], bound: str, sort_key: str) -> bool:
    return compare(sort_key, bound)


_BETWEEN = re.compile(r"(#?\w+)\s+BETWEEN\s+(:\w+)\s+AND\s+(:\w+)")
_BEGINS_WITH = re.compile(r"begins_with\(\s*(#?\w+)\s*,\s*(:\w+)\s*\)")
_COMPARISON = re.compile(r"(#?\w+)\s*(<=|>=|=|<|>)\s*(:\w+)")


def _key_range(
    body: dict[str, Any],
) -> tuple[str, str | None, str | None, Callable[[str], bool]]:
    """(partition key value, lowest and highest sort key, sort key test) of a Query's
    KeyConditionExpression: `PK = :v`, and on SK one of BETWEEN, begins_with or a comparison."""
    names = body.get("ExpressionAttributeNames", {})
    values = body.get("ExpressionAttributeValues", {})

    def name(token: str) -> str:
        return str(names.get(token, token))

    def value(token: str) -> str:
        return str(values[token]["S"])

    expression = body["KeyConditionExpression"]
    between, begins = _BETWEEN.search(expression), _BEGINS_WITH.search(expression)
    rest = _BEGINS_WITH.sub("", _BETWEEN.sub("", expression))
    partition = None
    low: str | None = None
    high: str | None = None
    matches: Callable[[str], bool] = lambda _: True  # noqa: E731
    for attribute, comparison, token in _COMPARISON.findall(rest):
        if name(attribute) == "PK" and comparison == "=":
            partition = value(token)
        elif name(attribute) == "SK":
            bound = value(token)
            low = bound if comparison in ("=", ">", ">=") else None
            high = bound if comparison in ("=", "<", "<=") else None
            compare = _OPERATORS[comparison]
            matches = partial(_sort_key_holds, compare, bound)
        else:
            raise NotImplementedError(f"key condition {expression!r}")
    if between and name(between[1]) == "SK":
        low, high = value(between[2]), value(between[3])
    elif begins and name(begins[1]) == "SK":
        prefix = value(begins[2])
        low, matches = prefix, lambda sk: sk.startswith(prefix)
    if partition is None:
        raise DynamoDBError("ValidationException", "Query condition missed key schema element: PK")
    return partition, low, high, matches
