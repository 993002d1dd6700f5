"""What the emulated org knows about its objects and fields.

The emulator has no metadata of its own: it learns field names (and their API casing) and kinds
from the values written, and lets tests declare what matters: external ids, unique fields, and,
optionally, an object's full field list (which makes unknown fields an error, as in a real org).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from .ids import STANDARD_KEY_PREFIXES
from .values import BOOLEAN, DATE, DATETIME, NUMBER, STRING, kind_of_value

SYSTEM_FIELDS = {
    "Id": STRING,
    "IsDeleted": BOOLEAN,
    "CreatedDate": DATETIME,
    "LastModifiedDate": DATETIME,
    "SystemModstamp": DATETIME,
}
# Fields Salesforce computes; the API refuses to write them.
READ_ONLY_FIELDS = {name.lower() for name in SYSTEM_FIELDS} | {
    "createdbyid",
    "lastmodifiedbyid",
    "masterrecordid",  # set by a merge
}
DERIVED_READ_ONLY = {
    "campaignmember": {"hasresponded", "firstrespondeddate"},
    "opportunity": {"isclosed", "iswon"},
    "campaigninfluence": {"revenueshare"},
}
# Fields that can be set on create but never changed.
CREATE_ONLY = {
    "campaignmember": {"campaignid"},
    "opportunitycontactrole": {"opportunityid"},
    "campaigninfluence": {"campaignid", "opportunityid", "modelid", "contactid"},
}

STANDARD_FIELD_KINDS: dict[str, dict[str, str]] = {
    "Campaign": {"Name": STRING, "Type": STRING, "StartDate": DATE, "EndDate": DATE},
    "CampaignMember": {
        "CampaignId": STRING,
        "LeadId": STRING,
        "ContactId": STRING,
        "Status": STRING,
        "HasResponded": BOOLEAN,
        "FirstRespondedDate": DATE,
    },
    "CampaignMemberStatus": {
        "CampaignId": STRING,
        "Label": STRING,
        "HasResponded": BOOLEAN,
        "IsDefault": BOOLEAN,
        "SortOrder": NUMBER,
    },
    "Lead": {
        "Email": STRING,
        "FirstName": STRING,
        "LastName": STRING,
        "Company": STRING,
        "IsConverted": BOOLEAN,
        "MasterRecordId": STRING,
        "ConvertedContactId": STRING,
    },
    "Contact": {
        "Email": STRING,
        "FirstName": STRING,
        "LastName": STRING,
        "AccountId": STRING,
        "MasterRecordId": STRING,
    },
    "Account": {"Name": STRING},
    "Opportunity": {
        "Name": STRING,
        "AccountId": STRING,
        "Amount": NUMBER,
        "CloseDate": DATE,
        "StageName": STRING,
        "IsClosed": BOOLEAN,
        "IsWon": BOOLEAN,
    },
    "OpportunityContactRole": {
        "OpportunityId": STRING,
        "ContactId": STRING,
        "IsPrimary": BOOLEAN,
        "Role": STRING,
    },
    "CampaignInfluence": {
        "CampaignId": STRING,
        "OpportunityId": STRING,
        "ContactId": STRING,
        "ModelId": STRING,
        "Influence": NUMBER,
        "RevenueShare": NUMBER,
    },
    "CampaignInfluenceModel": {
        "DeveloperName": STRING,
        "MasterLabel": STRING,
        "ModelDescription": STRING,
        "IsActive": BOOLEAN,
        "IsDefaultModel": BOOLEAN,
        "IsModelLocked": BOOLEAN,
    },
}

KINDS = {STRING, NUMBER, BOOLEAN, DATE, DATETIME, "reference", "id", "picklist", "email"}
_KIND_ALIASES = {"reference": STRING, "id": STRING, "picklist": STRING, "email": STRING}


class Schema:
    def __init__(self, allow_any_custom_object: bool = True) -> None:
        # Keys are lower-case API names, values the canonical spelling.
        self._objects: dict[str, str] = {}
        self._fields: dict[str, dict[str, str]] = {}
        self._kinds: dict[str, dict[str, str]] = {}
        self._declared: set[str] = set()
        self._external_ids: dict[str, dict[str, bool]] = {}
        self._unique: dict[str, set[str]] = {}
        self.allow_any_custom_object = allow_any_custom_object
        for name in STANDARD_KEY_PREFIXES:
            self.register_object(name)
        for sobject, kinds in STANDARD_FIELD_KINDS.items():
            self.register_object(sobject)
            for field, kind in kinds.items():
                self._learn_field(sobject, field, kind)

    # -- objects -------------------------------------------------------------------------------
    def register_object(self, name: str) -> str:
        known = self._objects.get(name.lower())
        if known is not None:  # registered with its system fields already
            return known
        canonical = self._objects.setdefault(name.lower(), name)
        self._fields.setdefault(name.lower(), {})
        self._kinds.setdefault(name.lower(), {})
        for field, kind in SYSTEM_FIELDS.items():
            self._fields[name.lower()].setdefault(field.lower(), field)
            self._kinds[name.lower()].setdefault(field.lower(), kind)
        return canonical

    def object_name(self, name: str) -> str | None:
        """The canonical name of a known object; custom (__c) objects are known on first use
        unless `allow_any_custom_object` is off."""
        if not isinstance(name, str) or not name:
            return None
        found = self._objects.get(name.lower())
        if found:
            return found
        if self.allow_any_custom_object and name.lower().endswith("__c") and _is_api_name(name):
            return self.register_object(name)
        return None

    def objects(self) -> list[str]:
        return sorted(self._objects.values())

    # -- fields --------------------------------------------------------------------------------
    def declare_fields(self, sobject: str, fields: Mapping[str, str] | Iterable[str]) -> None:
        sobject = self.register_object(sobject)
        kinds = fields if isinstance(fields, Mapping) else dict.fromkeys(fields, STRING)
        for field, kind in kinds.items():
            if kind not in KINDS:
                raise ValueError(f"unknown field kind {kind!r}; use one of {sorted(KINDS)}")
            self._learn_field(sobject, field, _KIND_ALIASES.get(kind, kind), force=True)
        self._declared.add(sobject.lower())

    def field_name(self, sobject: str, field: str) -> str | None:
        """The canonical spelling of a field, or None when the org does not know it."""
        return self._fields.get(sobject.lower(), {}).get(field.lower())

    def is_strict(self, sobject: str) -> bool:
        return sobject.lower() in self._declared

    def field_kind(self, sobject: str, field: str) -> str | None:
        return self._kinds.get(sobject.lower(), {}).get(field.lower())

    def fields(self, sobject: str) -> dict[str, str | None]:
        names = self._fields.get(sobject.lower(), {})
        kinds = self._kinds.get(sobject.lower(), {})
        return {canonical: kinds.get(lower) for lower, canonical in names.items()}

    def learn(self, sobject: str, field: str, value: object) -> str:
        """Record a field seen in a write; returns its canonical spelling."""
        key = sobject.lower()
        canonical = self._fields.get(key, {}).get(field.lower())
        if canonical is not None and field.lower() in self._kinds[key]:
            return canonical  # known, with its kind: nothing to learn
        return self._learn_field(sobject, field, kind_of_value(value))

    def _learn_field(self, sobject: str, field: str, kind: str | None, force: bool = False) -> str:
        key = sobject.lower()
        self._fields.setdefault(key, {})
        self._kinds.setdefault(key, {})
        canonical = self._fields[key].setdefault(field.lower(), field)
        if kind and (force or field.lower() not in self._kinds[key]):
            self._kinds[key][field.lower()] = kind
        return canonical

    def is_read_only(self, sobject: str, field: str, creating: bool) -> bool:
        lower = field.lower()
        if lower in READ_ONLY_FIELDS or lower in DERIVED_READ_ONLY.get(sobject.lower(), set()):
            return True
        return not creating and lower in CREATE_ONLY.get(sobject.lower(), set())

    # -- external ids and uniqueness -----------------------------------------------------------
    def define_external_id(self, sobject: str, field: str, unique: bool = True) -> None:
        sobject = self.register_object(sobject)
        canonical = self._learn_field(sobject, field, STRING)
        self._external_ids.setdefault(sobject.lower(), {})[canonical.lower()] = unique
        if unique:
            self._unique.setdefault(sobject.lower(), set()).add(canonical.lower())

    def define_unique(self, sobject: str, field: str) -> None:
        sobject = self.register_object(sobject)
        canonical = self._learn_field(sobject, field, None)
        self._unique.setdefault(sobject.lower(), set()).add(canonical.lower())

    def is_external_id(self, sobject: str, field: str) -> bool:
        return field.lower() in self._external_ids.get(sobject.lower(), {})

    def unique_fields(self, sobject: str) -> list[str]:
        return [self.field_name(sobject, f) or f for f in self._unique.get(sobject.lower(), ())]


def _is_api_name(name: str) -> bool:
    return name.replace("_", "a").isalnum() and name[0].isalpha() and "___" not in name


def relationship_field(relationship: str) -> str:
    """The lookup field behind a relationship name: Lead -> LeadId, Lead__r -> Lead__c."""
    if relationship.lower().endswith("__r"):
        return relationship[:-3] + "__c"
    return relationship + "Id"


def relationship_name(lookup_field: str) -> str:
    if lookup_field.lower().endswith("__c"):
        return lookup_field[:-3] + "__r"
    return lookup_field[:-2] if lookup_field.lower().endswith("id") else lookup_field
