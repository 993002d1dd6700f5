"""Object permissions and field-level security for the user the API calls run as.

The emulated integration user holds a minimum-access profile plus one permission set, read from
its SFDX source (`*.permissionset-meta.xml`, and the custom field metadata beside it for required
and master-detail fields). Seeding through the emulator's direct record API is never checked.

What Salesforce documents, and what the emulator does with it:
- "Factors that Affect Data Access" (Object Reference,
  https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/obj_ref_data_access.htm):
  the API respects object-level and field-level security; fields a user cannot see are not
  returned, read-only fields cannot be updated. A field the user cannot read is therefore unknown
  to the API: a query naming it fails with INVALID_FIELD "No such column ..." exactly as for a
  field that does not exist, and a write naming it fails the same way; an object without Read is
  unknown too (INVALID_TYPE on a query, NOT_FOUND on its REST resources).
- "What Determines Field Access?" (Salesforce Help,
  https://help.salesforce.com/s/articleView?id=platform.customize_fieldaccess.htm): universally
  required fields override field-level security; system (audit) fields are read-only for all.
- "Displaying and Editing a Campaign Member" (Salesforce Help,
  https://help.salesforce.com/s/articleView?id=sales.campaigns_members_detail.htm): campaign
  members have no object permissions of their own. Viewing, editing or removing one needs Read on
  campaigns, leads and contacts; adding one needs Read on campaigns and Edit on leads and
  contacts (and the Marketing User flag on the user record, which no permission set can grant and
  which the emulator does not check).
- PermissionSet metadata (Metadata API Developer Guide,
  https://developer.salesforce.com/docs/atlas.en-us.api_meta.meta/api_meta/meta_permissionset.htm):
  `objectPermissions` (allowRead/Create/Edit/Delete, viewAllRecords, modifyAllRecords) and
  `fieldPermissions` (field `Object.Field`, readable, editable).
Refusals of writes use the codes Salesforce answers with: CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY
"entity type cannot be inserted: X" without Create, INSUFFICIENT_ACCESS_OR_READONLY "insufficient
access rights on object id" without Edit or Delete, INVALID_FIELD_FOR_INSERT_UPDATE for a field the
user can read but not edit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from defusedxml import ElementTree

from .errors import RecordError
from .opportunities import check_api_writable

_NS = "{http://soap.sforce.com/2006/04/metadata}"

# System and audit fields: readable by anyone who can read the object, never editable
# ("What Determines Field Access?": system fields are read-only; they carry no field permissions).
SYSTEM_FIELDS = frozenset(
    {
        "id",
        "isdeleted",
        "createddate",
        "createdbyid",
        "lastmodifieddate",
        "lastmodifiedbyid",
        "systemmodstamp",
        "masterrecordid",  # set by merges on leads and contacts, like the audit fields
    }
)
# Standard fields outside field-level security: the universally required ones (Object Reference:
# "Required" on Account.Name, Campaign.Name, Lead.LastName and Company, Contact.LastName,
# CampaignMember.CampaignId), the name field of every custom object, and the fields that make a
# campaign member what it is (its Lead/Contact lookups, Status and the HasResponded it derives).
# Lead.IsConverted and ConvertedContactId are what lead conversion sets, treated like the audit
# fields.
# Pragmatic where Salesforce's own tables are silent; everything else needs a fieldPermission.
ALWAYS_ACCESSIBLE_FIELDS: dict[str, frozenset[str]] = {
    "account": frozenset({"name"}),
    "campaign": frozenset({"name"}),
    "lead": frozenset({"lastname", "company", "isconverted", "convertedcontactid"}),
    "contact": frozenset({"lastname"}),
    "campaignmember": frozenset({"campaignid", "leadid", "contactid", "status", "hasresponded"}),
    # Name, StageName and CloseDate are required; IsClosed and IsWon come from the stage.
    "opportunity": frozenset({"name", "stagename", "closedate", "isclosed", "iswon"}),
}
# Objects whose fields carry no field-level security: the campaign's member statuses, and User
# (every user may read user records; the sync reads its own UserPermissionsMarketingUser).
# Contact roles and Campaign Influence (pragmatic, like the member statuses: their access follows
# the opportunity, and their few fields are what the records are).
OBJECTS_WITHOUT_FLS = frozenset(
    {
        "campaignmemberstatus",
        "user",
        "opportunitycontactrole",
        "campaigninfluence",
        "campaigninfluencemodel",
    }
)
# Objects whose access follows other objects' permissions instead of their own.
CAMPAIGN_MEMBER, MEMBER_STATUS, USER = "campaignmember", "campaignmemberstatus", "user"
CONTACT_ROLE, INFLUENCE, INFLUENCE_MODEL = (
    "opportunitycontactrole",
    "campaigninfluence",
    "campaigninfluencemodel",
)
# Standard relationship names -> the object they lead to (custom ones come from field metadata).
STANDARD_RELATIONSHIPS = {
    "lead": "Lead",
    "contact": "Contact",
    "campaign": "Campaign",
    "account": "Account",
    "opportunity": "Opportunity",
    "model": "CampaignInfluenceModel",
    "owner": "User",
    "createdby": "User",
    "lastmodifiedby": "User",
}


@dataclass(frozen=True, slots=True)
class ObjectAccess:
    read: bool = False
    create: bool = False
    edit: bool = False
    delete: bool = False


FULL = ObjectAccess(True, True, True, True)
NONE = ObjectAccess()


@dataclass(frozen=True, slots=True)
class FieldAccess:
    readable: bool = False
    editable: bool = False


@dataclass(frozen=True, slots=True)
class PermissionSet:
    """The parts of a permission set the API enforces, keyed by lower-case API names."""

    name: str
    objects: Mapping[str, ObjectAccess]
    fields: Mapping[tuple[str, str], FieldAccess]

    @classmethod
    def from_xml(cls, text: str | bytes, name: str = "") -> PermissionSet:
        root = ElementTree.fromstring(text)
        objects = {}
        for item in root.iter(f"{_NS}objectPermissions"):
            objects[_text(item, "object").lower()] = ObjectAccess(
                read=_flag(item, "allowRead"),
                create=_flag(item, "allowCreate"),
                edit=_flag(item, "allowEdit"),
                delete=_flag(item, "allowDelete"),
            )
        fields = {}
        for item in root.iter(f"{_NS}fieldPermissions"):
            sobject, _, field = _text(item, "field").partition(".")
            editable = _flag(item, "editable")
            fields[(sobject.lower(), field.lower())] = FieldAccess(
                readable=_flag(item, "readable") or editable, editable=editable
            )
        return cls(name, objects, fields)

    @classmethod
    def load(cls, path: str | Path) -> PermissionSet:
        path = Path(path)
        return cls.from_xml(path.read_bytes(), path.name.split(".")[0])


@dataclass(frozen=True, slots=True)
class CustomFieldFacts:
    """What the shipped object metadata says about custom fields: the required and master-detail
    ones (outside field-level security) and where each lookup leads."""

    always_accessible: frozenset[tuple[str, str]] = frozenset()
    references: Mapping[tuple[str, str], str] | None = None

    @classmethod
    def load(cls, objects_dir: Path) -> CustomFieldFacts:
        required, references = set(), {}
        for path in sorted(objects_dir.glob("*/fields/*.field-meta.xml")):
            sobject, field = path.parent.parent.name.lower(), path.name.split(".")[0].lower()
            root = ElementTree.fromstring(path.read_bytes())
            if _flag(root, "required") or _text(root, "type") == "MasterDetail":
                required.add((sobject, field))
            if target := _text(root, "referenceTo"):
                references[(sobject, field)] = target
        return cls(frozenset(required), references)


class UnrestrictedAccess:
    """Every object and field, as the emulator behaves unless a permission set is enforced."""

    enforced = False

    def object_access(self, sobject: str) -> ObjectAccess:
        return FULL

    def can_read_object(self, sobject: str) -> bool:
        return True

    def can_read_field(self, sobject: str, field: str) -> bool:
        return True

    def can_edit_field(self, sobject: str, field: str) -> bool:
        return True

    def relationship_target(self, sobject: str, relationship: str) -> str | None:
        return None

    def check_create(self, sobject: str, values: Mapping) -> None:
        check_api_writable(sobject, "inserted")

    def check_update(self, sobject: str, values: Mapping) -> None:
        check_api_writable(sobject, "updated")

    def check_delete(self, sobject: str) -> None:
        check_api_writable(sobject, "deleted")

    def hidden_columns(self, sobject: str, columns: Iterable[str]) -> list[str]:
        return []


class PermissionSetAccess(UnrestrictedAccess):
    """The integration user's access: a minimum-access profile (nothing) plus one permission set."""

    enforced = True

    def __init__(self, permissions: PermissionSet, custom: CustomFieldFacts | None = None) -> None:
        self.permissions = permissions
        self.custom = custom or CustomFieldFacts()
        # both are frozen, so an answer never changes: remembered (an ingest job asks per row)
        self._field_answers: dict[tuple[str, str], FieldAccess] = {}

    @classmethod
    def load(cls, permission_set_path: str | Path) -> PermissionSetAccess:
        """The permission set file plus the `objects/` metadata of the same SFDX package."""
        path = Path(permission_set_path)
        objects_dir = path.parent.parent / "objects"
        custom = CustomFieldFacts.load(objects_dir) if objects_dir.is_dir() else None
        return cls(PermissionSet.load(path), custom)

    # -- objects -----------------------------------------------------------------------------
    def object_access(self, sobject: str) -> ObjectAccess:
        key = sobject.lower()
        if key == USER:
            return ObjectAccess(read=True)
        if key in (CAMPAIGN_MEMBER, MEMBER_STATUS):
            return self._member_access(key)
        if key in (CONTACT_ROLE, INFLUENCE, INFLUENCE_MODEL):
            return self._opportunity_access(key)
        return self.permissions.objects.get(key, NONE)

    def _opportunity_access(self, key: str) -> ObjectAccess:
        # Contact roles follow the opportunity (Object Reference, OpportunityContactRole); Campaign
        # Influence needs the opportunity and the campaign readable, and the opportunity editable to
        # change (pragmatic: the reference names no object permission of its own); models are read.
        opportunity = self.permissions.objects.get("opportunity", NONE)
        campaign = self.permissions.objects.get("campaign", NONE)
        if key == CONTACT_ROLE:
            return opportunity
        readable = opportunity.read and campaign.read
        if key == INFLUENCE_MODEL:
            return ObjectAccess(read=readable)
        changeable = readable and opportunity.edit
        return ObjectAccess(readable, changeable, changeable, changeable)

    def _member_access(self, key: str) -> ObjectAccess:
        own = self.permissions.objects
        campaign = own.get("campaign", NONE)
        lead, contact = own.get("lead", NONE), own.get("contact", NONE)
        if key == MEMBER_STATUS:  # managed from the campaign record
            return ObjectAccess(campaign.read, campaign.edit, campaign.edit, campaign.edit)
        readable = campaign.read and lead.read and contact.read
        return ObjectAccess(
            read=readable,
            create=campaign.read and lead.edit and contact.edit,
            edit=readable,
            delete=readable,
        )

    def can_read_object(self, sobject: str) -> bool:
        return self.object_access(sobject).read

    # -- fields ------------------------------------------------------------------------------
    def field_access(self, sobject: str, field: str) -> FieldAccess:
        answer = self._field_answers.get((sobject, field))
        if answer is None:
            answer = self._field_answers[(sobject, field)] = self._field_access(sobject, field)
        return answer

    def _field_access(self, sobject: str, field: str) -> FieldAccess:
        key, name = sobject.lower(), field.lower()
        if not self.can_read_object(sobject):
            return FieldAccess()
        if name in SYSTEM_FIELDS:
            return FieldAccess(readable=True)
        if (
            key in OBJECTS_WITHOUT_FLS
            or name in ALWAYS_ACCESSIBLE_FIELDS.get(key, ())
            or (key.endswith("__c") and name == "name")
            or (key, name) in self.custom.always_accessible
        ):
            return FieldAccess(readable=True, editable=True)
        return self.permissions.fields.get((key, name), FieldAccess())

    def can_read_field(self, sobject: str, field: str) -> bool:
        return self.field_access(sobject, field).readable

    def can_edit_field(self, sobject: str, field: str) -> bool:
        return self.field_access(sobject, field).editable

    def relationship_target(self, sobject: str, relationship: str) -> str | None:
        name = relationship.lower()
        if name.endswith("__r"):
            return (self.custom.references or {}).get((sobject.lower(), name[:-3] + "__c"))
        return STANDARD_RELATIONSHIPS.get(name)

    def hidden_columns(self, sobject: str, columns: Iterable[str]) -> list[str]:
        return [column for column in columns if not self.can_read_field(sobject, column)]

    # -- writes ------------------------------------------------------------------------------
    def check_create(self, sobject: str, values: Mapping) -> None:
        check_api_writable(sobject, "inserted")
        if not self.object_access(sobject).create:
            raise RecordError(
                "CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY", f"entity type cannot be inserted: {sobject}"
            )
        self._check_fields(sobject, values)

    def check_update(self, sobject: str, values: Mapping) -> None:
        check_api_writable(sobject, "updated")
        if not self.object_access(sobject).edit:
            raise _insufficient_access()
        self._check_fields(sobject, values)

    def check_delete(self, sobject: str) -> None:
        check_api_writable(sobject, "deleted")
        if not self.object_access(sobject).delete:
            raise _insufficient_access()

    def _check_fields(self, sobject: str, values: Mapping) -> None:
        names = [name for name in values if name not in ("attributes", "Id")]
        for name in names:
            if not self.can_read_field(sobject, name):
                raise RecordError(
                    "INVALID_FIELD", f"No such column '{name}' on sobject of type {sobject}"
                )
        locked = [name for name in names if not self.can_edit_field(sobject, name)]
        if locked:
            raise RecordError(
                "INVALID_FIELD_FOR_INSERT_UPDATE",
                f"Unable to create/update fields: {', '.join(locked)}. Please check the security "
                "settings of this field and verify that it is read/write for your profile or "
                "permission set.",
                locked,
            )


def _insufficient_access() -> RecordError:
    return RecordError("INSUFFICIENT_ACCESS_OR_READONLY", "insufficient access rights on object id")


def _text(element, tag: str) -> str:
    found = element.find(f"{_NS}{tag}")
    return (found.text or "").strip() if found is not None else ""


def _flag(element, tag: str) -> bool:
    return _text(element, tag).lower() == "true"
