"""The org's data: one table per sObject, a recycle bin, and the rules Salesforce applies on write.

Every change goes through `_set_live`/`_set_deleted`, which keep the lookup indexes in step and,
inside `atomic()`, remember the previous state so a failed all-or-none request can be undone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime

from . import opportunities
from .errors import RecordError
from .ids import IdFactory, to_18
from .required import RequiredFields
from .schema import Schema
from .values import format_date, format_datetime, normalize_value

CAMPAIGN, MEMBER, MEMBER_STATUS = "Campaign", "CampaignMember", "CampaignMemberStatus"
# Every new campaign gets these statuses, as in Salesforce; the first is the default.
DEFAULT_MEMBER_STATUSES = (("Sent", False), ("Responded", True))
# Seeding may set these; the API may not.
SEEDABLE_SYSTEM_FIELDS = {"createddate", "lastmodifieddate", "systemmodstamp", "firstrespondeddate"}
# Lookups that a CampaignMember must point at live records of these types.
MEMBER_LOOKUPS = {"CampaignId": CAMPAIGN, "LeadId": "Lead", "ContactId": "Contact"}


def _fold(value: object) -> object:
    return value.casefold() if isinstance(value, str) else value


class Store:
    def __init__(self, schema: Schema, ids: IdFactory, clock: Callable[[], datetime]) -> None:
        self.schema = schema
        self.ids = ids
        self.clock = clock
        self._live: dict[str, dict[str, dict]] = {}
        self._deleted: dict[str, dict[str, dict]] = {}
        self._journal: list[tuple[str, str, dict | None, dict | None]] | None = None
        # Status labels that count as responded for campaigns that do not define the label.
        self.org_status_responded: dict[str, bool] = {
            label.casefold(): responded for label, responded in DEFAULT_MEMBER_STATUSES
        }
        self._unique_index: dict[tuple[str, str], dict[object, str]] = {}
        self._members_by_campaign: dict[str, set[str]] = {}
        self._member_by_person: dict[tuple[str, str], str] = {}
        self._statuses_by_campaign: dict[str, set[str]] = {}
        self.required = RequiredFields()  # opt-in required fields for API writes
        # Lookups whose value is cleared when the record they point at is deleted (SetNull):
        # target object -> [(object, field)].
        self._set_null_lookups: dict[str, list[tuple[str, str]]] = {}
        # What a delete did besides binning the record, so an undelete can restore it:
        # record id -> the records deleted with it, and the lookups it cleared.
        self._cascaded: dict[str, list[tuple[str, str]]] = {}
        self._cleared: dict[str, list[tuple[str, str, str]]] = {}

    # -- reading -------------------------------------------------------------------------------
    def records(self, sobject: str, include_deleted: bool = False) -> Iterator[dict]:
        yield from self._live.get(sobject, {}).values()
        if include_deleted:
            yield from self._deleted.get(sobject, {}).values()

    def get(self, sobject: str, record_id: str) -> dict | None:
        rid = to_18(record_id)
        return self._live.get(sobject, {}).get(rid) if rid else None

    def is_deleted(self, sobject: str, record_id: str) -> bool:
        rid = to_18(record_id)
        return bool(rid) and rid in self._deleted.get(sobject, {})

    def follow(self, record_id: object) -> tuple[str, dict] | None:
        """The live record a lookup value points at (its type comes from the id's key prefix)."""
        rid = to_18(record_id) if isinstance(record_id, str) else None
        sobject = self.ids.type_for(rid) if rid else None
        record = self._live.get(sobject, {}).get(rid) if sobject else None
        return (sobject, record) if record is not None else None

    def find_by_field(self, sobject: str, field: str, value: object) -> list[str]:
        index = self._unique_index.get((sobject.lower(), field.lower()))
        if index is not None:
            found = index.get(_fold(value))
            return [found] if found else []
        return [
            rid
            for rid, record in self._live.get(sobject, {}).items()
            if _fold(record.get(field)) == _fold(value)
        ]

    # -- transactions --------------------------------------------------------------------------
    @contextmanager
    def atomic(self) -> Iterator[None]:
        """Writes inside the block are undone together if it raises."""
        if self._journal is not None:
            yield  # nested: the outer block owns the undo
            return
        journal: list = []
        self._journal = journal
        try:
            yield
        except BaseException:
            for sobject, rid, live, deleted in reversed(journal):
                self._set_live(sobject, rid, live, remember=False)
                self._set_deleted(sobject, rid, deleted, remember=False)
            raise
        finally:
            self._journal = None

    def _remember(self, sobject: str, rid: str) -> None:
        if self._journal is not None:
            live = self._live.get(sobject, {}).get(rid)
            deleted = self._deleted.get(sobject, {}).get(rid)
            self._journal.append((sobject, rid, live, deleted))

    # -- writing -------------------------------------------------------------------------------
    def create(self, sobject: str, values: Mapping, trusted: bool = False) -> str:
        """Insert a record; `trusted` (seeding) may set CreatedDate and similar system fields."""
        sobject = self.schema.register_object(sobject)
        fields = self._prepare(sobject, values, creating=True, trusted=trusted)
        now = format_datetime(self.clock())
        record = {
            "Id": None,
            "IsDeleted": False,
            "CreatedDate": now,
            "LastModifiedDate": now,
            "SystemModstamp": now,
        }
        record.update(fields)
        if not trusted:
            self.required.check(sobject, record)
        if "LastModifiedDate" not in fields and "CreatedDate" in fields:
            record["LastModifiedDate"] = record["SystemModstamp"] = record["CreatedDate"]
        self._apply_rules(sobject, record, None)
        self._check_unique(sobject, record, None)
        record["Id"] = self.ids.new_id(sobject)
        self._set_live(sobject, record["Id"], record)
        self._after_write(sobject, record, None)
        return record["Id"]

    def update(self, sobject: str, record_id: str, values: Mapping, trusted: bool = False) -> None:
        old = self.require_live(sobject, record_id)
        fields = self._prepare(sobject, values, creating=False, trusted=trusted)
        record = {**old, **fields}
        if not trusted:
            self.required.check(sobject, record)
        now = format_datetime(self.clock())
        if "LastModifiedDate" not in fields:
            record["LastModifiedDate"] = now
        if "SystemModstamp" not in fields:
            record["SystemModstamp"] = now
        self._apply_rules(sobject, record, old)
        self._check_unique(sobject, record, old["Id"])
        self._set_live(sobject, old["Id"], record)
        self._after_write(sobject, record, old)

    def define_set_null_lookup(self, sobject: str, field: str, target: str) -> None:
        """A lookup from `sobject.field` to `target` with deleteConstraint SetNull."""
        self._set_null_lookups.setdefault(target, []).append((sobject, field))

    def delete(
        self,
        sobject: str,
        record_id: str,
        master_id: str | None = None,
        with_parent: bool = False,
    ) -> None:
        """Move the record to the Recycle Bin (`MasterRecordId` set when a merge deleted it); a
        contact role deleted on its own is not kept there, one deleted with its opportunity is
        (`opportunities.kept_in_recycle_bin`)."""
        old = self.require_live(sobject, record_id)
        rid = old["Id"]
        now = format_datetime(self.clock())
        binned = {**old, "IsDeleted": True, "LastModifiedDate": now, "SystemModstamp": now}
        if master_id is not None:
            binned["MasterRecordId"] = master_id
        self._set_live(sobject, rid, None)
        if opportunities.kept_in_recycle_bin(sobject, with_parent):
            self._set_deleted(sobject, rid, binned)
        # Cascades Salesforce performs: a campaign's members and statuses go with it, and so do
        # the campaign memberships of a deleted lead or contact, and an opportunity's contact roles.
        children: list[tuple[str, str]] = []
        if sobject == CAMPAIGN:
            children += [(MEMBER, c) for c in sorted(self._members_by_campaign.get(rid, ()))]
            children += [
                (MEMBER_STATUS, c) for c in sorted(self._statuses_by_campaign.get(rid, ()))
            ]
        elif sobject in ("Lead", "Contact"):
            person_field = sobject + "Id"
            children += [
                (MEMBER, member["Id"])
                for member in self._live.get(MEMBER, {}).values()
                if member.get(person_field) == rid
            ]
        children += opportunities.deleted_with(self, sobject, rid)
        for child_type, child in children:
            self.delete(child_type, child, with_parent=True)
        self._cascaded[rid] = children
        self._cleared[rid] = self._clear_lookups_to(sobject, rid)

    def _clear_lookups_to(self, target: str, rid: str) -> list[tuple[str, str, str]]:
        cleared = []
        for sobject, field in self._set_null_lookups.get(target, ()):
            for record in list(self._live.get(sobject, {}).values()):
                if record.get(field) == rid:
                    self._set_live(sobject, record["Id"], {**record, field: None})
                    cleared.append((sobject, record["Id"], field))
        return cleared

    def undelete(self, sobject: str, record_id: str) -> None:
        """Restore a record from the Recycle Bin with what its delete took along: the records
        deleted with it, and the SetNull lookups it cleared that nothing has replaced since."""
        rid = to_18(record_id) if isinstance(record_id, str) else None
        binned = self._deleted.get(sobject, {}).get(rid) if rid else None
        if binned is None:
            raise RecordError("INVALID_ID_FIELD", f"not in the Recycle Bin: {record_id}", ["Id"])
        now = format_datetime(self.clock())
        restored = {**binned, "IsDeleted": False, "LastModifiedDate": now, "SystemModstamp": now}
        restored.pop("MasterRecordId", None)
        if sobject == MEMBER:
            for field, target in MEMBER_LOOKUPS.items():
                if restored.get(field) and restored[field] not in self._live.get(target, {}):
                    raise RecordError("ENTITY_IS_DELETED", f"{target} is deleted", [field])
        self._set_deleted(sobject, rid, None)
        self._set_live(sobject, rid, restored)
        for child_type, child in self._cascaded.pop(rid, ()):
            if child in self._deleted.get(child_type, {}):
                self.undelete(child_type, child)
        for child_type, child, field in self._cleared.pop(rid, ()):
            record = self._live.get(child_type, {}).get(child)
            if record is not None and record.get(field) is None:
                self._set_live(child_type, child, {**record, field: rid})

    def merge(self, sobject: str, master_id: str, loser_ids: list[str]) -> None:
        """Merge leads or contacts: each loser's campaign memberships move to the master (one the
        master already has in the same campaign is deleted instead), lookups to it follow, and
        the loser is deleted with `MasterRecordId` set."""
        master = self.require_live(sobject, master_id)["Id"]
        person_field = sobject + "Id"
        for loser_id in loser_ids:
            loser = self.require_live(sobject, loser_id)["Id"]
            if loser == master:
                raise RecordError("INVALID_ID_FIELD", "cannot merge a record with itself", [])
            for member in [
                m for m in self._live.get(MEMBER, {}).values() if m.get(person_field) == loser
            ]:
                if (member["CampaignId"], master) in self._member_by_person:
                    self.delete(MEMBER, member["Id"])
                else:
                    self._reparent(MEMBER, member, person_field, master)
            for child_type, field in self._set_null_lookups.get(sobject, ()):
                for record in list(self._live.get(child_type, {}).values()):
                    if record.get(field) == loser:
                        self._reparent(child_type, record, field, master)
            self.delete(sobject, loser, master_id=master)

    def _reparent(self, sobject: str, record: dict, field: str, parent: str) -> None:
        now = format_datetime(self.clock())
        moved = {**record, field: parent, "LastModifiedDate": now, "SystemModstamp": now}
        self._set_live(sobject, record["Id"], moved)

    def require_live(self, sobject: str, record_id: str) -> dict:
        rid = to_18(record_id) if isinstance(record_id, str) else None
        if rid is None:
            raise RecordError("MALFORMED_ID", f"malformed id {record_id}", ["Id"])
        owner = self.ids.type_for(rid)
        if owner != sobject:
            raise RecordError(
                "MALFORMED_ID", f"{sobject} ID: id value of incorrect type: {record_id}", ["Id"]
            )
        if rid in self._deleted.get(sobject, {}):
            raise RecordError("ENTITY_IS_DELETED", "entity is deleted", [])
        record = self._live.get(sobject, {}).get(rid)
        if record is None:
            raise RecordError("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", [])
        return record

    def set_org_status_responded(self, label: str, responded: bool) -> None:
        self.org_status_responded[label.casefold()] = responded
        for campaign_id in list(self._live.get(CAMPAIGN, {})):
            self._recompute_members(campaign_id)

    def rebuild_indexes(self) -> None:
        self._unique_index.clear()
        for sobject, table in self._live.items():
            for rid, record in table.items():
                self._index_unique(sobject, rid, record)

    # -- validation ----------------------------------------------------------------------------
    def _prepare(self, sobject: str, values: Mapping, creating: bool, trusted: bool) -> dict:
        if not isinstance(values, Mapping):
            raise RecordError("INVALID_INPUT", "record must be a JSON object", [])
        forbidden, unknown, fields = [], [], {}
        for name, value in values.items():
            if name == "attributes":
                continue
            canonical = self.schema.field_name(sobject, name)
            if canonical is None and self.schema.is_strict(sobject):
                unknown.append(name)
                continue
            canonical = canonical or name
            allowed_system = trusted and canonical.lower() in SEEDABLE_SYSTEM_FIELDS
            if self.schema.is_read_only(sobject, canonical, creating) and not allowed_system:
                forbidden.append(canonical)
                continue
            if isinstance(value, dict | list):
                raise RecordError(
                    "INVALID_FIELD", f"Cannot deserialize nested value for field {canonical}", []
                )
            if isinstance(value, str) and len(value) == 15 and self.ids.type_for(value):
                value = to_18(value) or value  # lookups are stored and returned as 18-char ids
            fields[self.schema.learn(sobject, canonical, value)] = normalize_value(value)
        if unknown:
            raise RecordError(
                "INVALID_FIELD", f"No such column '{unknown[0]}' on sobject of type {sobject}", []
            )
        if forbidden:
            raise RecordError(
                "INVALID_FIELD_FOR_INSERT_UPDATE",
                f"Unable to create/update fields: {', '.join(forbidden)}. Please check the "
                "security settings of this field and verify that it is read/write for your "
                "profile or permission set.",
                forbidden,
            )
        return fields

    def _check_unique(self, sobject: str, record: dict, own_id: str | None) -> None:
        for field in self.schema.unique_fields(sobject):
            value = record.get(field)
            if value is None:
                continue
            holder = self._unique_index.get((sobject.lower(), field.lower()), {}).get(_fold(value))
            if holder and holder != own_id:
                raise RecordError(
                    "DUPLICATE_VALUE",
                    f"duplicate value found: {field} duplicates value on record with id: {holder}",
                    [],
                )

    def lookup(self, record: dict, field: str, target: str, required: bool) -> str | None:
        value = record.get(field)
        if value in (None, ""):
            if required:
                raise RecordError(
                    "REQUIRED_FIELD_MISSING", f"Required fields are missing: [{field}]", [field]
                )
            record[field] = None
            return None
        rid = to_18(value) if isinstance(value, str) else None
        if rid is None or self.ids.type_for(rid) != target:
            raise RecordError(
                "FIELD_INTEGRITY_EXCEPTION",
                f"{field[:-2]} ID: id value of incorrect type: {value}",
                [field],
            )
        if rid not in self._live.get(target, {}):
            if rid in self._deleted.get(target, {}):
                raise RecordError("ENTITY_IS_DELETED", "entity is deleted", [field])
            raise RecordError("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", [field])
        record[field] = rid
        return rid

    def _apply_rules(self, sobject: str, record: dict, old: dict | None) -> None:
        if sobject == MEMBER:
            self._member_rules(record, old)
        elif sobject == MEMBER_STATUS:
            self._status_rules(record, old)
        elif sobject == "Lead" and old is None:
            record.setdefault("IsConverted", False)  # defaulted on create, as in Salesforce
        else:
            opportunities.apply_rules(self, sobject, record, old)

    def _member_rules(self, record: dict, old: dict | None) -> None:
        campaign_id = self.lookup(record, "CampaignId", CAMPAIGN, required=True)
        lead_id = self.lookup(record, "LeadId", "Lead", required=False)
        contact_id = self.lookup(record, "ContactId", "Contact", required=False)
        if not lead_id and not contact_id:
            raise RecordError(
                "REQUIRED_FIELD_MISSING",
                "Required fields are missing: [LeadId, ContactId]",
                ["LeadId", "ContactId"],
            )
        for person in (lead_id, contact_id):
            holder = self._member_by_person.get((campaign_id, person)) if person else None
            if holder and (old is None or holder != old["Id"]):
                raise RecordError("DUPLICATE_VALUE", "Already a campaign member.", [])
        if not record.get("Status"):
            record["Status"] = self._default_status(campaign_id)
        self._derive_response(record)

    def _derive_response(self, record: dict) -> None:
        # HasResponded follows the campaign's status definition; FirstRespondedDate is stamped the
        # first time the member responds and then kept, even if the status goes back.
        responded = self.status_responded(record["CampaignId"], record.get("Status"))
        record["HasResponded"] = responded
        if responded and not record.get("FirstRespondedDate"):
            record["FirstRespondedDate"] = format_date(self.clock().date())
        record.setdefault("FirstRespondedDate", None)

    def _status_rules(self, record: dict, old: dict | None) -> None:
        campaign_id = self.lookup(record, "CampaignId", CAMPAIGN, required=True)
        label = record.get("Label")
        if not label:
            raise RecordError("REQUIRED_FIELD_MISSING", "Required fields are missing: [Label]", [])
        own_id = old["Id"] if old else None
        for other in self._statuses(campaign_id):
            if other["Label"].casefold() == label.casefold() and other["Id"] != own_id:
                raise RecordError(
                    "DUPLICATE_VALUE",
                    f"duplicate value found: Label duplicates value on record with id: "
                    f"{other['Id']}",
                    [],
                )
        record["HasResponded"] = bool(record.get("HasResponded"))
        record["IsDefault"] = bool(record.get("IsDefault"))
        if record.get("SortOrder") is None:
            orders = [s.get("SortOrder") or 0 for s in self._statuses(campaign_id)]
            record["SortOrder"] = max(orders, default=0) + 1

    def _statuses(self, campaign_id: str) -> list[dict]:
        table = self._live.get(MEMBER_STATUS, {})
        return [table[rid] for rid in sorted(self._statuses_by_campaign.get(campaign_id, ()))]

    def status_responded(self, campaign_id: str, label: object) -> bool:
        if not isinstance(label, str):
            return False
        for status in self._statuses(campaign_id):
            if status["Label"].casefold() == label.casefold():
                return bool(status["HasResponded"])
        return self.org_status_responded.get(label.casefold(), False)

    def _default_status(self, campaign_id: str) -> str:
        statuses = self._statuses(campaign_id)
        for status in statuses:
            if status.get("IsDefault"):
                return status["Label"]
        return statuses[0]["Label"] if statuses else DEFAULT_MEMBER_STATUSES[0][0]

    # -- follow-on effects ---------------------------------------------------------------------
    def _after_write(self, sobject: str, record: dict, old: dict | None) -> None:
        if sobject == CAMPAIGN and old is None:
            for order, (label, responded) in enumerate(DEFAULT_MEMBER_STATUSES, start=1):
                self.create(
                    MEMBER_STATUS,
                    {
                        "CampaignId": record["Id"],
                        "Label": label,
                        "HasResponded": responded,
                        "IsDefault": order == 1,
                        "SortOrder": order,
                    },
                    trusted=True,
                )
        elif sobject == MEMBER_STATUS:
            if record.get("IsDefault"):
                for other in self._statuses(record["CampaignId"]):
                    if other["Id"] != record["Id"] and other.get("IsDefault"):
                        self._set_live(MEMBER_STATUS, other["Id"], {**other, "IsDefault": False})
            self._recompute_members(record["CampaignId"])
        else:
            opportunities.after_write(self, sobject, record, old)

    def replace(self, sobject: str, record: dict) -> None:
        """A value Salesforce derives changed on a record (no rules run again)."""
        self._set_live(
            sobject, record["Id"], {**record, "SystemModstamp": format_datetime(self.clock())}
        )

    def _recompute_members(self, campaign_id: str) -> None:
        table = self._live.get(MEMBER, {})
        for rid in sorted(self._members_by_campaign.get(campaign_id, ())):
            member = table[rid]
            derived = dict(member)
            self._derive_response(derived)
            if derived != member:
                derived["SystemModstamp"] = format_datetime(self.clock())
                self._set_live(MEMBER, rid, derived)

    # -- the only two places data changes ------------------------------------------------------
    def _set_live(self, sobject: str, rid: str, record: dict | None, remember: bool = True) -> None:
        if remember:
            self._remember(sobject, rid)
        table = self._live.setdefault(sobject, {})
        old = table.get(rid)
        if old is not None:
            self._unindex(sobject, rid, old)
        if record is None:
            table.pop(rid, None)
        else:
            table[rid] = record  # an update keeps the record's place: unordered queries stay stable
            self._index(sobject, rid, record)

    def _set_deleted(
        self, sobject: str, rid: str, record: dict | None, remember: bool = True
    ) -> None:
        if remember:
            self._remember(sobject, rid)
        table = self._deleted.setdefault(sobject, {})
        if record is None:
            table.pop(rid, None)
        else:
            table[rid] = record

    def _index(self, sobject: str, rid: str, record: dict) -> None:
        self._index_unique(sobject, rid, record)
        if sobject == MEMBER:
            self._members_by_campaign.setdefault(record["CampaignId"], set()).add(rid)
            for person in (record.get("LeadId"), record.get("ContactId")):
                if person:
                    self._member_by_person[(record["CampaignId"], person)] = rid
        elif sobject == MEMBER_STATUS:
            self._statuses_by_campaign.setdefault(record["CampaignId"], set()).add(rid)

    def _index_unique(self, sobject: str, rid: str, record: dict) -> None:
        for field in self.schema.unique_fields(sobject):
            value = record.get(field)
            if value is not None:
                self._unique_index.setdefault((sobject.lower(), field.lower()), {})[
                    _fold(value)
                ] = rid

    def _unindex(self, sobject: str, rid: str, record: dict) -> None:
        for field in self.schema.unique_fields(sobject):
            index = self._unique_index.get((sobject.lower(), field.lower()), {})
            if index.get(_fold(record.get(field))) == rid:
                del index[_fold(record.get(field))]
        if sobject == MEMBER:
            self._members_by_campaign.get(record["CampaignId"], set()).discard(rid)
            for person in (record.get("LeadId"), record.get("ContactId")):
                if person and self._member_by_person.get((record["CampaignId"], person)) == rid:
                    del self._member_by_person[(record["CampaignId"], person)]
        elif sobject == MEMBER_STATUS:
            self._statuses_by_campaign.get(record["CampaignId"], set()).discard(rid)
