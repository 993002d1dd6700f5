"""An in-memory DynamoDB table for the benchmark's large rows, where moto takes most of the time.

It answers the part of boto3's Table resource API that the recompute's stores call (query with a
key condition, get/put/delete_item, batch_writer, the client's batch_get_item), so the product's
own `StateStore` runs unchanged on it; anything else raises, so a store that starts using another
call shows up at once instead of being measured wrongly. Like DynamoDB, a query page stops at
1 MB, a BatchWriteItem call takes 25 items and BatchGetItem 100 keys; numbers come back as Decimal
and floats are refused. Every call is counted, and the time spent inside is clocked, so rows on
this stand-in report AWS calls the way rows on moto do.

Source: "Paginating table query results in DynamoDB", Amazon DynamoDB Developer Guide,
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Query.Pagination.html
(a Query returns at most 1 MB; LastEvaluatedKey feeds the next ExclusiveStartKey).
"""

from __future__ import annotations

import time
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

PAGE_BYTES = 1024 * 1024  # a Query returns at most 1 MB of items per call
BATCH_WRITE_ITEMS = 25
BATCH_GET_KEYS = 100


def _stored(value: Any) -> Any:
    """A copy as DynamoDB would hold it: ints become Decimal, floats are refused (as boto3 does).
    Strings are copied too: what the table keeps must not keep the caller's objects alive (the
    memory bench counts what the product holds)."""
    if isinstance(value, str):
        return value.encode().decode()
    if isinstance(value, bool | Decimal | bytes) or value is None:
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        raise TypeError("Float types are not supported. Use Decimal types instead.")
    if isinstance(value, dict):
        return {key: _stored(inner) for key, inner in value.items()}
    if isinstance(value, list | tuple):
        return [_stored(inner) for inner in value]
    if isinstance(value, set | frozenset):
        return {_stored(inner) for inner in value}
    raise TypeError(f"Unsupported type {type(value).__name__} for DynamoDB")


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _copy(inner) for key, inner in value.items()}
    if isinstance(value, list):
        return [_copy(inner) for inner in value]
    return value


def _size(value: Any) -> int:
    """Roughly DynamoDB's item size: names plus values, in bytes."""
    if isinstance(value, dict):
        return sum(len(key) + _size(inner) for key, inner in value.items()) + 3
    if isinstance(value, list):
        return sum(_size(inner) for inner in value) + 3
    return len(str(value))


def _key_range(condition: Any) -> tuple[str, Callable[[str], bool], str | None, str | None]:
    """(partition key value, sort key test, lowest, highest sort key) of a KeyConditionExpression
    built with boto3.dynamodb.conditions.Key."""
    parts = _conjuncts(condition)
    partition = sort = None
    for part in parts:
        expression = part.get_expression()
        name = expression["values"][0].name
        if name == "PK" and expression["operator"] == "=":
            partition = expression["values"][1]
        elif name == "SK":
            sort = expression
        else:
            raise NotImplementedError(f"key condition on {name} {expression['operator']}")
    if partition is None:
        raise NotImplementedError("a query needs PK = value")
    if sort is None:
        return partition, lambda _: True, None, None
    operator, values = sort["operator"], sort["values"][1:]
    if operator == "BETWEEN":
        low, high = values
        return partition, lambda sk: low <= sk <= high, low, high
    if operator == "begins_with":
        (prefix,) = values
        return partition, lambda sk: sk.startswith(prefix), prefix, None
    tests = {
        "=": lambda sk: sk == values[0],
        "<": lambda sk: sk < values[0],
        "<=": lambda sk: sk <= values[0],
        ">": lambda sk: sk > values[0],
        ">=": lambda sk: sk >= values[0],
    }
    if operator not in tests:
        raise NotImplementedError(f"sort key condition {operator}")
    low = values[0] if operator in ("=", ">", ">=") else None
    high = values[0] if operator in ("=", "<", "<=") else None
    return partition, tests[operator], low, high


def _conjuncts(condition: Any) -> list[Any]:
    expression = condition.get_expression()
    if expression["operator"] == "AND":
        return [*_conjuncts(expression["values"][0]), *_conjuncts(expression["values"][1])]
    return [condition]


class InMemoryTable:
    """One PK/SK table held in dicts; sort keys are kept sorted per partition, lazily."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.calls: Counter[str] = Counter()
        self.seconds = 0.0
        self.cpu_seconds = 0.0  # CPU time inside, apart from the product's
        self._items: dict[str, dict[str, dict]] = {}
        self._sort_keys: dict[str, list[str]] = {}
        self._unsorted: set[str] = set()
        # botocore's event hooks, as far as the product uses them: "before-call" per request.
        self._before_call: list[Callable[..., Any]] = []
        events = SimpleNamespace(register=lambda _event, handler: self._before_call.append(handler))
        self.meta = SimpleNamespace(
            client=SimpleNamespace(
                batch_get_item=self._batch_get_item,
                meta=SimpleNamespace(events=events),
                **self._unsupported(),
            )
        )

    @staticmethod
    def _unsupported() -> dict[str, Callable[..., Any]]:
        def refuse(name: str) -> Callable[..., Any]:
            def call(**_: Any) -> Any:
                raise NotImplementedError(f"the benchmark's in-memory table has no {name}")

            return call

        names = ("transact_write_items", "transact_get_items", "update_item", "scan")
        return {name: refuse(name) for name in names}

    @contextmanager
    def _call(self, kind: str) -> Iterator[None]:
        self.calls[kind] += 1
        for handler in self._before_call:
            handler()
        started, cpu_started = time.perf_counter(), time.process_time()
        try:
            yield
        finally:
            self.seconds += time.perf_counter() - started
            self.cpu_seconds += time.process_time() - cpu_started

    # -- single items ----------------------------------------------------------------------------
    def get_item(self, Key: dict, ConsistentRead: bool = False) -> dict:
        with self._call("GetItem"):
            item = self._items.get(Key["PK"], {}).get(Key["SK"])
            return {"Item": _copy(item)} if item is not None else {}

    def put_item(self, Item: dict) -> dict:
        with self._call("PutItem"):
            self._put(Item)
            return {}

    def delete_item(self, Key: dict) -> dict:
        with self._call("DeleteItem"):
            self._delete(Key)
            return {}

    def update_item(self, **_: Any) -> dict:
        raise NotImplementedError("the benchmark's in-memory table has no update_item")

    def _put(self, item: dict) -> None:
        partition, sort = item["PK"], item["SK"]
        items = self._items.setdefault(partition, {})
        if sort not in items:
            self._sort_keys.setdefault(partition, []).append(sort)
            self._unsorted.add(partition)
        items[sort] = _stored(item)

    def _delete(self, key: dict) -> None:
        items = self._items.get(key["PK"], {})
        if items.pop(key["SK"], None) is not None:
            self._sort_keys[key["PK"]].remove(key["SK"])

    # -- queries -----------------------------------------------------------------------------------
    def query(
        self,
        KeyConditionExpression: Any,
        ExclusiveStartKey: dict | None = None,
        Limit: int | None = None,
        ScanIndexForward: bool = True,
        ConsistentRead: bool = False,
    ) -> dict:
        if not ScanIndexForward:
            raise NotImplementedError("descending queries")
        with self._call("Query"):
            partition, matches, low, high = _key_range(KeyConditionExpression)
            keys = self._sorted_keys(partition)
            start = bisect_left(keys, low) if low is not None else 0
            if ExclusiveStartKey is not None:
                start = max(start, bisect_right(keys, ExclusiveStartKey["SK"]))
            stop = bisect_right(keys, high) if high is not None else len(keys)
            items = self._items.get(partition, {})
            size, page = 0, []
            for sort in keys[start:stop]:
                if not matches(sort):
                    continue
                item = items[sort]
                page.append(_copy(item))
                size += _size(item)
                if size >= PAGE_BYTES or (Limit is not None and len(page) >= Limit):
                    return {"Items": page, "LastEvaluatedKey": {"PK": partition, "SK": sort}}
            return {"Items": page}

    def _sorted_keys(self, partition: str) -> list[str]:
        keys = self._sort_keys.get(partition, [])
        if partition in self._unsorted:
            keys.sort()  # nearly sorted (new keys appended): timsort makes this linear
            self._unsorted.discard(partition)
        return keys

    # -- batches -----------------------------------------------------------------------------------
    def batch_writer(self, overwrite_by_pkeys: list[str] | None = None) -> _BatchWriter:
        return _BatchWriter(self)

    def _batch_write(self, requests: list[tuple[str, dict]]) -> None:
        with self._call("BatchWriteItem"):
            for action, value in requests:
                self._put(value) if action == "put" else self._delete(value)

    def _batch_get_item(self, RequestItems: dict) -> dict:
        with self._call("BatchGetItem"):
            (request,) = RequestItems.values()
            if len(request["Keys"]) > BATCH_GET_KEYS:
                raise ValueError(f"BatchGetItem takes at most {BATCH_GET_KEYS} keys")
            found = [
                _copy(item)
                for key in request["Keys"]
                if (item := self._items.get(key["PK"], {}).get(key["SK"])) is not None
            ]
            return {"Responses": {self.name: found}, "UnprocessedKeys": {}}


class _BatchWriter:
    """boto3's batch_writer: buffers puts and deletes, sends them 25 to a call, the last on exit;
    a later write of the same key replaces an earlier one in the buffer (overwrite_by_pkeys)."""

    def __init__(self, table: InMemoryTable) -> None:
        self._table = table
        self._buffer: dict[tuple[str, str], tuple[str, dict]] = {}

    def __enter__(self) -> _BatchWriter:
        return self

    def __exit__(self, *_: object) -> None:
        self._flush()

    def put_item(self, Item: dict) -> None:
        self._add(Item, ("put", Item))

    def delete_item(self, Key: dict) -> None:
        self._add(Key, ("delete", Key))

    def _add(self, key: dict, request: tuple[str, dict]) -> None:
        self._buffer[(key["PK"], key["SK"])] = request
        if len(self._buffer) >= BATCH_WRITE_ITEMS:
            self._flush()

    def _flush(self) -> None:
        if self._buffer:
            self._table._batch_write(list(self._buffer.values()))
            self._buffer.clear()


def sdk_cpu_per_100k_saved(members: int = 5000) -> float:
    """CPU seconds boto3 and botocore spend to save 100,000 members' state (the product's own
    StateStore.save_members through a real Table resource: validation, the resource layer's
    type transforms, serialization, signing, parsing), with DynamoDB's reply canned before the
    HTTP send. What the in-memory stand-in above skips; `make bench` prints it beside the table."""
    import boto3
    from botocore.awsrequest import AWSResponse

    from touchpoints.adapters.dynamodb import TABLE_CLIENT_CONFIG
    from touchpoints.adapters.state_store import StateStore
    from touchpoints.ports.state import StoredMember
    from touchpoints.rules.models import Touchpoint

    class _Body:
        def stream(self, **_: Any) -> Iterator[bytes]:
            yield b'{"UnprocessedItems":{}}'

    def reply(request: Any, **_: Any) -> AWSResponse:
        headers = {"content-type": "application/x-amz-json-1.0"}
        return AWSResponse(request.url, 200, headers, _Body())

    session = boto3.session.Session(
        region_name="eu-west-1", aws_access_key_id="bench", aws_secret_access_key="bench"
    )
    table = session.resource("dynamodb", config=TABLE_CLIENT_CONFIG).Table("bench")  # as wired
    table.meta.client.meta.events.register_first("before-send.dynamodb", reply)
    store = StateStore(table)
    when = datetime(2026, 2, 5, 16, 30, tzinfo=UTC)
    saved = [
        StoredMember(
            member_id=f"00v{n:015d}",
            status="Touchpoint",
            touchpoint=Touchpoint(
                f"00v{n:015d}",
                "701000000000001AAA",
                f"00v{n:015d}",
                f"00Q{n:015d}",
                None,
                f"p{n}@example.com",
                when,
                "Event",
                "Event.Conference",
                "Conference",
            ),
            record_id=f"a0X{n:015d}",
            person_id=f"00Q{n:015d}",
            email=f"p{n}@example.com",
            changed_at=when.isoformat(),
        )
        for n in range(members)
    ]
    started = time.process_time()
    store.save_members("701000000000001AAA", saved)
    return (time.process_time() - started) * 100_000 / members
