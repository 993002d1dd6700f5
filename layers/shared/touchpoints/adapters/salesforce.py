"""Salesforce adapter: the only code that reads campaigns and members or writes touchpoints.

Per-record failures come back as data (`RecordResult`), never as exceptions; whole-call failures
are translated to the few errors the services act on.
"""

from __future__ import annotations

import csv
import io
import random
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime, timedelta
from itertools import batched
from typing import Any
from urllib.parse import urlencode

import requests
from simple_salesforce import Salesforce, format_soql
from simple_salesforce.exceptions import (
    SalesforceError,
    SalesforceExpiredSession,
    SalesforceGeneralError,
    SalesforceRefusedRequest,
)

from touchpoints.adapters.salesforce_dates import format_datetime, parse_date
from touchpoints.adapters.salesforce_records import RecordMapper
from touchpoints.errors import SalesforceLimitExceededError, SalesforceUnavailableError
from touchpoints.ports.salesforce import IngestOutcome, RecordResult
from touchpoints.rules.keys import KEY_PREFIX
from touchpoints.rules.member_filter import MemberFilter
from touchpoints.rules.models import Campaign, Member, Touchpoint
from touchpoints.rules.sync_mode import parse_sync_mode
from touchpoints.settings import CampaignFields, TouchpointFields

COLLECTION_LIMIT = 200  # sObject collections take at most 200 records a call
KEYS_PER_QUERY = 300  # keeps an IN (...) query well inside the REST URL length limit
# "Maximum length of SOQL statements: By default, 100,000 characters" (SOQL and SOSL Limits for
# Search Queries, https://developer.salesforce.com/docs/atlas.en-us.salesforce_app_limits_cheatsheet
# .meta/salesforce_app_limits_cheatsheet/salesforce_app_limits_platform_soslsoql.htm). A REST query
# travels in the URL of a GET, and "the maximum length for the combined URI and headers is 16,384
# bytes" (Maximum number of rows returned by SOQL queries over the REST API,
# https://help.salesforce.com/s/articleView?id=000386264&type=1): headers get 2,048 of them.
MAX_SOQL_CHARS = 100_000
MAX_QUERY_URI_BYTES = 16_384 - 2_048


class SoqlTooLongError(ValueError):
    """A query longer than Salesforce takes in one request; it was not sent."""


def _error_codes(error: SalesforceError) -> set[str]:
    content = error.content if isinstance(error.content, list) else []
    return {item.get("errorCode", "") for item in content if isinstance(item, dict)}


def _with_retries[T](
    call: Callable[[], T], attempts: int = 3, sleep: Callable[[float], None] = time.sleep
) -> T:
    """Retry transient failures (HTTP 5xx, dropped connections) with jittered backoff."""
    for attempt in range(1, attempts + 1):
        try:
            return call()
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
            sleep(random.uniform(0, 0.2 * 2**attempt))  # noqa: S311 - jitter, not security
    raise AssertionError("unreachable")


def _escape_id(record_id: str) -> str:
    """Ids are embedded in SOQL; only well-formed Salesforce ids are allowed in."""
    if not (len(record_id) in (15, 18) and record_id.isalnum()):
        raise ValueError(f"not a Salesforce id: {record_id!r}")
    return record_id


class SalesforceGateway:
    def __init__(
        self,
        client: Salesforce,
        campaign_fields: CampaignFields | None = None,
        touchpoint_fields: TouchpointFields | None = None,
        sleep: Callable[[float], None] = time.sleep,
        bulk_poll_seconds: float = 5,
        reconnect: Callable[[], Salesforce] | None = None,
    ) -> None:
        self._sf = client
        self._reconnect = reconnect
        self._campaign_fields = campaign_fields or CampaignFields()
        self._fields = touchpoint_fields or TouchpointFields()
        self._map = RecordMapper(self._campaign_fields, self._fields)
        self._sleep = sleep
        self._bulk_poll_seconds = bulk_poll_seconds
        self.calls: Counter[str] = Counter()  # API calls by kind, for metrics and the run summary

    def _call[T](self, kind: str, call: Callable[[], T], attempts: int = 3) -> T:
        self.calls[kind] += 1
        try:
            return _with_retries(call, attempts=attempts, sleep=self._sleep)
        except SalesforceExpiredSession:
            if self._reconnect is None:
                raise
            # Sessions expire (and tokens rotate): log in again once, then repeat the call.
            self._sf = self._reconnect()
            self.calls[kind] += 1
            return _with_retries(call, attempts=attempts, sleep=self._sleep)

    # -- reads -------------------------------------------------------------------------------

    def _query_fits(self, soql: str) -> bool:
        """Within the SOQL statement limit, and its GET `…/query/?q=…` URL within the URI limit."""
        uri_bytes = len(f"{self._sf.base_url}query/?{urlencode({'q': soql})}".encode())
        return len(soql) <= MAX_SOQL_CHARS and uri_bytes <= MAX_QUERY_URI_BYTES

    def _checked(self, soql: str) -> str:
        if not self._query_fits(soql):
            raise SoqlTooLongError(f"a query of {len(soql):,} characters was not sent: too long")
        return soql

    def query_in(self, template: str, values: list[str]) -> Iterator[dict[str, Any]]:
        """Every record `template` (one `IN {}` list) matches for all `values`, in as few queries as
        fit: up to 200 values a query, fewer where long values would make the URL too long."""
        start = 0
        while start < len(values):
            size = min(COLLECTION_LIMIT, len(values) - start)
            soql = format_soql(template, values[start : start + size])
            while size > 1 and not self._query_fits(soql):
                size //= 2
                soql = format_soql(template, values[start : start + size])
            yield from self.query(soql)
            start += size

    def query(self, soql: str) -> Iterator[dict[str, Any]]:
        """Every record the query matches, following `nextRecordsUrl` pages lazily. A query too
        long for one request is refused before it is sent."""
        self._checked(soql)
        page = self._call("query", lambda: self._sf.query(soql))
        while True:
            yield from page["records"]
            if page.get("done", True):
                return
            next_url = page["nextRecordsUrl"]
            page = self._call(
                "query_more", lambda url=next_url: self._sf.query_more(url, identifier_is_url=True)
            )

    def read_campaign(self, campaign_id: str) -> Campaign | None:
        f = self._campaign_fields
        soql = (
            f"SELECT Id, Name, Type, {f.sync_mode}, {f.start_date}, {f.end_date} "
            f"FROM Campaign WHERE Id = '{_escape_id(campaign_id)}'"
        )
        records = list(self.query(soql))
        if not records:
            return None
        record = records[0]
        return Campaign(
            id=record["Id"],
            name=record.get("Name") or "",
            type=record.get("Type"),
            sync_mode=parse_sync_mode(record.get(f.sync_mode)),
            start_date=parse_date(record.get(f.start_date)),
            end_date=parse_date(record.get(f.end_date)),
        )

    def count_members(self, campaign_id: str) -> int:
        soql = f"SELECT COUNT() FROM CampaignMember WHERE CampaignId = '{_escape_id(campaign_id)}'"
        return self._call("query", lambda: self._sf.query(self._checked(soql)))["totalSize"]

    def _member_soql(self, campaign_id: str, after_id: str) -> str:
        where = f"CampaignId = '{_escape_id(campaign_id)}'"
        if after_id:
            where += f" AND Id > '{_escape_id(after_id)}'"
        return f"SELECT {self._map.member_columns} FROM CampaignMember WHERE {where} ORDER BY Id"

    def read_members_matching(self, campaign_id: str, criteria: MemberFilter) -> Iterator[Member]:
        """Members the filter selects, narrowed by Salesforce (SOQL) so only they are read; ids
        are asked for 300 at a time. Callers still apply the rule itself to what comes back."""
        for soql in self._member_filter_queries(campaign_id, criteria):
            for record in self.query(soql):
                yield self._map.member_from_json(record)

    def member_filter_fits(self, campaign_id: str, criteria: MemberFilter) -> bool:
        """Whether every query `read_members_matching` makes for the filter fits one request,
        known before anything is sent."""
        return all(map(self._query_fits, self._member_filter_queries(campaign_id, criteria)))

    def _member_filter_queries(self, campaign_id: str, criteria: MemberFilter) -> Iterator[str]:
        where = [f"CampaignId = '{_escape_id(campaign_id)}'", *self._filter_conditions(criteria)]
        id_groups = (
            [None]
            if criteria.member_ids is None
            else list(batched(sorted(criteria.member_ids), KEYS_PER_QUERY, strict=False))
        )
        for ids in id_groups:
            conditions = where if ids is None else [*where, format_soql("Id IN {}", list(ids))]
            yield (
                f"SELECT {self._map.member_columns} FROM CampaignMember "
                f"WHERE {' AND '.join(conditions)} ORDER BY Id"
            )

    def _filter_conditions(self, criteria: MemberFilter) -> list[str]:
        conditions = []
        if criteria.statuses is not None:
            conditions.append(format_soql("Status IN {}", sorted(criteria.statuses) or [""]))
        if criteria.responded is not None:
            conditions.append(f"HasResponded = {'true' if criteria.responded else 'false'}")
        if criteria.created_from is not None:  # whole UTC days, both ends inclusive
            conditions.append(f"CreatedDate >= {criteria.created_from.isoformat()}T00:00:00Z")
        if criteria.created_to is not None:
            day_after = criteria.created_to + timedelta(days=1)
            conditions.append(f"CreatedDate < {day_after.isoformat()}T00:00:00Z")
        if criteria.only_without_date:
            conditions.append(f"{self._campaign_fields.member_touchpoint_date} = null")
        return conditions

    def read_members(self, campaign_id: str) -> Iterator[Member]:
        """Every member of the campaign in Id order, following query pages lazily."""
        for record in self.query(self._member_soql(campaign_id, "")):
            yield self._map.member_from_json(record)

    def member_chunk(self, campaign_id: str, after_id: str, size: int) -> list[Member]:
        """The next `size` members after `after_id` in Id order (keyset paging: each chunk is a
        fresh query, so a run can stop and resume anywhere without a server-side cursor)."""
        soql = f"{self._member_soql(campaign_id, after_id)} LIMIT {int(size)}"
        return [self._map.member_from_json(record) for record in self.query(soql)]

    def bulk_member_pages(
        self, campaign_id: str, after_id: str, page_size: int
    ) -> Iterator[list[Member]]:
        """Members after `after_id` in Id order through one Bulk API 2.0 query job, a page at a
        time (the job's locator pages), so memory holds one page."""
        soql = self._member_soql(campaign_id, after_id)
        pages = self._sf.bulk2.CampaignMember.query(
            soql, max_records=page_size, wait=self._bulk_poll_seconds
        )
        self.calls["bulk2_query_job"] += 1
        while True:
            try:
                # a generator that raised is finished: never retried here, the run is retried
                page = self._call("bulk2_results", lambda: next(pages), attempts=1)
            except StopIteration:
                return
            yield [self._map.member_from_csv(row) for row in csv.DictReader(io.StringIO(page))]

    def read_touchpoints_by_keys(self, keys: Iterable[str]) -> dict[str, tuple[Touchpoint, str]]:
        """The touchpoints Salesforce holds for these keys: (as found, record id)."""
        f = self._fields
        found: dict[str, tuple[Touchpoint, str]] = {}
        for chunk in batched(keys, KEYS_PER_QUERY, strict=False):
            soql = format_soql(
                f"SELECT {self._map.touchpoint_columns} FROM {f.sobject} WHERE {f.key} IN {{}}",
                chunk,
            )
            for record in self.query(soql):
                found[record[f.key]] = (self._map.touchpoint_from_json(record), record["Id"])
        return found

    def has_campaign_touchpoints(self, campaign_id: str) -> bool:
        """Whether any of our touchpoints (key prefix) points at the campaign: one query."""
        f = self._fields
        soql = format_soql(
            f"SELECT Id FROM {f.sobject} WHERE {f.campaign} = {{}} AND {f.key} LIKE {{}} LIMIT 1",
            campaign_id,
            f"{KEY_PREFIX}%",
        )
        return bool(self._call("query", lambda: self._sf.query(soql))["records"])

    def campaign_touchpoint_pages(self, campaign_id: str) -> Iterator[list[dict[str, Any]]]:
        """Our touchpoints (key prefix) that point at the campaign, a query page at a time."""
        f = self._fields
        soql = format_soql(
            f"SELECT Id, {f.key}, {f.campaign_member_id} FROM {f.sobject} "
            f"WHERE {f.campaign} = {{}} AND {f.key} LIKE {{}}",
            campaign_id,
            f"{KEY_PREFIX}%",
        )
        page: list[dict[str, Any]] = []
        for record in self.query(soql):
            page.append(record)
            if len(page) == COLLECTION_LIMIT * 10:
                yield page
                page = []
        if page:
            yield page

    # -- writes ------------------------------------------------------------------------------

    def upsert_touchpoints(self, touchpoints: Iterable[Touchpoint]) -> list[RecordResult]:
        """Upsert on the touchpoint key, 200 a call; a replay updates, never duplicates."""
        f = self._fields
        results: list[RecordResult] = []
        for chunk in batched(touchpoints, COLLECTION_LIMIT, strict=False):
            records = [
                {"attributes": {"type": f.sobject}, **self._map.touchpoint_fields(tp)}
                for tp in chunk
            ]
            body = {"allOrNone": False, "records": records}
            replies = self._call(
                "composite_upsert",
                lambda body=body: self._sf.restful(
                    f"composite/sobjects/{f.sobject}/{f.key}", method="PATCH", json=body
                ),
            )
            results.extend(_record_results([tp.key for tp in chunk], replies))
        return results

    def delete_records(self, refs_to_ids: Mapping[str, str]) -> list[RecordResult]:
        """Delete by record id, 200 a call; a record already gone counts as deleted."""
        results: list[RecordResult] = []
        for chunk in batched(refs_to_ids.items(), COLLECTION_LIMIT, strict=False):
            ids = ",".join(record_id for _, record_id in chunk)
            replies = self._call(
                "composite_delete",
                lambda ids=ids: self._sf.restful(
                    "composite/sobjects",
                    method="DELETE",
                    params={"ids": ids, "allOrNone": "false"},
                ),
            )
            for result in _record_results([ref for ref, _ in chunk], replies):
                gone = result.error_code in {"ENTITY_IS_DELETED", "INVALID_CROSS_REFERENCE_KEY"}
                results.append(RecordResult(result.ref, True, result.record_id) if gone else result)
        return results

    def update_member_dates(self, dates: Mapping[str, datetime | None]) -> list[RecordResult]:
        """Set `Buyer_Touchpoint_Date__c` on members (None clears it), 200 a call."""
        values = {m: format_datetime(when) if when else None for m, when in dates.items()}
        return self._update_members(self._campaign_fields.member_touchpoint_date, values)

    def update_member_statuses(self, statuses: Mapping[str, str]) -> list[RecordResult]:
        """Write each member's touchpoint outcome to `Touchpoint_Status__c`, 200 a call."""
        return self._update_members(self._campaign_fields.member_status, statuses)

    def _update_members(self, field_name: str, values: Mapping[str, Any]) -> list[RecordResult]:
        results: list[RecordResult] = []
        for chunk in batched(values.items(), COLLECTION_LIMIT, strict=False):
            records = [
                {"attributes": {"type": "CampaignMember"}, "Id": member_id, field_name: value}
                for member_id, value in chunk
            ]
            body = {"allOrNone": False, "records": records}
            replies = self._call(
                "composite_update",
                lambda body=body: self._sf.restful("composite/sobjects", method="PATCH", json=body),
            )
            results.extend(_record_results([member_id for member_id, _ in chunk], replies))
        return results

    def bulk_upsert_touchpoints(self, touchpoints: list[Touchpoint]) -> list[RecordResult]:
        """One Bulk API 2.0 upsert job; per-row outcomes read back from its result files."""
        f = self._fields
        rows = [
            {k: ("#N/A" if v is None else v) for k, v in self._map.touchpoint_fields(tp).items()}
            for tp in touchpoints
        ]
        return self._bulk_ingest("upsert", rows, f.key, external_id_field=f.key)

    def bulk_delete_records(self, refs_to_ids: Mapping[str, str]) -> list[RecordResult]:
        by_id = {record_id: ref for ref, record_id in refs_to_ids.items()}
        results = self._bulk_ingest("delete", [{"Id": rid} for rid in by_id], "Id")
        return [
            RecordResult(by_id[r.ref], True, r.ref)
            if r.success or r.error_code == "ENTITY_IS_DELETED"
            else RecordResult(by_id[r.ref], False, r.ref, r.error_code, r.message)
            for r in results
        ]

    def _bulk_ingest(
        self, operation: str, rows: list[dict[str, Any]], ref_column: str, **options: Any
    ) -> list[RecordResult]:
        if not rows:
            return []
        f = self._fields
        handler = getattr(self._sf.bulk2, f.sobject)
        jobs = self._call(
            "bulk2_ingest_job",
            lambda: getattr(handler, operation)(
                records=rows, wait=self._bulk_poll_seconds, **options
            ),
        )
        results: list[RecordResult] = []
        for job in jobs:
            job_id = job["job_id"]
            ok = self._call(
                "bulk2_results", lambda job_id=job_id: handler.get_successful_records(job_id)
            )
            for row in csv.DictReader(io.StringIO(ok)):
                results.append(RecordResult(row[ref_column], True, row.get("sf__Id")))
            failed = self._call(
                "bulk2_results", lambda job_id=job_id: handler.get_failed_records(job_id)
            )
            for row in csv.DictReader(io.StringIO(failed)):
                code, _, message = (row.get("sf__Error") or "UNKNOWN_EXCEPTION").partition(":")
                results.append(
                    RecordResult(row[ref_column], False, row.get("sf__Id") or None, code, message)
                )
        return results

    # -- Bulk API 2.0: member dates, one ingest job followed across invocations --------------

    def start_member_date_ingest(self, dates: Mapping[str, datetime | None]) -> str:
        """Create, upload and close one CampaignMember update job (a blank date is sent as
        `#N/A`, Bulk API's null); returns the job id. simple-salesforce's `update()` would also
        wait for the job to end, which can outlast an invocation, so its client's steps are
        driven one by one and the job is polled later."""
        field_name = self._campaign_fields.member_touchpoint_date
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["Id", field_name])
        for member_id, when in dates.items():
            writer.writerow([member_id, format_datetime(when) if when else "#N/A"])
        client = self._sf.bulk2.CampaignMember._client
        job = self._call("bulk2_create_job", lambda: client.create_job("update"))
        job_id = job["id"]
        self._call("bulk2_upload", lambda: client.upload_job_data(job_id, buffer.getvalue()))
        self._call("bulk2_close", lambda: client.close_job(job_id))
        return job_id

    def member_date_ingest_outcome(self, ingest_job_id: str) -> IngestOutcome | None:
        """None while the ingest job runs; once it is over, how many members it updated, the
        ones it refused (read only when there are any) and, if it failed, the rows it never
        processed."""
        client = self._sf.bulk2.CampaignMember._client
        info = self._call("bulk2_poll", lambda: client.get_job(ingest_job_id, False))
        if info["state"] in ("Open", "UploadComplete", "InProgress"):
            return None
        failures: list[RecordResult] = []
        if int(info.get("numberRecordsFailed") or 0):
            text = self._call(
                "bulk2_results",
                lambda: client.get_ingest_results(ingest_job_id, "failedResults"),
            )
            for row in csv.DictReader(io.StringIO(text)):
                code, _, message = (row.get("sf__Error") or "UNKNOWN_EXCEPTION").partition(":")
                message = message.removesuffix("--").rstrip(": ")
                failures.append(RecordResult(row["Id"], False, row["Id"], code, message))
        unprocessed: frozenset[str] = frozenset()
        if info["state"] != "JobComplete":
            text = self._call(
                "bulk2_results",
                lambda: client.get_ingest_results(ingest_job_id, "unprocessedrecords"),
            )
            unprocessed = frozenset(row["Id"] for row in csv.DictReader(io.StringIO(text)))
        processed = int(info.get("numberRecordsProcessed") or 0)
        return IngestOutcome(
            updated=processed - len(failures),
            failures=tuple(failures),
            unprocessed_ids=unprocessed,
            error_message=info.get("errorMessage") if info["state"] != "JobComplete" else None,
        )


def _record_results(refs: list[str], replies: list[dict[str, Any]]) -> list[RecordResult]:
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
