"""Salesforce adapter for the program sync: campaign type and cost, member statuses, campaign
members by person email, leads, and the integration user's Marketing User permission.

Built on the same `SalesforceTransport` as the recompute's gateway (client, retries, session
renewal, call counting, collection writes); per-record outcomes come back as data.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from simple_salesforce import format_soql

from touchpoints.adapters.salesforce_transport import SalesforceTransport, escape_id
from touchpoints.ports.campaigns import CampaignPerson, NewLead, SyncCampaign
from touchpoints.ports.salesforce import RecordResult
from touchpoints.rules.program_sync import person_key

# Salesforce requires LastName and Company on a Lead; Marketo's sync fills gaps the same way.
NOT_PROVIDED = "[not provided]"


class CampaignSyncGateway:
    def __init__(self, transport: SalesforceTransport) -> None:
        self._sf = transport

    @property
    def calls(self) -> Counter[str]:
        """API calls by kind, for metrics and the run summary."""
        return self._sf.calls

    def read_sync_campaign(self, campaign_id: str) -> SyncCampaign | None:
        soql = (
            f"SELECT Id, Name, Type, ActualCost FROM Campaign WHERE Id = '{escape_id(campaign_id)}'"
        )
        records = list(self._sf.query(soql))
        if not records:
            return None
        record = records[0]
        cost = record.get("ActualCost")
        return SyncCampaign(
            record["Id"],
            record.get("Name") or "",
            record.get("Type"),
            float(cost) if cost is not None else None,
        )

    def member_status_labels(self, campaign_id: str) -> list[str]:
        soql = (
            "SELECT Label FROM CampaignMemberStatus "
            f"WHERE CampaignId = '{escape_id(campaign_id)}' ORDER BY SortOrder"
        )
        return [record["Label"] for record in self._sf.query(soql)]

    def is_marketing_user(self, username: str) -> bool | None:
        """Whether the user has `UserPermissionsMarketingUser`; None when there is no such user."""
        soql = format_soql(
            "SELECT Id, UserPermissionsMarketingUser FROM User WHERE Username = {}", username
        )
        records = list(self._sf.query(soql))
        return bool(records[0].get("UserPermissionsMarketingUser")) if records else None

    def campaign_people(self, campaign_id: str) -> Iterator[CampaignPerson | None]:
        """Every member of the campaign; None for a member that cannot be matched to Marketo and
        is left alone: its person has no email, or it is a converted Lead (its Contact is the
        person now)."""
        soql = (
            "SELECT Id, LeadId, ContactId, Status, Lead.Email, Lead.FirstName, Lead.LastName, "
            "Lead.Company, Lead.IsConverted, Contact.Email, Contact.FirstName, Contact.LastName "
            f"FROM CampaignMember WHERE CampaignId = '{escape_id(campaign_id)}' ORDER BY Id"
        )
        for record in self._sf.query(soql):
            person = (
                record.get("Contact") if record.get("ContactId") else record.get("Lead")
            ) or {}
            email = person_key(person.get("Email"))
            if email is None or person.get("IsConverted"):
                yield None
                continue
            yield CampaignPerson(
                member_id=record["Id"],
                person_id=record.get("ContactId") or record["LeadId"],
                email=email,
                status=record.get("Status") or "",
                first_name=person.get("FirstName"),
                last_name=person.get("LastName"),
                company=person.get("Company"),
            )

    def find_people(self, emails: Iterable[str]) -> dict[str, str]:
        """Person id by email: a Contact when one has the email, else an unconverted Lead (as
        Marketo's sync prefers contacts; a converted Lead is never matched)."""
        wanted = sorted({e for e in (person_key(e) for e in emails) if e})
        found: dict[str, str] = {}
        for sobject, extra in (("Lead", " AND IsConverted = false"), ("Contact", "")):
            soql = f"SELECT Id, Email FROM {sobject} WHERE Email IN {{}}{extra}"
            for record in self._sf.query_in(soql, wanted):  # contacts last: they win
                key = person_key(record.get("Email"))
                if key:
                    found[key] = record["Id"]
        return found

    def matchable_people(self, person_ids: Iterable[str]) -> set[str]:
        """Those of these Contact / Lead ids that exist and are not converted Leads (18-char)."""
        ids = sorted({i for i in person_ids if i and len(i) in (15, 18) and i.isalnum()})
        found: set[str] = set()
        for sobject, prefix, extra in (
            ("Contact", "003", ""),
            ("Lead", "00Q", " AND IsConverted = false"),
        ):
            wanted = [i for i in ids if i.startswith(prefix)]
            soql = f"SELECT Id FROM {sobject} WHERE Id IN {{}}{extra}"
            for record in self._sf.query_in(soql, wanted):
                found.add(record["Id"])
                found.add(record["Id"][:15])  # the caller may hold either form
        return found

    def create_leads(self, leads: Iterable[NewLead]) -> dict[str, RecordResult]:
        """Create leads with the fields Salesforce requires (LastName, Company)."""
        records = (
            (
                lead.email,
                {
                    "attributes": {"type": "Lead"},
                    "Email": lead.email,
                    "FirstName": lead.first_name,
                    "LastName": lead.last_name or lead.email.split("@")[0] or NOT_PROVIDED,
                    "Company": lead.company or NOT_PROVIDED,
                },
            )
            for lead in leads
        )
        results = self._sf.write_collection("composite_create", records, method="POST")
        return {result.ref: result for result in results}

    def add_members(
        self, campaign_id: str, people: Mapping[str, tuple[str, str]]
    ) -> dict[str, RecordResult]:
        """Add people (email -> (person id, status)) to the campaign."""
        records = (
            (
                email,
                {
                    "attributes": {"type": "CampaignMember"},
                    "CampaignId": campaign_id,
                    ("ContactId" if person_id.startswith("003") else "LeadId"): person_id,
                    "Status": status,
                },
            )
            for email, (person_id, status) in people.items()
        )
        results = self._sf.write_collection("composite_create", records, method="POST")
        return {result.ref: result for result in results}

    def set_member_statuses(self, statuses: Mapping[str, str]) -> dict[str, RecordResult]:
        """Set Status on campaign members (member id -> status)."""
        records = (
            (
                member_id,
                {"attributes": {"type": "CampaignMember"}, "Id": member_id, "Status": status},
            )
            for member_id, status in statuses.items()
        )
        results = self._sf.write_collection("composite_update", records, method="PATCH")
        return {result.ref: result for result in results}

    def delete_records(self, refs_to_ids: Mapping[str, str]) -> list[RecordResult]:
        """Delete by record id; a record already gone counts as deleted."""
        return self._sf.delete_records(refs_to_ids.items())

    def update_campaign(self, campaign_id: str, fields: Mapping[str, Any]) -> None:
        def update(sf: Any) -> Any:  # (simple-salesforce types sf.Campaign as any of its APIs)
            return sf.Campaign.update(escape_id(campaign_id), dict(fields))

        self._sf.call("sobject_update", update)
