"""What Salesforce does on writes to opportunities, their contact roles and Campaign Influence.

From the Object Reference (Salesforce Platform):
- Opportunity, https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_opportunity.htm,
  and OpportunityStage, https://developer.salesforce.com/docs/platform/object-reference/references/standard-objects/object-opportunitystage.html:
  `IsClosed` and `IsWon` come from the stage (`StageName`) and cannot be written.
- OpportunityContactRole, https://developer.salesforce.com/docs/platform/object-reference/references/standard-objects/object-opportunitycontactrole.html:
  `OpportunityId` is required and cannot be updated; `IsPrimary` defaults to false and an
  opportunity has only one primary contact; access follows the opportunity. "The IsDeleted flag is
  usable only when the parent record is deleted to the recycle bin, and not when the
  OpportunityContactRole record is deleted directly": a role deleted with its opportunity goes to
  the Recycle Bin (and comes back with it), one deleted on its own does not (`queryAll` never
  returns it).
- CampaignInfluence, https://developer.salesforce.com/docs/platform/object-reference/references/standard-objects/object-campaigninfluence.html:
  `CampaignId`, `OpportunityId`, `ModelId` (and the nillable `ContactId`) are set on create only;
  `Influence` is the percent of the opportunity's `Amount`; `RevenueShare` is computed (read-only).
- CampaignInfluenceModel, https://developer.salesforce.com/docs/platform/object-reference/references/standard-objects/object-campaigninfluencemodel.html:
  read-only through the API (describe, query, retrieve); `IsActive`, `IsDefaultModel`,
  `IsModelLocked` default to false; records of a locked model are added, edited or deleted only
  through the API (which is all the emulator serves, so every model's records are writable here).
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Protocol

from .errors import RecordError


class Store(Protocol):
    """What these rules use of the org's store (store.py calls them: no import back)."""

    def lookup(self, record: dict, field: str, target: str, required: bool) -> str | None: ...

    def get(self, sobject: str, record_id: str) -> dict | None: ...

    def records(self, sobject: str, include_deleted: bool = False) -> Iterator[dict]: ...

    def replace(self, sobject: str, record: dict) -> None: ...


OPPORTUNITY, CONTACT_ROLE = "Opportunity", "OpportunityContactRole"
INFLUENCE, INFLUENCE_MODEL = "CampaignInfluence", "CampaignInfluenceModel"
# The stages a new org ships with that close an opportunity, and whether each one wins it.
CLOSED_STAGES = {"closed won": True, "closed lost": False}
# Objects the API may read but never write (the emulator's seeding API may).
API_READ_ONLY_OBJECTS = frozenset({INFLUENCE_MODEL.lower()})


def apply_rules(store: Store, sobject: str, record: dict, old: dict | None) -> None:
    """Derived values and lookups of the four objects; other objects are left alone."""
    if sobject == OPPORTUNITY:
        won = CLOSED_STAGES.get(str(record.get("StageName") or "").casefold())
        record["IsClosed"], record["IsWon"] = won is not None, bool(won)
    elif sobject == CONTACT_ROLE:
        store.lookup(record, "OpportunityId", OPPORTUNITY, required=True)
        store.lookup(record, "ContactId", "Contact", required=True)
        record["IsPrimary"] = bool(record.get("IsPrimary"))
    elif sobject == INFLUENCE:
        store.lookup(record, "CampaignId", "Campaign", required=True)
        opportunity_id = store.lookup(record, "OpportunityId", OPPORTUNITY, required=True)
        store.lookup(record, "ModelId", INFLUENCE_MODEL, required=True)
        store.lookup(record, "ContactId", "Contact", required=False)
        record["RevenueShare"] = revenue_share(store.get(OPPORTUNITY, opportunity_id), record)
    elif sobject == INFLUENCE_MODEL:
        for flag in ("IsActive", "IsDefaultModel", "IsModelLocked"):
            record[flag] = bool(record.get(flag))


def after_write(store: Store, sobject: str, record: dict, old: dict | None) -> None:
    """Follow-on changes: the one primary contact role, revenue shares after an amount changes."""
    if sobject == CONTACT_ROLE and record["IsPrimary"]:
        for other in store.records(CONTACT_ROLE):
            if (
                other["OpportunityId"] == record["OpportunityId"]
                and other["Id"] != record["Id"]
                and other["IsPrimary"]
            ):
                store.replace(CONTACT_ROLE, {**other, "IsPrimary": False})
    elif sobject == OPPORTUNITY and old is not None and old.get("Amount") != record.get("Amount"):
        for influence in list(store.records(INFLUENCE)):
            if influence["OpportunityId"] == record["Id"]:
                share = revenue_share(record, influence)
                if share != influence.get("RevenueShare"):
                    store.replace(INFLUENCE, {**influence, "RevenueShare": share})


def revenue_share(opportunity: dict | None, influence: dict) -> float | None:
    """`Amount` x `Influence` / 100, to the cent; none without an amount or an influence."""
    amount = (opportunity or {}).get("Amount")
    percent = influence.get("Influence")
    if amount is None or percent is None:
        return None
    share = Decimal(str(amount)) * Decimal(str(percent)) / 100
    return float(share.quantize(Decimal("0.01")))


def check_api_writable(sobject: str, verb: str) -> None:
    """A read-only object refuses every API write."""
    if sobject.lower() in API_READ_ONLY_OBJECTS:
        raise RecordError(
            "CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY", f"entity type cannot be {verb}: {sobject}"
        )


def kept_in_recycle_bin(sobject: str, with_parent: bool) -> bool:
    """Every deleted record goes to the Recycle Bin but a contact role deleted on its own."""
    return sobject != CONTACT_ROLE or with_parent


def deleted_with(store: Store, sobject: str, record_id: str) -> list[tuple[str, str]]:
    """The records a delete of `sobject` takes along: an opportunity's contact roles."""
    if sobject != OPPORTUNITY:
        return []
    return [
        (CONTACT_ROLE, role["Id"])
        for role in store.records(CONTACT_ROLE)
        if role.get("OpportunityId") == record_id
    ]
