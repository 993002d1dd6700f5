"""Composes Change Data Capture events the way Salesforce Event Relay puts them on an Amazon
EventBridge partner event bus, for tests and the demo.

The envelope is EventBridge's (`version`, `id`, `detail-type`, `source`, `account`, `time`,
`region`, `resources`, `detail`); `source` is the partner event source Event Relay creates,
`aws.partner/salesforce.com/<orgId>/<channelId>`; `detail-type` is the change event's name
(`CampaignMemberChangeEvent`); `detail` holds the event (`payload`, `schemaId`, `id`). The payload is
the change event message: `ChangeEventHeader` plus the record's fields (its non-empty fields on
CREATE and UNDELETE, the changed ones on UPDATE, none on DELETE, gap and overflow events). The
documents each rule comes from are cited in tests/emulator/test_change_events.py.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

RELAY_CHANNEL_ID = "0YL5w000000CabWGAS"
ACCOUNT = "123456789012"
REGION = "eu-west-1"
INTEGRATION_USER_ID = "0055w00000AbCdEAAV"
# Events without record fields: a delete, a gap event (the change type and record ids), an
# overflow event (only the entity).
GAP_TYPES = frozenset({"GAP_CREATE", "GAP_UPDATE", "GAP_DELETE", "GAP_UNDELETE"})
HEADER_ONLY = GAP_TYPES | {"GAP_OVERFLOW", "DELETE"}
CHANGE_TYPES = frozenset({"CREATE", "UPDATE", "UNDELETE"}) | HEADER_ONLY
# Standard objects that publish change events ("Change Event Object Support"), of those this
# project and its tests touch; custom objects (`__c`) all do.
CHANGE_EVENT_OBJECTS = frozenset(
    {
        "Account",
        "Campaign",
        "CampaignMember",
        "CampaignMemberStatus",
        "Contact",
        "Lead",
        "Opportunity",
        "OpportunityContactRole",
    }
)
# Fields no change event carries ("StandardObjectNameChangeEvent", Change Event Fields).
NEVER_IN_EVENTS = frozenset({"IsDeleted", "SystemModstamp"})

_commits = itertools.count(10_000_000_001)


def partner_event_source(org_id: str, channel_id: str = RELAY_CHANNEL_ID) -> str:
    """The partner event source an event relay creates in EventBridge (EventRelayFeedback's
    RemoteResource): `aws.partner/salesforce.com/<orgId>/<channelId>`."""
    return f"aws.partner/salesforce.com/{org_id}/{channel_id}"


def transaction_key() -> str:
    """Salesforce's transaction keys are UUID-like strings, one per committed transaction."""
    return str(uuid.uuid4())


def change_event(
    org_id: str,
    entity: str,
    change_type: str,
    record_ids: Iterable[str] = (),
    *,
    committed_at: datetime,
    fields: Mapping[str, Any] | None = None,
    transaction: str | None = None,
    sequence_number: int = 1,
    commit_user: str = INTEGRATION_USER_ID,
    channel_id: str = RELAY_CHANNEL_ID,
) -> dict[str, Any]:
    """One change event as Event Relay delivers it to the partner event bus. `fields` are the
    record's fields the event carries: on UPDATE their names are `changedFields` too; events that
    carry no fields (delete, gap, overflow) refuse them."""
    if change_type not in CHANGE_TYPES:
        raise ValueError(f"not a change type: {change_type}")
    if entity not in CHANGE_EVENT_OBJECTS and not entity.endswith("__c"):
        raise ValueError(f"{entity} publishes no change events")
    fields = dict(fields or {})
    if NEVER_IN_EVENTS & set(fields):
        raise ValueError(f"a change event never carries {sorted(NEVER_IN_EVENTS & set(fields))}")
    if change_type in HEADER_ONLY and fields:
        raise ValueError(f"a {change_type} event carries no record fields")
    ids = [] if change_type == "GAP_OVERFLOW" else list(record_ids)
    if change_type != "GAP_OVERFLOW" and not ids:
        raise ValueError(f"a {change_type} event names its records")
    millis = int(committed_at.timestamp() * 1000)
    header = {
        "entityName": entity,
        "recordIds": ids,
        "changeType": change_type,
        "changeOrigin": "com/salesforce/api/rest/62.0",
        "transactionKey": transaction or transaction_key(),
        "sequenceNumber": 1 if change_type in GAP_TYPES else sequence_number,
        "commitTimestamp": millis,
        "commitNumber": next(_commits),
        "commitUser": commit_user,
        "nulledFields": sorted(name for name, value in fields.items() if value is None),
        "diffFields": [],
        "changedFields": sorted(fields) if change_type == "UPDATE" else [],
    }
    payload = {"ChangeEventHeader": header}
    payload.update({name: value for name, value in fields.items() if value is not None})
    if change_type == "UPDATE":
        payload["LastModifiedDate"] = millis
        header["changedFields"] = sorted({*fields, "LastModifiedDate"})
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": f"{entity}ChangeEvent",
        "source": partner_event_source(org_id, channel_id),
        "account": ACCOUNT,
        "time": committed_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": REGION,
        "resources": [],
        "detail": {
            "payload": payload,
            "schemaId": _schema_id(entity),
            "id": str(uuid.uuid4()),
        },
    }


def _schema_id(entity: str) -> str:
    """One schema id per event schema (22 URL-safe base64 characters, as Salesforce's are),
    the same for every event of an entity."""
    digest = hashlib.sha256(entity.encode()).digest()[:16]
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")
