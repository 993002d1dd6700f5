"""What the attribution use case needs from Salesforce and from its queue."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

from touchpoints.ports.salesforce import BulkJob, BulkJobStatus, RecordResult

# Types only: the functions that queue persons or show their paths (recompute, sweep, change
# events, sync status) import this port, and never run the attribution rules.
if TYPE_CHECKING:
    from touchpoints.rules.attribution import PathTouchpoint
    from touchpoints.rules.attribution_influence import CampaignInfluenceShare
    from touchpoints.rules.attribution_opportunity import Opportunity, OpportunityAttribution
    from touchpoints.rules.attribution_person import PersonAttribution

# Persons per attribution message: their touchpoints, opportunities and contact roles are read in
# a handful of queries (up to 200 ids each), and a run stays well inside a minute.
PERSONS_PER_MESSAGE = 100


@dataclass(frozen=True, slots=True)
class PersonTouchpoint:
    """A `Buyer_Touchpoint__c` on a person's path (its key is the record id: touchpoints written by
    anyone count) and the attribution it carries now."""

    person_id: str
    touchpoint: PathTouchpoint
    current: PersonAttribution


@dataclass(frozen=True, slots=True)
class OpportunityRoles:
    """An opportunity and the contacts its contact roles name."""

    opportunity: Opportunity
    contact_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class InfluenceRecord:
    """A `CampaignInfluence` of the configured model as Salesforce holds it."""

    record_id: str
    share: CampaignInfluenceShare


@dataclass(frozen=True, slots=True)
class AttributionWrites:
    """Every write one run decided on, before it is sent: collections up to the Bulk threshold,
    ingest jobs above it."""

    person: tuple[PersonAttribution, ...] = ()
    upserts: tuple[OpportunityAttribution, ...] = ()
    deletes: tuple[str, ...] = ()  # attribution keys
    influence_model_id: str | None = None
    influence_created: tuple[CampaignInfluenceShare, ...] = ()
    influence_updated: tuple[InfluenceRecord, ...] = ()
    influence_deleted: tuple[str, ...] = ()  # CampaignInfluence record ids

    @property
    def count(self) -> int:
        return (
            len(self.person)
            + len(self.upserts)
            + len(self.deletes)
            + len(self.influence_created)
            + len(self.influence_updated)
            + len(self.influence_deleted)
        )


class AttributionWriteKind(StrEnum):
    """What an attribution ingest job writes, so its outcome is counted where it belongs."""

    TOUCHPOINTS = "touchpoints"
    ATTRIBUTION = "attribution"
    ATTRIBUTION_DELETED = "attribution_deleted"
    INFLUENCE_CREATED = "influence_created"
    INFLUENCE_UPDATED = "influence_updated"
    INFLUENCE_DELETED = "influence_deleted"


@dataclass(frozen=True, slots=True)
class AttributionJob:
    """A Bulk ingest job an attribution run submitted, followed by its continuation messages."""

    kind: AttributionWriteKind
    job: BulkJob

    def as_dict(self) -> dict[str, str]:
        return {"kind": self.kind.value, **self.job.as_dict()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AttributionJob:
        return cls(AttributionWriteKind(data["kind"]), BulkJob.from_dict(data))


class AttributionSalesforcePort(Protocol):
    """Reads persons' paths and their opportunities, writes attribution; writes report each record's
    outcome (`RecordResult`), never raise for one record."""

    def person_created_dates(self, person_ids: Sequence[str]) -> dict[str, datetime]:
        """Each lead's or contact's `CreatedDate`; a contact converted from a lead keeps the lead's
        (the earlier). Persons that no longer exist are left out."""
        ...

    def touchpoints_of(self, person_ids: Sequence[str]) -> list[PersonTouchpoint]: ...

    def opportunities_of(self, contact_ids: Sequence[str]) -> list[OpportunityRoles]:
        """The opportunities whose contact roles, or whose attribution records, name any of the
        contacts, with all their roles (an opportunity that lost its last role has none)."""
        ...

    def opportunity_attribution(
        self, opportunity_ids: Sequence[str]
    ) -> list[OpportunityAttribution]:
        """The `Buyer_Attribution_Touchpoint__c` records the opportunities have now."""
        ...

    def update_person_attribution(
        self, rows: Iterable[PersonAttribution]
    ) -> list[RecordResult]: ...

    def upsert_opportunity_attribution(
        self, rows: Iterable[OpportunityAttribution]
    ) -> list[RecordResult]: ...

    def delete_opportunity_attribution(self, keys: Iterable[str]) -> list[RecordResult]: ...

    def influence_model_id(self, developer_name: str) -> str | None: ...

    def campaign_influence(
        self, model_id: str, opportunity_ids: Sequence[str]
    ) -> list[InfluenceRecord]: ...

    def write_campaign_influence(
        self,
        model_id: str,
        created: Iterable[CampaignInfluenceShare],
        updated: Iterable[InfluenceRecord],
        deleted: Iterable[str],
    ) -> list[RecordResult]: ...

    def submit_attribution_jobs(self, writes: AttributionWrites) -> list[AttributionJob]:
        """The writes as Bulk API 2.0 ingest jobs (one per object and operation), not waited for."""
        ...

    def attribution_job_status(self, job: BulkJob) -> BulkJobStatus: ...

    def attribution_job_failures(self, job: AttributionJob, status: BulkJobStatus) -> list[str]:
        """The error code of each row a finished job refused or left unprocessed."""
        ...


@dataclass(frozen=True, slots=True)
class PathStep:
    """One touchpoint of a person's path as the last attribution run left it, for sync status."""

    touchpoint_id: str
    moment: datetime
    campaign_id: str
    attribution: PersonAttribution


class PersonPathPort(Protocol):
    """Keeps each person's attributed path (no personal data) for the admin API to show."""

    def save_paths(self, paths: Mapping[str, Sequence[PathStep]]) -> None:
        """Replace each person's path; an empty one is forgotten."""
        ...

    def load_path(self, person_id: str) -> list[PathStep] | None: ...


class AttributionSweepPort(Protocol):
    """Finds the persons whose attribution may have moved without a touchpoint changing."""

    def persons_with_touchpoints(self) -> set[str]: ...

    def contacts_on_changed_opportunities(self, since: datetime) -> set[str]: ...


class OpportunityContactsPort(Protocol):
    """Finds the contacts whose attribution a change to opportunities or contact roles moves
    (Change Data Capture)."""

    def contacts_of_opportunities(self, opportunity_ids: Sequence[str]) -> set[str]:
        """Every contact a role on the opportunities names, roles in the Recycle Bin included."""
        ...

    def contacts_of_roles(self, role_ids: Sequence[str]) -> set[str]:
        """The roles' contacts and every contact of their opportunities (roles in the Recycle
        Bin included; a role deleted on its own is not kept there and names none)."""
        ...

    def persons_with_touchpoints(self) -> set[str]: ...


class AttributionQueuePort(Protocol):
    """Asks for the attribution of persons, `PERSONS_PER_MESSAGE` to a message; returns how many
    messages were sent."""

    def enqueue_persons(self, person_ids: Iterable[str], cause: str) -> int: ...
