"""What the API handlers (rest.py, bulk2.py) use of the org they serve: its records, schema,
query engine, ids, clock, access and limits.

SalesforceEmulator composes the handlers and satisfies this protocol; the handlers depend on the
protocol, not on the emulator, so the package has no import cycle.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from .ids import IdFactory
from .permissions import UnrestrictedAccess
from .query import QueryEngine
from .schema import Schema
from .store import Store


class BulkJobCounts(Protocol):
    query_jobs_created: int


class Org(Protocol):
    store: Store
    schema: Schema
    engine: QueryEngine
    ids: IdFactory
    clock: Callable[[], datetime]
    page_size: int
    daily_limit: int
    bulk: BulkJobCounts

    @property
    def access(self) -> UnrestrictedAccess: ...

    @property
    def api_requests(self) -> int: ...
