"""Failures a test can ask for, each returned exactly as Salesforce (or the network) produces it."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from .errors import ApiError, RecordError
from .ids import to_18

REQUEST_LIMIT_EXCEEDED = "REQUEST_LIMIT_EXCEEDED"
UNABLE_TO_LOCK_ROW = "UNABLE_TO_LOCK_ROW"
SERVER_ERROR = "SERVER_ERROR"
CONNECTION_ERROR = "CONNECTION_ERROR"
FAULT_KINDS = (REQUEST_LIMIT_EXCEEDED, UNABLE_TO_LOCK_ROW, SERVER_ERROR, CONNECTION_ERROR)

# Calls that write records, so a row lock can happen; a lock fault waits for one of these.
RECORD_WRITE_KINDS = frozenset(
    {
        "sobject_create",
        "sobject_update",
        "sobject_upsert",
        "sobject_delete",
        "composite_create",
        "composite_update",
        "composite_upsert",
        "composite_delete",
        "bulk2_close",  # an ingest job processes its rows when the upload is closed
    }
)


def request_limit_error() -> ApiError:
    return ApiError(403, REQUEST_LIMIT_EXCEEDED, "TotalRequests Limit exceeded.")


def lock_error() -> RecordError:
    return RecordError(UNABLE_TO_LOCK_ROW, "unable to obtain exclusive access to this record", [])


@dataclass
class Fault:
    kind: str
    remaining: int
    call_kinds: frozenset[str] | None
    records: int | None = None
    ids: frozenset[str] | None = None
    match: Callable[[dict], bool] | None = None
    lost_response: bool = False
    _failed_so_far: int = 0

    def applies_to(self, call_kind: str) -> bool:
        if self.call_kinds is not None:
            return call_kind in self.call_kinds
        return self.kind != UNABLE_TO_LOCK_ROW or call_kind in RECORD_WRITE_KINDS

    def begin_call(self) -> None:
        self._failed_so_far = 0

    def locks(self, record: dict, record_id: str | None = None) -> bool:
        """Whether this record of the current call fails to lock. With no selector every record
        fails; `records=N` picks the first N records of each affected call."""
        if self.ids is not None:
            return bool(record_id) and to_18(record_id) in self.ids
        if self.match is not None:
            return bool(self.match(record))
        if self.records is not None:
            if self._failed_so_far >= self.records:
                return False
            self._failed_so_far += 1
        return True

    def error_response(self) -> ApiError | None:
        if self.kind == REQUEST_LIMIT_EXCEEDED:
            return request_limit_error()
        if self.kind == SERVER_ERROR:
            return ApiError(
                500,
                "UNKNOWN_EXCEPTION",
                "An unexpected error occurred. Please include this ErrorId if you contact "
                "support: 1923756402-51802 (-1497614712)",
            )
        return None


class FaultPlan:
    def __init__(self) -> None:
        self._pending: list[Fault] = []

    def add(
        self,
        kind: str,
        count: int = 1,
        kinds: Iterable[str] | None = None,
        records: int | None = None,
        ids: Iterable[str] | None = None,
        match: Callable[[dict], bool] | None = None,
        lost_response: bool = False,
    ) -> None:
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {kind!r}; use one of {FAULT_KINDS}")
        if count < 1:
            raise ValueError("count must be at least 1")
        self._pending.append(
            Fault(
                kind,
                count,
                frozenset(kinds) if kinds is not None else None,
                records,
                frozenset(to_18(i) or i for i in ids) if ids is not None else None,
                match,
                lost_response,
            )
        )

    def take(self, call_kind: str) -> Fault | None:
        """The first pending fault for this kind of call, used up by it."""
        for fault in self._pending:
            if fault.applies_to(call_kind):
                fault.remaining -= 1
                if fault.remaining == 0:
                    self._pending.remove(fault)
                fault.begin_call()
                return fault
        return None

    def clear(self) -> None:
        self._pending.clear()

    @property
    def pending(self) -> int:
        return sum(fault.remaining for fault in self._pending)
