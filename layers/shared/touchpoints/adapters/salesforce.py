"""Salesforce adapter: the only code that reads campaigns and members or writes touchpoints.

Per-record failures come back as data (`RecordResult`), never as exceptions; whole-call failures
are translated to the few errors the services act on.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from itertools import batched
from typing import Any

import requests
from simple_salesforce import Salesforce, format_soql
from simple_salesforce.exceptions import (
    SalesforceError,
    SalesforceGeneralError,
    SalesforceRefusedRequest,
)

from touchpoints.adapters.salesforce_dates import format_datetime, parse_date, parse_datetime
from touchpoints.rules.email import member_email
from touchpoints.rules.models import Campaign, Member, Touchpoint
from touchpoints.rules.sync_mode import parse_sync_mode
from touchpoints.settings import CampaignFields, TouchpointFields

COLLECTION_LIMIT = 200  # sObject collections take at most 200 records a call
TOUCHPOINT_SOURCE = "CRM Campaign"


class SalesforceLimitExceededError(RuntimeError):
    """The org's API request limit is spent: stop now and retry later, recording nothing as done."""


class SalesforceUnavailableError(RuntimeError):
    """Salesforce kept failing (5xx or no connection) after bounded retries."""


@dataclass(frozen=True, slots=True)
class RecordResult:
    """One record's outcome in a collection call: `ref` is our key or member id."""

    ref: str
    success: bool
    record_id: str | None = None
    error_code: str | None = None
    message: str | None = None


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
    ) -> None:
        self._sf = client
        self._campaign_fields = campaign_fields or CampaignFields()
        self._fields = touchpoint_fields or TouchpointFields()
        self._sleep = sleep
        self.calls: Counter[str] = Counter()  # API calls by kind, for metrics and the run summary

    def _call[T](self, kind: str, call: Callable[[], T]) -> T:
        self.calls[kind] += 1
        return _with_retries(call, sleep=self._sleep)

    # -- reads -------------------------------------------------------------------------------

    def query(self, soql: str) -> Iterator[dict[str, Any]]:
        """Every record the query matches, following `nextRecordsUrl` pages lazily."""
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

    def member_soql(self, where: str) -> str:
        return (
            "SELECT Id, CampaignId, LeadId, ContactId, Lead.Email, Contact.Email, Status, "
            f"HasResponded, FirstRespondedDate, CreatedDate, {self._campaign_fields.member_touchpoint_date} "
            f"FROM CampaignMember WHERE {where} ORDER BY Id"
        )

    def read_members(self, campaign_id: str) -> Iterator[Member]:
        soql = self.member_soql(f"CampaignId = '{_escape_id(campaign_id)}'")
        for record in self.query(soql):
            yield self.member_from_record(record)

    def member_from_record(self, record: Mapping[str, Any]) -> Member:
        lead, contact = record.get("Lead") or {}, record.get("Contact") or {}
        return Member(
            id=record["Id"],
            campaign_id=record["CampaignId"],
            lead_id=record.get("LeadId"),
            contact_id=record.get("ContactId"),
            email=member_email(
                lead.get("Email"), contact.get("Email"), has_contact=bool(record.get("ContactId"))
            ),
            has_responded=bool(record.get("HasResponded")),
            created_date=parse_datetime(record["CreatedDate"]),
            first_responded_date=parse_date(record.get("FirstRespondedDate")),
            touchpoint_date=parse_datetime(
                record.get(self._campaign_fields.member_touchpoint_date)
            ),
            status=record.get("Status"),
        )

    # -- writes ------------------------------------------------------------------------------

    def touchpoint_record(self, touchpoint: Touchpoint) -> dict[str, Any]:
        f = self._fields
        return {
            "attributes": {"type": f.sobject},
            f.key: touchpoint.key,
            f.campaign: touchpoint.campaign_id,
            f.campaign_member_id: touchpoint.member_id,
            f.lead: touchpoint.lead_id,
            f.contact: touchpoint.contact_id,
            f.email: touchpoint.email,
            f.touchpoint_date: format_datetime(touchpoint.touchpoint_date),
            f.channel: touchpoint.channel,
            f.channel_path: touchpoint.channel_path,
            f.source: TOUCHPOINT_SOURCE,
            f.medium: touchpoint.medium,
        }

    def upsert_touchpoints(self, touchpoints: Iterable[Touchpoint]) -> list[RecordResult]:
        """Upsert on the touchpoint key, 200 a call; a replay updates, never duplicates."""
        f = self._fields
        results: list[RecordResult] = []
        for chunk in batched(touchpoints, COLLECTION_LIMIT, strict=False):
            body = {"allOrNone": False, "records": [self.touchpoint_record(tp) for tp in chunk]}
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

    def find_touchpoint_ids(self, keys: Iterable[str]) -> dict[str, str]:
        """Record ids for touchpoint keys (when the stored state lost them)."""
        f = self._fields
        found: dict[str, str] = {}
        for chunk in batched(keys, COLLECTION_LIMIT, strict=False):
            soql = format_soql(f"SELECT Id, {f.key} FROM {f.sobject} WHERE {f.key} IN {{}}", chunk)
            found.update({record[f.key]: record["Id"] for record in self.query(soql)})
        return found

    def update_member_dates(self, dates: Mapping[str, datetime | None]) -> list[RecordResult]:
        """Set `Buyer_Touchpoint_Date__c` on members (None clears it), 200 a call."""
        field_name = self._campaign_fields.member_touchpoint_date
        results: list[RecordResult] = []
        for chunk in batched(dates.items(), COLLECTION_LIMIT, strict=False):
            records = [
                {
                    "attributes": {"type": "CampaignMember"},
                    "Id": member_id,
                    field_name: format_datetime(when) if when else None,
                }
                for member_id, when in chunk
            ]
            body = {"allOrNone": False, "records": records}
            replies = self._call(
                "composite_update",
                lambda body=body: self._sf.restful("composite/sobjects", method="PATCH", json=body),
            )
            results.extend(_record_results([member_id for member_id, _ in chunk], replies))
        return results


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
