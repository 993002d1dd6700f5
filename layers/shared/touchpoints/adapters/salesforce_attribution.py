"""Salesforce adapter for attribution: persons' touchpoints, their opportunities through contact
roles, and the attribution records, read with REST queries (up to 200 ids an `IN` list) and written
with sObject collections (200 records a call, upserts on `Attribution_Key__c`), or, above the Bulk
threshold, as Bulk API 2.0 ingest jobs submitted and left running (`salesforce_bulk.py`)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from simple_salesforce import format_soql

from touchpoints.adapters.salesforce_bulk import BulkRequests, IngestStage
from touchpoints.adapters.salesforce_dates import format_datetime, parse_date, parse_datetime
from touchpoints.adapters.salesforce_transport import SalesforceTransport, escape_id
from touchpoints.ports.attribution import (
    AttributionJob,
    AttributionWriteKind,
    AttributionWrites,
    InfluenceRecord,
    OpportunityRoles,
    PersonTouchpoint,
)
from touchpoints.ports.salesforce import BulkJob, BulkJobStatus, RecordResult
from touchpoints.rules.attribution import PathTouchpoint
from touchpoints.rules.attribution_influence import CampaignInfluenceShare
from touchpoints.rules.attribution_opportunity import Opportunity, OpportunityAttribution
from touchpoints.rules.attribution_person import PersonAttribution
from touchpoints.rules.salesforce_ids import is_contact_id
from touchpoints.settings import AttributionFields, TouchpointFields

CENT = Decimal("0.01")
UNDATED = datetime.min.replace(tzinfo=UTC)  # a held record without a date: rewritten with one


class SalesforceAttributionGateway:
    def __init__(
        self,
        transport: SalesforceTransport,
        touchpoint_fields: TouchpointFields | None = None,
        attribution_fields: AttributionFields | None = None,
    ) -> None:
        self._sf = transport
        self._tp = touchpoint_fields or TouchpointFields()
        self._at = attribution_fields or AttributionFields()

    @property
    def calls(self) -> Counter[str]:
        return self._sf.calls

    # -- persons -------------------------------------------------------------------------------

    def person_created_dates(self, person_ids: Sequence[str]) -> dict[str, datetime]:
        contacts = [p for p in person_ids if is_contact_id(p)]
        leads = [p for p in person_ids if not is_contact_id(p)]
        created: dict[str, datetime] = {}
        for sobject, ids in (("Lead", leads), ("Contact", contacts)):
            if ids:
                soql = f"SELECT Id, CreatedDate FROM {sobject} WHERE Id IN {{}}"
                for record in self._sf.query_in(soql, ids):
                    created[record["Id"]] = _moment(record["CreatedDate"])
        if contacts:  # a converted lead's contact keeps the lead's date
            soql = "SELECT ConvertedContactId, CreatedDate FROM Lead WHERE ConvertedContactId IN {}"
            for record in self._sf.query_in(soql, contacts):
                contact = record["ConvertedContactId"]
                if contact in created:
                    created[contact] = min(created[contact], _moment(record["CreatedDate"]))
        return created

    def touchpoints_of(self, person_ids: Sequence[str]) -> list[PersonTouchpoint]:
        """Every touchpoint naming one of the leads (`Lead__c`) or contacts (`Contact__c`); one
        without a date is on no path. Its person is its contact, else its lead."""
        f = self._tp
        columns = (
            f"Id, {f.lead}, {f.contact}, {f.campaign}, {f.touchpoint_date}, {f.position}, "
            f"{f.first_touch_percent}, {f.lead_creation_percent}, {f.u_shaped_percent}"
        )
        found: dict[str, PersonTouchpoint] = {}
        contacts = [p for p in person_ids if is_contact_id(p)]
        leads = [p for p in person_ids if not is_contact_id(p)]
        for lookup, ids in ((f.lead, leads), (f.contact, contacts)):
            soql = f"SELECT {columns} FROM {f.sobject} WHERE {lookup} IN {{}}"
            for record in self._sf.query_in(soql, ids):
                moment = parse_datetime(record.get(f.touchpoint_date))
                person = record.get(f.contact) or record.get(f.lead)
                if moment is None or not person:
                    continue
                found[record["Id"]] = PersonTouchpoint(
                    person,
                    PathTouchpoint(record["Id"], moment, record.get(f.campaign) or ""),
                    PersonAttribution(
                        record["Id"],
                        record.get(f.position),
                        _percent(record.get(f.first_touch_percent)),
                        _percent(record.get(f.lead_creation_percent)),
                        _percent(record.get(f.u_shaped_percent)),
                    ),
                )
        return list(found.values())

    def update_person_attribution(self, rows: Iterable[PersonAttribution]) -> list[RecordResult]:
        f = self._tp
        return self._sf.write_collection(
            "composite_update",
            (
                (
                    row.key,
                    {
                        "attributes": {"type": f.sobject},
                        "Id": row.key,
                        f.position: row.position,
                        f.first_touch_percent: float(row.first_touch),
                        f.lead_creation_percent: float(row.lead_creation),
                        f.u_shaped_percent: float(row.u_shaped),
                    },
                )
                for row in rows
            ),
            method="PATCH",
        )

    def persons_with_touchpoints(self) -> set[str]:
        """Every person (contact, else lead) a dated touchpoint names: the daily pass's persons."""
        f = self._tp
        soql = f"SELECT {f.lead}, {f.contact} FROM {f.sobject} WHERE {f.touchpoint_date} != null"
        named = (r.get(f.contact) or r.get(f.lead) for r in self._sf.query(soql))
        return {person for person in named if person}

    # -- opportunities -------------------------------------------------------------------------

    def contacts_on_changed_opportunities(self, since: datetime) -> set[str]:
        """Contacts whose contact role, or whose role's opportunity, changed after `since`:
        `queryAll`, so opportunities deleted or undeleted and the roles deleted with them (in the
        Recycle Bin) count. A role deleted on its own is not kept there: the daily pass finds its
        opportunity through the attribution records naming the contact."""
        literal = format_datetime(since)
        soql = f"SELECT Id FROM Opportunity WHERE SystemModstamp > {literal}"
        changed = [r["Id"] for r in self._sf.query(soql, include_deleted=True)]
        soql = f"SELECT ContactId FROM OpportunityContactRole WHERE SystemModstamp > {literal}"
        roles = self._sf.query(soql, include_deleted=True)
        contacts = {r["ContactId"] for r in roles if r.get("ContactId")}
        if changed:
            contacts |= self.contacts_of_opportunities(changed)
        return contacts

    def contacts_of_opportunities(self, opportunity_ids: Sequence[str]) -> set[str]:
        soql = "SELECT ContactId FROM OpportunityContactRole WHERE OpportunityId IN {}"
        records = self._sf.query_in(soql, list(opportunity_ids), include_deleted=True)
        return {r["ContactId"] for r in records if r.get("ContactId")}

    def contacts_of_roles(self, role_ids: Sequence[str]) -> set[str]:
        soql = "SELECT ContactId, OpportunityId FROM OpportunityContactRole WHERE Id IN {}"
        roles = list(self._sf.query_in(soql, list(role_ids), include_deleted=True))
        contacts = {r["ContactId"] for r in roles if r.get("ContactId")}
        opportunities = sorted({r["OpportunityId"] for r in roles if r.get("OpportunityId")})
        if opportunities:
            contacts |= self.contacts_of_opportunities(opportunities)
        return contacts

    def opportunities_of(self, contact_ids: Sequence[str]) -> list[OpportunityRoles]:
        """Through the contacts' roles, and through the attribution records that name them (a
        role deleted on its own leaves no trace but those: Salesforce does not keep it)."""
        a = self._at
        soql = "SELECT OpportunityId FROM OpportunityContactRole WHERE ContactId IN {}"
        found = {r["OpportunityId"] for r in self._sf.query_in(soql, list(contact_ids))}
        soql = f"SELECT {a.opportunity} FROM {a.sobject} WHERE {a.contact} IN {{}}"
        found |= {r[a.opportunity] for r in self._sf.query_in(soql, list(contact_ids))}
        opportunity_ids = sorted(found)
        if not opportunity_ids:
            return []
        contacts: dict[str, set[str]] = defaultdict(set)
        soql = (
            "SELECT OpportunityId, ContactId FROM OpportunityContactRole WHERE OpportunityId IN {}"
        )
        for record in self._sf.query_in(soql, opportunity_ids):
            if record.get("ContactId"):
                contacts[record["OpportunityId"]].add(record["ContactId"])
        soql = "SELECT Id, Amount, CloseDate, CreatedDate, IsWon FROM Opportunity WHERE Id IN {}"
        roles = []
        for record in self._sf.query_in(soql, opportunity_ids):
            close_date = parse_date(record.get("CloseDate"))
            if close_date is None:
                continue
            opportunity = Opportunity(
                record["Id"],
                _moment(record["CreatedDate"]),
                close_date,
                bool(record.get("IsWon")),
                _amount(record.get("Amount")),
            )
            roles.append(OpportunityRoles(opportunity, tuple(sorted(contacts[record["Id"]]))))
        return roles

    def opportunity_attribution(
        self, opportunity_ids: Sequence[str]
    ) -> list[OpportunityAttribution]:
        a = self._at
        soql = (
            f"SELECT Id, {a.key}, {a.opportunity}, {a.touchpoint}, {a.contact}, {a.campaign}, "
            f"{a.touchpoint_date}, {a.position}, {a.w_shaped_percent}, {a.full_path_percent}, "
            f"{a.linear_percent}, {a.custom_percent}, {a.revenue} "
            f"FROM {a.sobject} WHERE {a.opportunity} IN {{}}"
        )
        return [
            OpportunityAttribution(
                key=record.get(a.key) or record["Id"],
                opportunity_id=record[a.opportunity],
                touchpoint_key=record.get(a.touchpoint) or "",
                contact_id=record.get(a.contact) or "",
                campaign_id=record.get(a.campaign) or "",
                moment=parse_datetime(record.get(a.touchpoint_date)) or UNDATED,
                position=record.get(a.position),
                w_shaped=_percent(record.get(a.w_shaped_percent)),
                full_path=_percent(record.get(a.full_path_percent)),
                linear=_percent(record.get(a.linear_percent)),
                custom=_percent(record.get(a.custom_percent)),
                revenue=_amount(record.get(a.revenue)),
            )
            for record in self._sf.query_in(soql, list(opportunity_ids))
        ]

    def upsert_opportunity_attribution(
        self, rows: Iterable[OpportunityAttribution]
    ) -> list[RecordResult]:
        """Upsert on `Attribution_Key__c`; a replay updates, never duplicates."""
        a = self._at
        return self._sf.write_collection(
            "composite_upsert",
            ((row.key, {"attributes": {"type": a.sobject}, **self._fields(row)}) for row in rows),
            method="PATCH",
            path=f"composite/sobjects/{a.sobject}/{a.key}",
        )

    def delete_opportunity_attribution(self, keys: Iterable[str]) -> list[RecordResult]:
        """Delete by key (the records are found by it first); one already gone counts as deleted."""
        a = self._at
        keys = list(keys)
        if not keys:
            return []
        soql = f"SELECT Id, {a.key} FROM {a.sobject} WHERE {a.key} IN {{}}"
        ids = {record[a.key]: record["Id"] for record in self._sf.query_in(soql, keys)}
        gone = [RecordResult(key, True) for key in keys if key not in ids]
        return gone + self._sf.delete_records(ids.items())

    def _fields(self, row: OpportunityAttribution) -> dict[str, Any]:
        a = self._at
        return {
            a.key: row.key,
            a.opportunity: row.opportunity_id,
            a.touchpoint: row.touchpoint_key,
            a.contact: row.contact_id or None,
            a.campaign: row.campaign_id or None,
            a.touchpoint_date: format_datetime(row.moment),
            a.position: row.position,
            a.w_shaped_percent: float(row.w_shaped),
            a.full_path_percent: float(row.full_path),
            a.linear_percent: float(row.linear),
            a.custom_percent: float(row.custom),
            a.revenue: None if row.revenue is None else float(row.revenue),
        }

    # -- Campaign Influence --------------------------------------------------------------------

    def influence_model_id(self, developer_name: str) -> str | None:
        soql = "SELECT Id FROM CampaignInfluenceModel WHERE DeveloperName = {}"
        found = list(self._sf.query(format_soql(soql, developer_name)))
        return found[0]["Id"] if found else None

    def campaign_influence(
        self, model_id: str, opportunity_ids: Sequence[str]
    ) -> list[InfluenceRecord]:
        soql = (
            "SELECT Id, OpportunityId, CampaignId, ContactId, Influence FROM CampaignInfluence "
            f"WHERE ModelId = '{escape_id(model_id)}' AND OpportunityId IN {{}}"
        )
        return [
            InfluenceRecord(
                record["Id"],
                CampaignInfluenceShare(
                    record["OpportunityId"],
                    record["CampaignId"],
                    record.get("ContactId") or "",
                    _percent(record.get("Influence")),
                ),
            )
            for record in self._sf.query_in(soql, list(opportunity_ids))
        ]

    def write_campaign_influence(
        self,
        model_id: str,
        created: Iterable[CampaignInfluenceShare],
        updated: Iterable[InfluenceRecord],
        deleted: Iterable[str],
    ) -> list[RecordResult]:
        """New records are inserted, changed ones updated by id (campaign, opportunity, contact
        and model are set on create only), unwanted ones deleted."""
        results = self._sf.write_collection(
            "composite_create",
            (
                (
                    f"{share.opportunity_id}:{share.campaign_id}:{share.contact_id}",
                    {
                        "attributes": {"type": "CampaignInfluence"},
                        "ModelId": model_id,
                        "OpportunityId": share.opportunity_id,
                        "CampaignId": share.campaign_id,
                        "ContactId": share.contact_id or None,
                        "Influence": float(share.influence),
                    },
                )
                for share in created
            ),
            method="POST",
        )
        results += self._sf.write_collection(
            "composite_update",
            (
                (
                    record.record_id,
                    {
                        "attributes": {"type": "CampaignInfluence"},
                        "Id": record.record_id,
                        "Influence": float(record.share.influence),
                    },
                )
                for record in updated
            ),
            method="PATCH",
        )
        return results + self._sf.delete_records((rid, rid) for rid in deleted)

    # -- Bulk API 2.0, above the threshold -----------------------------------------------------

    def submit_attribution_jobs(self, writes: AttributionWrites) -> list[AttributionJob]:
        """One ingest job per object and operation (per 100 MB of CSV), created, uploaded and
        closed; none is waited for."""
        bulk = BulkRequests(self._sf)
        jobs: list[AttributionJob] = []
        for kind, sobject, operation, external_id, header, rows in self._ingest_plan(writes):
            stage = IngestStage(header)
            try:
                for row in rows:
                    stage.add(row)
                for part in stage.parts():
                    job_id = bulk.submit_ingest(sobject, operation, part, external_id)
                    jobs.append(AttributionJob(kind, BulkJob(job_id, sobject, operation)))
            finally:
                stage.close()
        return jobs

    def attribution_job_status(self, job: BulkJob) -> BulkJobStatus:
        return BulkRequests(self._sf).status(job)

    def attribution_job_failures(self, job: AttributionJob, status: BulkJobStatus) -> list[str]:
        ref_column = "Id" if job.job.operation in ("update", "delete") else self._at.key
        if job.kind is AttributionWriteKind.INFLUENCE_CREATED:
            ref_column = "OpportunityId"
        failures = BulkRequests(self._sf).ingest_failures(status, ref_column)
        return [outcome.error_code or "UNKNOWN" for outcome, _ in failures]

    def _ingest_plan(
        self, writes: AttributionWrites
    ) -> Iterator[
        tuple[AttributionWriteKind, str, str, str | None, list[str], Iterator[list[Any]]]
    ]:
        """Each non-empty operation: its kind, object, operation, external id, header and rows."""
        f, a, kind = self._tp, self._at, AttributionWriteKind
        if writes.person:
            header = ["Id", f.position, f.first_touch_percent, f.lead_creation_percent]
            yield (
                kind.TOUCHPOINTS,
                f.sobject,
                "update",
                None,
                [*header, f.u_shaped_percent],
                (
                    [
                        row.key,
                        row.position,
                        float(row.first_touch),
                        float(row.lead_creation),
                        float(row.u_shaped),
                    ]
                    for row in writes.person
                ),
            )
        if writes.upserts:
            columns = list(self._fields(writes.upserts[0]))
            rows = (list(self._fields(row).values()) for row in writes.upserts)
            yield kind.ATTRIBUTION, a.sobject, "upsert", a.key, columns, rows
        ids = self._ids_by_key(writes.deletes)
        if ids:
            yield kind.ATTRIBUTION_DELETED, a.sobject, "delete", None, ["Id"], ([i] for i in ids)
        if writes.influence_model_id is not None:
            yield from self._influence_plan(writes.influence_model_id, writes)

    def _influence_plan(
        self, model_id: str, writes: AttributionWrites
    ) -> Iterator[
        tuple[AttributionWriteKind, str, str, str | None, list[str], Iterator[list[Any]]]
    ]:
        kind, sobject = AttributionWriteKind, "CampaignInfluence"
        if writes.influence_created:
            header = ["ModelId", "OpportunityId", "CampaignId", "ContactId", "Influence"]
            rows = (
                [
                    model_id,
                    share.opportunity_id,
                    share.campaign_id,
                    share.contact_id or None,
                    float(share.influence),
                ]
                for share in writes.influence_created
            )
            yield kind.INFLUENCE_CREATED, sobject, "insert", None, header, rows
        if writes.influence_updated:
            updated = (
                [record.record_id, float(record.share.influence)]
                for record in writes.influence_updated
            )
            yield kind.INFLUENCE_UPDATED, sobject, "update", None, ["Id", "Influence"], updated
        if writes.influence_deleted:
            deleted = ([record_id] for record_id in writes.influence_deleted)
            yield kind.INFLUENCE_DELETED, sobject, "delete", None, ["Id"], deleted

    def _ids_by_key(self, keys: Sequence[str]) -> list[str]:
        """The record ids of the attribution records with these keys (those already gone are
        left out)."""
        if not keys:
            return []
        a = self._at
        soql = f"SELECT Id, {a.key} FROM {a.sobject} WHERE {a.key} IN {{}}"
        return [record["Id"] for record in self._sf.query_in(soql, list(keys))]


def _moment(value: str | None) -> datetime:
    moment = parse_datetime(value)
    if moment is None:
        raise ValueError("Salesforce returned a record without its date")
    return moment


def _percent(value: object) -> Decimal:
    """A percent as the rules hold it (two decimals); a field never written reads as none."""
    if value is None:
        return Decimal("NaN")  # equals nothing, so a blank field is always written
    return Decimal(str(value)).quantize(CENT)


def _amount(value: object) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(CENT)
