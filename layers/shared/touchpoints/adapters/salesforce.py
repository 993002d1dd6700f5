"""Salesforce adapter for the recompute, the sweep and the bulk date update: campaigns and their
members in, touchpoints and member dates out, through one `SalesforceTransport`.

Per-record failures come back as data (`RecordResult`), never as exceptions; a record Salesforce
could not lock is retried here, whichever API wrote it.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime, timedelta
from itertools import batched
from typing import Any

from simple_salesforce import format_soql

from touchpoints.adapters.salesforce_bulk import BulkRequests, IngestStage
from touchpoints.adapters.salesforce_dates import format_datetime, parse_date
from touchpoints.adapters.salesforce_records import RecordMapper
from touchpoints.adapters.salesforce_transport import (
    COLLECTION_LIMIT,
    SalesforceTransport,
    escape_id,
)
from touchpoints.ports.salesforce import (
    BulkJob,
    BulkJobStatus,
    IngestOutcome,
    RecordResult,
    StagedMemberStatuses,
    StagedTouchpointWrites,
    TouchpointRecord,
    UpsertedTouchpoint,
)
from touchpoints.rules.keys import KEY_PREFIX, touchpoint_key
from touchpoints.rules.member_filter import MemberFilter
from touchpoints.rules.models import Campaign, Member, Touchpoint
from touchpoints.rules.sync_mode import (
    DEFAULT_SYNC_SETTING_VALUES,
    SyncSettingValues,
    parse_sync_mode,
)
from touchpoints.settings import CampaignFields, TouchpointFields

# Rows per Bulk query results page: a page is sorted in memory (about 1 KB a row while sorted),
# and fewer pages mean fewer calls: 1M members are read in 10.
BULK_PAGE_SIZE = 100_000
KEYS_PER_QUERY = 300  # keeps an IN (...) query well inside the REST URL length limit


class SalesforceGateway:
    def __init__(
        self,
        transport: SalesforceTransport,
        campaign_fields: CampaignFields | None = None,
        touchpoint_fields: TouchpointFields | None = None,
        bulk_page_size: int = BULK_PAGE_SIZE,
        sync_values: SyncSettingValues = DEFAULT_SYNC_SETTING_VALUES,
    ) -> None:
        self._sf = transport
        self._sync_values = sync_values
        self._campaign_fields = campaign_fields or CampaignFields()
        self._fields = touchpoint_fields or TouchpointFields()
        self._map = RecordMapper(self._campaign_fields, self._fields)
        self._bulk = BulkRequests(transport)
        self._bulk_page_size = bulk_page_size

    @property
    def calls(self) -> Counter[str]:
        """API calls by kind, for metrics and the run summary."""
        return self._sf.calls

    # -- campaigns and members -----------------------------------------------------------------

    def read_campaign(self, campaign_id: str) -> Campaign | None:
        f = self._campaign_fields
        soql = (
            f"SELECT Id, Name, Type, {f.sync_mode}, {f.start_date}, {f.end_date} "
            f"FROM Campaign WHERE Id = '{escape_id(campaign_id)}'"
        )
        records = list(self._sf.query(soql))
        if not records:
            return None
        record = records[0]
        return Campaign(
            id=record["Id"],
            name=record.get("Name") or "",
            type=record.get("Type"),
            sync_mode=parse_sync_mode(record.get(f.sync_mode), self._sync_values),
            start_date=parse_date(record.get(f.start_date)),
            end_date=parse_date(record.get(f.end_date)),
        )

    def count_members(self, campaign_id: str) -> int:
        soql = f"SELECT COUNT() FROM CampaignMember WHERE CampaignId = '{escape_id(campaign_id)}'"
        return int(self._sf.query_page(soql)["totalSize"])

    def _member_soql(self, campaign_id: str, after_id: str) -> str:
        where = f"CampaignId = '{escape_id(campaign_id)}'"
        if after_id:
            where += f" AND Id > '{escape_id(after_id)}'"
        return f"SELECT {self._map.member_columns} FROM CampaignMember WHERE {where} ORDER BY Id"

    def read_members_matching(self, campaign_id: str, criteria: MemberFilter) -> Iterator[Member]:
        """Members the filter selects, narrowed by Salesforce (SOQL) so only they are read; ids
        are asked for 300 at a time. Callers still apply the rule itself to what comes back."""
        for soql in self._member_filter_queries(campaign_id, criteria):
            for record in self._sf.query(soql):
                yield self._map.member_from_json(record)

    def member_filter_fits(self, campaign_id: str, criteria: MemberFilter) -> bool:
        """Whether every query `read_members_matching` makes for the filter fits one request,
        known before anything is sent."""
        return all(map(self._sf.query_fits, self._member_filter_queries(campaign_id, criteria)))

    def _member_filter_queries(self, campaign_id: str, criteria: MemberFilter) -> Iterator[str]:
        where = [f"CampaignId = '{escape_id(campaign_id)}'", *self._filter_conditions(criteria)]
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
        for record in self._sf.query(self._member_soql(campaign_id, "")):
            yield self._map.member_from_json(record)

    def member_chunk(self, campaign_id: str, after_id: str, size: int) -> list[Member]:
        """The next `size` members after `after_id` in Id order (keyset paging: each chunk is a
        fresh query, so a run can stop and resume anywhere without a server-side cursor)."""
        soql = f"{self._member_soql(campaign_id, after_id)} LIMIT {int(size)}"
        return [self._map.member_from_json(record) for record in self._sf.query(soql)]

    def submit_member_query(self, campaign_id: str) -> BulkJob:
        """One Bulk API 2.0 query job over every member of the campaign, submitted, not waited
        for. No ORDER BY: Salesforce documents that it disables PK chunking; the rows are sorted
        here instead (`sorted_member_chunks`)."""
        soql = (
            f"SELECT {self._map.member_columns} FROM CampaignMember "
            f"WHERE CampaignId = '{escape_id(campaign_id)}'"
        )
        return BulkJob(self._bulk.submit_query("CampaignMember", soql), "CampaignMember", "query")

    def bulk_status(self, job: BulkJob) -> BulkJobStatus:
        """One poll of a Bulk job (one call)."""
        return self._bulk.status(job)

    def sorted_member_chunks(
        self, job: BulkJob, after_id: str, size: int
    ) -> Iterator[list[Member]]:
        """A finished member query job's rows in Id order after `after_id`, `size` at a time
        (pages of `bulk_page_size` rows sorted on ephemeral storage, then merged)."""
        members = self._bulk.sorted_rows(
            job, "Id", after_id, self._bulk_page_size, self._map.members_from_csv
        )
        yield from map(list, batched(members, size, strict=False))

    # -- touchpoints ---------------------------------------------------------------------------

    def read_touchpoints_by_keys(self, keys: Iterable[str]) -> dict[str, tuple[Touchpoint, str]]:
        """The touchpoints Salesforce holds for these keys: (as found, record id)."""
        f = self._fields
        found: dict[str, tuple[Touchpoint, str]] = {}
        for chunk in batched(keys, KEYS_PER_QUERY, strict=False):
            soql = format_soql(
                f"SELECT {self._map.touchpoint_columns} FROM {f.sobject} WHERE {f.key} IN {{}}",
                chunk,
            )
            for record in self._sf.query(soql):
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
        return bool(self._sf.query_page(soql)["records"])

    def campaign_touchpoint_pages(self, campaign_id: str) -> Iterator[list[TouchpointRecord]]:
        """Our touchpoints (key prefix) that point at the campaign, a query page at a time."""
        f = self._fields
        soql = format_soql(
            f"SELECT Id, {f.key}, {f.campaign_member_id} FROM {f.sobject} "
            f"WHERE {f.campaign} = {{}} AND {f.key} LIKE {{}}",
            campaign_id,
            f"{KEY_PREFIX}%",
        )
        page: list[TouchpointRecord] = []
        for record in self._sf.query(soql):
            page.append(
                TouchpointRecord(record[f.key], record.get(f.campaign_member_id), record["Id"])
            )
            if len(page) == COLLECTION_LIMIT * 10:
                yield page
                page = []
        if page:
            yield page

    def upsert_touchpoints(self, touchpoints: Iterable[Touchpoint]) -> list[RecordResult]:
        """Upsert on the touchpoint key; a replay updates, never duplicates."""
        f = self._fields
        return self._sf.write_collection(
            "composite_upsert",
            (
                (tp.key, {"attributes": {"type": f.sobject}, **self._map.touchpoint_fields(tp)})
                for tp in touchpoints
            ),
            method="PATCH",
            path=f"composite/sobjects/{f.sobject}/{f.key}",
        )

    def delete_records(self, refs_to_ids: Mapping[str, str]) -> list[RecordResult]:
        """Delete by record id; a record already gone counts as deleted."""
        return self._sf.delete_records(refs_to_ids.items())

    def submit_touchpoint_query(self, campaign_id: str) -> BulkJob:
        """One Bulk API 2.0 query job over our touchpoints (key prefix) on the campaign, for a
        full reconciliation; submitted, not waited for, and without ORDER BY (sorted here)."""
        f = self._fields
        soql = format_soql(
            f"SELECT {self._map.touchpoint_columns} FROM {f.sobject} "
            f"WHERE {f.campaign} = {{}} AND {f.key} LIKE {{}}",
            campaign_id,
            f"{KEY_PREFIX}%",
        )
        return BulkJob(self._bulk.submit_query(f.sobject, soql), f.sobject, "query")

    def sorted_touchpoints(
        self, job: BulkJob, after_member_id: str
    ) -> Iterator[tuple[Touchpoint, str]]:
        """A finished touchpoint query job's rows in key order, after the member's key: (as
        found, record id)."""
        after_key = touchpoint_key(after_member_id) if after_member_id else ""
        yield from self._bulk.sorted_rows(
            job, self._fields.key, after_key, self._bulk_page_size, self._touchpoints_with_ids
        )

    def _touchpoints_with_ids(
        self, header: list[str]
    ) -> Callable[[list[str]], tuple[Touchpoint, str]]:
        touchpoint, record_id = self._map.touchpoints_from_csv(header), header.index("Id")
        return lambda row: (touchpoint(row), row[record_id])

    def read_touchpoints_by_record_ids(
        self, record_ids: Iterable[str]
    ) -> dict[str, tuple[Touchpoint, str]]:
        """Our touchpoints with these record ids, by record id: (as found, its key)."""
        f = self._fields
        template = f"SELECT {self._map.touchpoint_columns} FROM {f.sobject} WHERE Id IN {{}}"
        return {
            record["Id"]: (self._map.touchpoint_from_json(record), record[f.key])
            for record in self._sf.query_in(template, list(dict.fromkeys(record_ids)))
        }

    def stage_touchpoint_writes(self) -> StagedTouchpointWrites:
        return _StagedWrites(self._bulk, self._map, self._fields)

    def upserted_touchpoints(self, status: BulkJobStatus) -> Iterator[UpsertedTouchpoint]:
        """Touchpoints an upsert job wrote, with their record ids and whether it created them,
        from its successful rows (one call; the file is streamed to ephemeral storage)."""
        yield from self._bulk.successful_rows(status.job, self._upserted)

    def _upserted(self, header: list[str]) -> Callable[[list[str]], UpsertedTouchpoint]:
        touchpoint = self._map.touchpoints_from_csv(header)
        record_id, created = header.index("sf__Id"), header.index("sf__Created")
        return lambda row: UpsertedTouchpoint(
            touchpoint(row), row[record_id], row[created].lower() == "true"
        )

    def ingest_failures(
        self, status: BulkJobStatus
    ) -> list[tuple[RecordResult, Touchpoint | None]]:
        """Rows a touchpoint ingest job refused or never processed: `ref` is the touchpoint key
        for an upsert (with the touchpoint it tried to write), the record id for a delete (a
        record already gone counts as deleted)."""
        upsert = status.job.operation == "upsert"
        return [
            (failure, self._map.touchpoint_from_csv(row) if upsert else None)
            for failure, row in self._bulk.ingest_failures(
                status, self._fields.key if upsert else "Id"
            )
            if failure.error_code != "ENTITY_IS_DELETED"
        ]

    # -- member fields -------------------------------------------------------------------------

    def update_member_dates(self, dates: Mapping[str, datetime | None]) -> list[RecordResult]:
        """Set `Buyer_Touchpoint_Date__c` on members (None clears it)."""
        values = {m: format_datetime(when) if when else None for m, when in dates.items()}
        return self._update_members(self._campaign_fields.member_touchpoint_date, values)

    def update_member_statuses(self, statuses: Mapping[str, str]) -> list[RecordResult]:
        """Write each member's touchpoint outcome to `Touchpoint_Status__c`."""
        return self._update_members(self._campaign_fields.member_status, statuses)

    def stage_member_statuses(self) -> StagedMemberStatuses:
        """Members' statuses staged for CampaignMember update jobs (`_StagedStatuses`): five
        calls a job, whatever the number of members, where collections take one call per 200."""
        return _StagedStatuses(self._bulk, self._campaign_fields.member_status)

    def member_status_failures(self, status: BulkJobStatus) -> list[RecordResult]:
        """The members a finished status update job refused or never processed (by Id)."""
        return [failure for failure, _ in self._bulk.ingest_failures(status, "Id")]

    def _update_members(self, field_name: str, values: Mapping[str, Any]) -> list[RecordResult]:
        return self._sf.write_collection(
            "composite_update",
            (
                (
                    member_id,
                    {"attributes": {"type": "CampaignMember"}, "Id": member_id, field_name: value},
                )
                for member_id, value in values.items()
            ),
            method="PATCH",
        )

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
        job = self._sf.call("bulk2_create_job", lambda sf: _ingest(sf).create_job("update"))
        job_id = str(job["id"])
        self._sf.call(
            "bulk2_upload", lambda sf: _ingest(sf).upload_job_data(job_id, buffer.getvalue())
        )
        self._sf.call("bulk2_close", lambda sf: _ingest(sf).close_job(job_id))
        return job_id

    def member_date_ingest_outcome(self, ingest_job_id: str) -> IngestOutcome | None:
        """None while the ingest job runs; once it is over, how many members it updated, the
        ones it refused (read only when there are any) and, if it failed, the rows it never
        processed."""
        info = self._sf.call("bulk2_poll", lambda sf: _ingest(sf).get_job(ingest_job_id, False))
        if info["state"] in ("Open", "UploadComplete", "InProgress"):
            return None
        failures: list[RecordResult] = []
        if int(info.get("numberRecordsFailed") or 0):
            text = self._sf.call(
                "bulk2_ingest_results",
                lambda sf: _ingest(sf).get_ingest_results(ingest_job_id, "failedResults"),
            )
            for row in csv.DictReader(io.StringIO(text)):
                code, _, message = (row.get("sf__Error") or "UNKNOWN_EXCEPTION").partition(":")
                message = message.removesuffix("--").rstrip(": ")
                failures.append(RecordResult(row["Id"], False, row["Id"], code, message))
        unprocessed: frozenset[str] = frozenset()
        if info["state"] != "JobComplete":
            text = self._sf.call(
                "bulk2_ingest_results",
                lambda sf: _ingest(sf).get_ingest_results(ingest_job_id, "unprocessedrecords"),
            )
            unprocessed = frozenset(row["Id"] for row in csv.DictReader(io.StringIO(text)))
        processed = int(info.get("numberRecordsProcessed") or 0)
        return IngestOutcome(
            updated=processed - len(failures),
            failures=tuple(failures),
            unprocessed_ids=unprocessed,
            error_message=info.get("errorMessage") if info["state"] != "JobComplete" else None,
        )


def _ingest(sf: Any) -> Any:
    """simple-salesforce's Bulk 2.0 client for CampaignMember, driven step by step."""
    return sf.bulk2.CampaignMember._client


class _StagedWrites:
    """A run's touchpoint upserts and deletes on ephemeral storage, until `submit` sends them as
    one ingest job per operation and ~100 MB of CSV."""

    def __init__(self, bulk: BulkRequests, mapper: RecordMapper, fields: TouchpointFields) -> None:
        self._bulk = bulk
        self._map = mapper
        self._fields = fields
        columns = list(mapper.touchpoint_fields_header())
        self._upserts = IngestStage(columns)
        self._deletes = IngestStage(["Id"])

    @property
    def count(self) -> int:
        return self._upserts.rows + self._deletes.rows

    def add_upsert(self, touchpoint: Touchpoint) -> None:
        self._upserts.add(self._map.touchpoint_values(touchpoint))

    def add_delete(self, record_id: str) -> None:
        self._deletes.add([record_id])

    def submit(self) -> list[BulkJob]:
        sobject, jobs = self._fields.sobject, []
        for stage, operation, external_id in (
            (self._upserts, "upsert", self._fields.key),
            (self._deletes, "delete", None),
        ):
            for part in stage.parts():
                job_id = self._bulk.submit_ingest(sobject, operation, part, external_id)
                jobs.append(BulkJob(job_id, sobject, operation))
        self.discard()
        return jobs

    def discard(self) -> None:
        self._upserts.close()
        self._deletes.close()


class _StagedStatuses:
    """A run's member statuses on ephemeral storage, until `submit` sends them as CampaignMember
    update jobs, one per ~100 MB of CSV: create, upload, close, and never wait (`bulk_status`
    polls each job later, `member_status_failures` reads what it refused)."""

    def __init__(self, bulk: BulkRequests, status_field: str) -> None:
        self._bulk = bulk
        self._stage = IngestStage(["Id", status_field])

    @property
    def count(self) -> int:
        return self._stage.rows

    def add(self, member_id: str, status: str) -> None:
        self._stage.add([member_id, status])

    def submit(self) -> list[BulkJob]:
        try:
            return [
                BulkJob(
                    self._bulk.submit_ingest("CampaignMember", "update", part, None),
                    "CampaignMember",
                    "update",
                )
                for part in self._stage.parts()
            ]
        finally:
            self.discard()

    def discard(self) -> None:
        self._stage.close()
