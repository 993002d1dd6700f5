"""Salesforce adapter for `OrgChangesPort`: SOQL through `queryAll` wherever a deleted row must be
seen (a deleted member, campaign, lead or contact stays queryable there, `IsDeleted = true`).

With nothing changed the sweep's three questions cost four queries (members, campaigns, leads,
contacts); each changed person adds its share of an `IN (...)` query (up to 200 ids a call).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime

from touchpoints.adapters.salesforce_dates import format_datetime
from touchpoints.adapters.salesforce_transport import SalesforceTransport
from touchpoints.rules.salesforce_ids import canonical_id
from touchpoints.settings import CampaignFields

PEOPLE = ("Lead", "Contact")
# Key prefixes of the person a campaign member points at.
PERSON_FIELD_BY_PREFIX = {"00Q": "LeadId", "003": "ContactId"}


class SalesforceOrgChanges:
    def __init__(
        self, transport: SalesforceTransport, campaign_fields: CampaignFields | None = None
    ) -> None:
        self._sf = transport
        self._sync_field = (campaign_fields or CampaignFields()).sync_mode

    @property
    def calls(self) -> Counter[str]:
        return self._sf.calls

    def campaigns_with_member_changes(self, since: datetime) -> set[str]:
        soql = f"SELECT CampaignId FROM CampaignMember WHERE SystemModstamp > {_at(since)}"
        return {r["CampaignId"] for r in self._sf.query(soql, include_deleted=True)}

    def changed_synced_campaigns(self, since: datetime) -> set[str]:
        soql = (
            f"SELECT Id FROM Campaign WHERE {self._sync_field} != null "
            f"AND SystemModstamp > {_at(since)}"
        )
        return {r["Id"] for r in self._sf.query(soql, include_deleted=True)}

    def synced_campaigns(self) -> set[str]:
        soql = f"SELECT Id FROM Campaign WHERE {self._sync_field} != null"
        return {r["Id"] for r in self._sf.query(soql)}

    def campaigns_of_changed_people(self, since: datetime) -> set[str]:
        people: set[str] = set()
        for sobject in PEOPLE:
            soql = f"SELECT Id, MasterRecordId FROM {sobject} WHERE SystemModstamp > {_at(since)}"
            people |= _people_and_masters(self._sf.query(soql, include_deleted=True))
        return self._synced_campaigns_of(people)

    def campaigns_of_members(self, member_ids: Iterable[str]) -> set[str]:
        ids = _canonical(member_ids)
        template = "SELECT CampaignId FROM CampaignMember WHERE Id IN {}"
        return {r["CampaignId"] for r in self._sf.query_in(template, ids, include_deleted=True)}

    def campaigns_of_people(self, person_ids: Iterable[str]) -> set[str]:
        ids = _canonical(person_ids)
        people = set(ids)
        for sobject, prefix in zip(PEOPLE, PERSON_FIELD_BY_PREFIX, strict=True):
            of_type = [i for i in ids if i.startswith(prefix)]
            if of_type:  # a merged loser's memberships moved to its master
                template = f"SELECT Id, MasterRecordId FROM {sobject} WHERE Id IN {{}}"
                people |= _people_and_masters(
                    self._sf.query_in(template, of_type, include_deleted=True)
                )
        return self._synced_campaigns_of(people)

    def _synced_campaigns_of(self, people: set[str]) -> set[str]:
        campaigns: set[str] = set()
        for prefix, field in PERSON_FIELD_BY_PREFIX.items():
            of_type = sorted(i for i in people if i.startswith(prefix))
            if not of_type:
                continue
            template = (
                f"SELECT CampaignId FROM CampaignMember WHERE {field} IN {{}} "
                f"AND Campaign.{self._sync_field} != null"
            )
            campaigns |= {r["CampaignId"] for r in self._sf.query_in(template, of_type)}
        return campaigns


def _canonical(record_ids: Iterable[str]) -> list[str]:
    """The ids in their 18-character form, sorted; anything else is refused before a call."""
    canonical = {i: canonical_id(i) for i in record_ids}
    bad = sorted(str(i)[:40] for i, c in canonical.items() if c is None)
    if bad:
        raise ValueError(f"not Salesforce ids: {bad[:5]}")
    return sorted({c for c in canonical.values() if c})


def _at(moment: datetime) -> str:
    return format_datetime(moment)


def _people_and_masters(records: Iterable[dict]) -> set[str]:
    found: set[str] = set()
    for record in records:
        found.add(record["Id"])
        if record.get("MasterRecordId"):
            found.add(record["MasterRecordId"])
    return found
