"""One door to Salesforce's REST and Bulk 2.0 APIs, composed into every Salesforce gateway.

It holds the client and renews its session, retries transient failures with jitter, counts calls
by kind, pages queries, and writes sObject collections 200 records a call, retrying a record that
was locked. Whole-call failures become the errors in `touchpoints.errors`; per-record outcomes
come back as `RecordResult`s.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from functools import partial
from itertools import batched
from typing import Any
from urllib.parse import urlencode

import requests
from simple_salesforce import Salesforce, format_soql
from simple_salesforce.exceptions import (
    SalesforceAuthenticationFailed,
    SalesforceError,
    SalesforceExpiredSession,
    SalesforceGeneralError,
    SalesforceRefusedRequest,
)

from touchpoints.adapters.salesforce_client import Connection
from touchpoints.errors import (
    SalesforceLimitExceededError,
    SalesforceUnavailableError,
    SoqlTooLongError,
)
from touchpoints.ports.salesforce import RecordResult

COLLECTION_LIMIT = 200  # sObject collections take at most 200 records a call
# "Maximum length of SOQL statements: By default, 100,000 characters" (SOQL and SOSL Limits for
# Search Queries, https://developer.salesforce.com/docs/atlas.en-us.salesforce_app_limits_cheatsheet
# .meta/salesforce_app_limits_cheatsheet/salesforce_app_limits_platform_soslsoql.htm). A REST query
# travels in the URL of a GET, and "the maximum length for the combined URI and headers is 16,384
# bytes" (Maximum number of rows returned by SOQL queries over the REST API,
# https://help.salesforce.com/s/articleView?id=000386264&type=1): headers get 2,048 of them.
MAX_SOQL_CHARS = 100_000
MAX_QUERY_URI_BYTES = 16_384 - 2_048
ATTEMPTS = 3
# Salesforce refuses a record it cannot lock while another transaction holds it; a try a moment
# later usually succeeds. Other record errors (validation, deleted) would fail again.
RETRIED_RECORD_ERRORS = frozenset({"UNABLE_TO_LOCK_ROW"})
LOCK_RETRIES = 3
LOGIN = "login"  # the kind a login request (JWT bearer token or SOAP login) is counted as

Send = Callable[[Salesforce], Any]


def _error_codes(error: SalesforceError) -> set[str]:
    content: list[Any] = error.content if isinstance(error.content, list) else []
    return {item.get("errorCode", "") for item in content if isinstance(item, dict)}


def escape_id(record_id: str) -> str:
    """Ids are embedded in SOQL; only well-formed Salesforce ids are allowed in."""
    if not (len(record_id) in (15, 18) and record_id.isalnum()):
        raise ValueError(f"not a Salesforce id: {record_id!r}")
    return record_id


def record_results(refs: list[str], replies: list[dict[str, Any]]) -> list[RecordResult]:
    """Collection replies come in request order, one per record."""
    results = []
    for ref, reply in zip(refs, replies, strict=True):
        if reply.get("success"):
            results.append(RecordResult(ref, True, reply.get("id")))
        else:
            error = (reply.get("errors") or [{}])[0]
            results.append(
                RecordResult(
                    ref, False, reply.get("id"), error.get("statusCode"), error.get("message")
                )
            )
    return results


class SalesforceTransport:
    def __init__(
        self,
        client: Salesforce,
        *,
        reconnect: Callable[[], Connection] | None = None,
        logged_in: bool = False,
        sleep: Callable[[float], None] = time.sleep,
        lock_retries: int = LOCK_RETRIES,
    ) -> None:
        """`logged_in`: getting `client` took a login request; `reconnect` makes a new client
        from the secret read again (a login, unless it holds a session)."""
        self._sf = client
        self._reconnect = reconnect
        self._sleep = sleep
        self._lock_retries = lock_retries
        self.calls: Counter[str] = Counter()  # API calls by kind, for metrics and the run summary
        if logged_in:
            self.calls[LOGIN] += 1  # a request to Salesforce too, though not an API call

    @property
    def client(self) -> Salesforce:
        """The current client (a renewed session replaces it)."""
        return self._sf

    def call[T](self, kind: str, send: Callable[[Salesforce], T], attempts: int = ATTEMPTS) -> T:
        """One API call, counted; retried on transient failures, and once more with a client
        made from the secret read again when the session expired (sessions expire, tokens
        rotate) or its renewal was refused (the secret was rotated: a new key, a new user)."""
        try:
            return self._with_retries(kind, send, attempts)
        except (SalesforceExpiredSession, SalesforceAuthenticationFailed):
            if self._reconnect is None:
                raise
            self._sf, logged_in = self._reconnect()
            if logged_in:
                self.calls[LOGIN] += 1
            return self._with_retries(kind, send, attempts)

    def _with_retries[T](self, kind: str, send: Callable[[Salesforce], T], attempts: int) -> T:
        """Retry transient failures (HTTP 5xx, dropped connections) with jittered backoff; every
        attempt is a request Salesforce may count, so every attempt is counted."""
        for attempt in range(1, attempts + 1):
            self.calls[kind] += 1
            try:
                return self._send(send)
            except SalesforceRefusedRequest as error:
                if "REQUEST_LIMIT_EXCEEDED" in _error_codes(error):
                    raise SalesforceLimitExceededError(
                        "Salesforce API request limit exceeded"
                    ) from error
                raise
            except (SalesforceGeneralError, requests.ConnectionError, requests.Timeout) as error:
                if attempt == attempts:
                    raise SalesforceUnavailableError(
                        f"Salesforce unavailable after {attempts} attempts: {type(error).__name__}"
                    ) from error
                self._sleep(random.uniform(0, 0.2 * 2**attempt))  # noqa: S311 - jitter, not security
        raise AssertionError("unreachable")

    def _send[T](self, send: Callable[[Salesforce], T]) -> T:
        """One request. A client that logged in itself (JWT, password) renews an expired session
        in place, logging in again with the secret it was made from: that login is counted."""
        session = self._sf.session_id
        try:
            return send(self._sf)
        except SalesforceAuthenticationFailed:
            self.calls[LOGIN] += 1  # the renewal was refused: a login request all the same
            raise
        finally:
            if self._sf.session_id != session:
                self.calls[LOGIN] += 1

    # -- queries -------------------------------------------------------------------------------

    def query_fits(self, soql: str) -> bool:
        """Within the SOQL statement limit, and its GET `…/query/?q=…` URL within the URI limit."""
        uri_bytes = len(f"{self._sf.base_url}query/?{urlencode({'q': soql})}".encode())
        return len(soql) <= MAX_SOQL_CHARS and uri_bytes <= MAX_QUERY_URI_BYTES

    def query_page(self, soql: str, *, include_deleted: bool = False) -> dict[str, Any]:
        """The first page of a query's reply (`totalSize`, `records`, `done`): one call. A query
        too long for one request is refused before it is sent. `include_deleted` asks
        `queryAll`, which also returns records in the Recycle Bin (`IsDeleted = true`)."""
        if not self.query_fits(soql):
            raise SoqlTooLongError(f"a query of {len(soql):,} characters was not sent: too long")
        if include_deleted:
            return self.call("query_all", lambda sf: sf.query(soql, include_deleted=True))
        return self.call("query", lambda sf: sf.query(soql))

    def query(self, soql: str, *, include_deleted: bool = False) -> Iterator[dict[str, Any]]:
        """Every record the query matches, following `nextRecordsUrl` pages lazily."""
        page = self.query_page(soql, include_deleted=include_deleted)
        while True:
            yield from page["records"]
            if page.get("done", True):
                return
            next_url = page["nextRecordsUrl"]
            page = self.query_more(next_url)

    def query_more(self, next_url: str) -> dict[str, Any]:
        return self.call("query_more", lambda sf: sf.query_more(next_url, identifier_is_url=True))

    def query_in(
        self, template: str, values: list[str], *, include_deleted: bool = False
    ) -> Iterator[dict[str, Any]]:
        """Every record `template` (one `IN {}` list) matches for all `values`, in as few queries as
        fit: up to 200 values a query, fewer where long values would make the URL too long."""
        start = 0
        while start < len(values):
            size = min(COLLECTION_LIMIT, len(values) - start)
            soql = format_soql(template, values[start : start + size])
            while size > 1 and not self.query_fits(soql):
                size //= 2
                soql = format_soql(template, values[start : start + size])
            yield from self.query(soql, include_deleted=include_deleted)
            start += size

    # -- sObject collections -------------------------------------------------------------------

    def write_collection(
        self,
        kind: str,
        records: Iterable[tuple[str, dict[str, Any]]],
        *,
        method: str,
        path: str = "composite/sobjects",
    ) -> list[RecordResult]:
        """Write (ref, record) pairs 200 a call (`allOrNone` false), in their order; a record
        Salesforce could not lock is sent again, a moment later each time. DELETE sends the
        records' `Id`s."""
        pending = list(enumerate(records))
        results: dict[int, RecordResult] = {}
        for attempt in range(self._lock_retries + 1):
            if attempt:
                self._sleep(0.5 * attempt)  # a locked row usually frees within a second
            for chunk in batched(pending, COLLECTION_LIMIT, strict=False):
                body = [record for _, (_, record) in chunk]
                replies = self.call(kind, partial(_send, method=method, path=path, records=body))
                refs = [ref for _, (ref, _) in chunk]
                for (index, _), result in zip(chunk, record_results(refs, replies), strict=True):
                    results[index] = result
            pending = [
                (index, pair)
                for index, pair in pending
                if results[index].error_code in RETRIED_RECORD_ERRORS
            ]
            if not pending:
                break
        return [results[index] for index in sorted(results)]

    def delete_records(self, refs_to_ids: Iterable[tuple[str, str]]) -> list[RecordResult]:
        """Delete by record id; a record already gone counts as deleted."""
        results = self.write_collection(
            "composite_delete",
            ((ref, {"Id": record_id}) for ref, record_id in refs_to_ids),
            method="DELETE",
        )
        return [
            RecordResult(result.ref, True, result.record_id) if _gone(result) else result
            for result in results
        ]


def _send(sf: Salesforce, method: str, path: str, records: list[dict[str, Any]]) -> Any:
    if method == "DELETE":
        ids = ",".join(record["Id"] for record in records)
        return sf.restful(path, method="DELETE", params={"ids": ids, "allOrNone": "false"})
    return sf.restful(path, method=method, json={"allOrNone": False, "records": records})


def _gone(result: RecordResult) -> bool:
    return result.error_code in {"ENTITY_IS_DELETED", "INVALID_CROSS_REFERENCE_KEY"}
