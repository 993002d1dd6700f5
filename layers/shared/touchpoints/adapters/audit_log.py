"""DynamoDB adapter: every audit entry, read newest first for `GET /audit`.

Entries stay where their writers keep them (`AUDIT#<campaignId>` / `<createdAt>#<jobId>` for bulk
date jobs, `AUDIT#CHANNEL_MAPPING` / `<changedAt>#<version>` for mapping changes). Each also
carries `audit_log` = "AUDIT" and `audit_at` = `<at>#<kind>#<ref>`, the keys of the sparse
`AuditIndex` (only audit entries have them), so all of them read in time order in one query. A
campaign or the channel-mapping kind reads its own partition instead, entries written before the
index included; `scripts/runbook.py audit-backfill` gives older entries their index keys.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import UTC, datetime
from typing import Any

from boto3.dynamodb.conditions import Attr, Key

from touchpoints.adapters.dynamodb import plain
from touchpoints.errors import InvalidPageTokenError
from touchpoints.ports.audit import BULK_DATE, CHANNEL_MAPPING, AuditQuery

AUDIT_INDEX = "AuditIndex"
AUDIT_LOG = "AUDIT"
_PREFIX = "AUDIT#"
_MAPPING_PK = f"{_PREFIX}CHANNEL_MAPPING"
_INDEX_ATTRIBUTES = ("audit_log", "audit_at", "audit_kind")
# Who acted: the IAM principal that called the admin API, and the Salesforce user behind it
# when the call came from Salesforce (a flow or an admin's action names them).
_CALLERS = ("requested_by", "changed_by")
_SALESFORCE_USERS = ("salesforce_user", "actor")
_TABLE_KEYS = frozenset({"PK", "SK"})
_INDEX_KEYS = frozenset({"PK", "SK", "audit_log", "audit_at"})


def audit_index_keys(kind: str, at: str, ref: str) -> dict[str, str]:
    """The attributes that put an audit entry in the `AuditIndex`, in time order."""
    return {"audit_log": AUDIT_LOG, "audit_at": f"{at}#{kind}#{ref}", "audit_kind": kind}


class AuditLog:
    def __init__(self, table: Any) -> None:
        self._table = table

    def page(
        self, query: AuditQuery, limit: int, token: str | None
    ) -> tuple[list[dict[str, Any]], str | None]:
        """Up to `limit` entries newest first, and the token of the next page (None at the end).
        A page may hold fewer than `limit` when filters leave entries out; follow `next`."""
        if query.campaign_id and query.kind == CHANNEL_MAPPING:
            return [], None  # a mapping change belongs to no campaign
        kwargs: dict[str, Any] = {"ScanIndexForward": False, "Limit": limit}
        pk = None
        if query.campaign_id or query.kind == CHANNEL_MAPPING:
            pk = f"{_PREFIX}{query.campaign_id}" if query.campaign_id else _MAPPING_PK
            condition = Key("PK").eq(pk)
            sort_key = "SK"
        else:
            kwargs["IndexName"] = AUDIT_INDEX
            condition, sort_key = Key("audit_log").eq(AUDIT_LOG), "audit_at"
        in_range = _time_range(Key(sort_key), query.since, query.until)
        kwargs["KeyConditionExpression"] = condition & in_range if in_range else condition
        filters = []
        if query.kind == BULK_DATE and not query.campaign_id:
            filters.append(Attr("audit_kind").eq(BULK_DATE))
        if query.actor:
            names = (*_CALLERS, *_SALESFORCE_USERS)
            filters.append(_any_of([Attr(name).eq(query.actor) for name in names]))
        if filters:
            kwargs["FilterExpression"] = _all_of(filters)
        if token:
            kwargs["ExclusiveStartKey"] = _decode(token, pk)
        reply = self._table.query(**kwargs)
        entries = [_entry(item) for item in reply["Items"]]
        last = reply.get("LastEvaluatedKey")
        return entries, _encode(last) if last else None


def _time_range(key: Any, since: datetime | None, until: datetime | None) -> Any:
    """Sort keys start with the entry's ISO 8601 UTC time and a "#": both ends are inclusive."""
    low = _iso(since) if since else None
    high = f"{_iso(until)}#~" if until else None
    if low and high:
        return key.between(low, high)
    if low:
        return key.gte(low)
    return key.lte(high) if high else None


def _iso(moment: datetime) -> str:
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC).isoformat()


def _any_of(conditions: list[Any]) -> Any:
    combined = conditions[0]
    for condition in conditions[1:]:
        combined |= condition
    return combined


def _all_of(conditions: list[Any]) -> Any:
    combined = conditions[0]
    for condition in conditions[1:]:
        combined &= condition
    return combined


def _entry(item: dict[str, Any]) -> dict[str, Any]:
    """An entry as the route shows it: kind, when, campaign, who (IAM principal, Salesforce
    user), and the rest of what its writer recorded."""
    mapping = item["PK"] == _MAPPING_PK
    detail = {k: plain(v) for k, v in item.items() if k not in ("PK", "SK", *_INDEX_ATTRIBUTES)}
    caller = next((detail[name] for name in _CALLERS if detail.get(name)), None)
    salesforce_user = next((detail[name] for name in _SALESFORCE_USERS if detail.get(name)), None)
    return {
        "kind": CHANNEL_MAPPING if mapping else BULK_DATE,
        "at": item["SK"].split("#", 1)[0],
        "campaign_id": None if mapping else item["PK"].removeprefix(_PREFIX),
        "actor": caller,
        "salesforce_user": salesforce_user,
        "detail": detail,
    }


def _encode(key: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(key, sort_keys=True).encode()).decode()


def _decode(token: str, pk: str | None) -> dict[str, str]:
    """A token this route handed out for the same query: an audit entry's keys in the
    partition read (`pk`), or its keys in the index."""
    try:
        key = json.loads(base64.urlsafe_b64decode(token.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise InvalidPageTokenError("next: not a token this route handed out") from None
    valid = (
        isinstance(key, dict)
        and frozenset(key) == (_TABLE_KEYS if pk else _INDEX_KEYS)
        and all(isinstance(value, str) for value in key.values())
        and (key["PK"] == pk if pk else key["PK"].startswith(_PREFIX))
    )
    if not valid:
        raise InvalidPageTokenError("next: not a token this route handed out")
    return {str(name): str(value) for name, value in key.items()}
