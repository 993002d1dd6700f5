"""DynamoDB adapter: what the product remembers between runs, in one table (PK/SK).

CAMPAIGN#<id> / MEMBER#<memberId>   a member's last outcome, its person (id, email: personal data,
                                    for the sync report only, never logged) and confirmed touchpoint
CAMPAIGN#<id> / SUMMARY             the last recompute's counts
CAMPAIGN#<id> / RUN#<finishedAt>#<runId>  each finished run (kept 90 days: TTL on expires_at)
CAMPAIGN#<id> / CHECKPOINT          a run handed over to a continuation: where it stopped
CAMPAIGN#<id> / WRITE_INTENT        Salesforce writes began whose outcome is not recorded yet
CONFIG / SWEEP_WATERMARK            the scheduled sweep's SystemModstamp watermark (+ checkpoint)

A run's members are saved and read through a low-level DynamoDB client, their items converted to
and from the wire format here (boto3's resource layer was most of the SDK's CPU for them); the
items are the same as the resource Table writes, which the other readers use.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from boto3.dynamodb.conditions import Key

from touchpoints.adapters.dynamodb import (
    AttributeValue,
    KeyedRequest,
    WireItem,
    batch_get_from,
    batch_write,
    item_values,
    query_all,
    wire_key,
)
from touchpoints.ports.state import StoredMember
from touchpoints.rules.models import Touchpoint

_CONFIG = "CONFIG"
# Shared by every item, never changed: NULL as written, and read in place of an absent attribute
_NULL: AttributeValue = {"NULL": True}
_NO_TEXT: AttributeValue = {"S": None}


def _campaign_pk(campaign_id: str) -> str:
    return f"CAMPAIGN#{campaign_id}"


_last_iso_text: tuple[datetime, str] = (
    datetime(1970, 1, 1, tzinfo=UTC),
    "1970-01-01T00:00:00+00:00",
)


def _iso_text(moment: datetime) -> str:
    """`moment.isoformat()`; for UTC (every touchpoint date) its offset written rather than
    asked of the time zone, which costs a third less, once per member saved, and the last one
    given again for the same moment (members share their dates: salesforce_dates.py)."""
    global _last_iso_text
    if moment.tzinfo is not UTC:
        return moment.isoformat()
    last, text = _last_iso_text
    if moment == last:  # (both UTC: the same instant is the same text)
        return text
    text = moment.replace(tzinfo=None).isoformat() + "+00:00"
    _last_iso_text = (moment, text)
    return text


def _touchpoint_to_wire(touchpoint: Touchpoint) -> AttributeValue:
    """Its fields by name, field by field (not `dataclasses.asdict`, which deep-copies every
    value), the date as ISO text; a map whose absent parts are NULL."""
    lead_id, contact_id, medium = touchpoint.lead_id, touchpoint.contact_id, touchpoint.medium
    return {
        "M": {
            "key": {"S": touchpoint.key},
            "campaign_id": {"S": touchpoint.campaign_id},
            "member_id": {"S": touchpoint.member_id},
            "lead_id": _NULL if lead_id is None else {"S": lead_id},
            "contact_id": _NULL if contact_id is None else {"S": contact_id},
            "email": {"S": touchpoint.email},
            "touchpoint_date": {"S": _iso_text(touchpoint.touchpoint_date)},
            "channel": {"S": touchpoint.channel},
            "channel_path": {"S": touchpoint.channel_path},
            "medium": _NULL if medium is None else {"S": medium},
        }
    }


def _touchpoint_from_wire(touchpoint: WireItem) -> Touchpoint:
    """The map `_touchpoint_to_wire` writes (a NULL part has no "S": None)."""
    return Touchpoint(
        touchpoint["key"]["S"],
        touchpoint["campaign_id"]["S"],
        touchpoint["member_id"]["S"],
        touchpoint["lead_id"].get("S"),
        touchpoint["contact_id"].get("S"),
        touchpoint["email"]["S"],
        datetime.fromisoformat(touchpoint["touchpoint_date"]["S"]),
        touchpoint["channel"]["S"],
        touchpoint["channel_path"]["S"],
        touchpoint["medium"].get("S"),
    )


def _touchpoint_from_item(item: Mapping[str, Any]) -> Touchpoint:
    return Touchpoint(
        **{**item, "touchpoint_date": datetime.fromisoformat(item["touchpoint_date"])}
    )


def _member_to_wire(pk: str, sk: str, member: StoredMember) -> WireItem:
    """The member's item as the resource Table would write it: an absent value is no attribute,
    its touchpoint a map whose absent parts are NULL. Built for the item's one known shape, not
    through a generic value walk: this runs once per member saved."""
    member_id = member.member_id
    item: WireItem = {
        "PK": {"S": pk},
        "SK": {"S": sk},
        "member_id": {"S": member_id},
        "status": {"S": member.status},
    }
    if (record_id := member.record_id) is not None:
        item["record_id"] = {"S": record_id}
    if (person_id := member.person_id) is not None:
        item["person_id"] = {"S": person_id}
    if (email := member.email) is not None:
        item["email"] = {"S": email}
    if (previous_status := member.previous_status) is not None:
        item["previous_status"] = {"S": previous_status}
    if (previous_date := member.previous_touchpoint_date) is not None:
        item["previous_touchpoint_date"] = {"S": previous_date}
    if (previous_channel := member.previous_channel) is not None:
        item["previous_channel"] = {"S": previous_channel}
    if (changed_at := member.changed_at) is not None:
        item["changed_at"] = {"S": changed_at}
    if touchpoint := member.touchpoint:
        item["touchpoint"] = _touchpoint_to_wire(touchpoint)
    return item


def _member_from_item(item: Mapping[str, Any]) -> StoredMember:
    touchpoint = item.get("touchpoint")
    return StoredMember(
        member_id=item["member_id"],
        status=item["status"],
        touchpoint=_touchpoint_from_item(touchpoint) if touchpoint else None,
        record_id=item.get("record_id"),
        person_id=item.get("person_id"),
        email=item.get("email"),
        previous_status=item.get("previous_status"),
        previous_touchpoint_date=item.get("previous_touchpoint_date"),
        previous_channel=item.get("previous_channel"),
        changed_at=item.get("changed_at"),
    )


def _member_from_wire(item: WireItem) -> StoredMember:
    """The item `_member_to_wire` writes, read by its known shape."""
    touchpoint = item.get("touchpoint")
    return StoredMember(
        item["member_id"]["S"],
        item["status"]["S"],
        None if touchpoint is None else _touchpoint_from_wire(touchpoint["M"]),
        item.get("record_id", _NO_TEXT)["S"],
        item.get("person_id", _NO_TEXT)["S"],
        item.get("email", _NO_TEXT)["S"],
        item.get("previous_status", _NO_TEXT)["S"],
        item.get("previous_touchpoint_date", _NO_TEXT)["S"],
        item.get("previous_channel", _NO_TEXT)["S"],
        item.get("changed_at", _NO_TEXT)["S"],
    )


def _member_puts(campaign_id: str, members: Iterable[StoredMember]) -> Iterator[KeyedRequest]:
    pk = _campaign_pk(campaign_id)
    for member in members:
        sk = "MEMBER#" + member.member_id
        yield (pk, sk), {"PutRequest": {"Item": _member_to_wire(pk, sk, member)}}


def _member_deletes(campaign_id: str, member_ids: Iterable[str]) -> Iterator[KeyedRequest]:
    pk = _campaign_pk(campaign_id)
    for member_id in member_ids:
        sk = "MEMBER#" + member_id
        yield (pk, sk), {"DeleteRequest": {"Key": wire_key(pk, sk)}}


_RUN = "RUN#"


class StateStore:
    """A campaign's state. Every read a run (or its continuation, or a held message) makes of what
    an earlier invocation wrote is strongly consistent: an eventually consistent read may miss a
    write made a moment before (DynamoDB Developer Guide, "Read consistency")."""

    def __init__(self, table: Any, client: Any) -> None:
        """`table`: boto3's resource Table; `client`: a low-level DynamoDB client (not the
        table's own, whose resource layer would convert the wire format a second time)."""
        self._table = table
        self._client = client
        self.aws_calls = 0  # calls through either client (the run history reports them)
        table.meta.client.meta.events.register("before-call.dynamodb", self._count_call)
        client.meta.events.register("before-call.dynamodb", self._count_call)

    def _count_call(self, **_: Any) -> None:
        self.aws_calls += 1

    # -- members -----------------------------------------------------------------------------

    def load_members(self, campaign_id: str) -> dict[str, StoredMember]:
        return self.load_members_range(campaign_id, "", None)

    def load_members_range(
        self, campaign_id: str, after_id: str, upto_id: str | None
    ) -> dict[str, StoredMember]:
        """Members with after_id < id <= upto_id (to the end when upto_id is None), in id order."""
        low = f"MEMBER#{after_id}" if after_id else "MEMBER#"
        high = f"MEMBER#{upto_id}" if upto_id else "MEMBER$"  # "$" sorts right after "#"
        items = query_all(
            self._client,
            TableName=self._table.name,
            KeyConditionExpression="PK = :pk AND SK BETWEEN :low AND :high",
            ExpressionAttributeValues={
                ":pk": {"S": _campaign_pk(campaign_id)},
                ":low": {"S": low},
                ":high": {"S": high},
            },
            ConsistentRead=True,
        )
        members = (_member_from_wire(item) for item in items)
        return {member.member_id: member for member in members if member.member_id != after_id}

    def load_members_by_ids(
        self, campaign_id: str, member_ids: Iterable[str]
    ) -> dict[str, StoredMember]:
        pk = _campaign_pk(campaign_id)
        keys = (wire_key(pk, f"MEMBER#{m}") for m in dict.fromkeys(member_ids))
        items = batch_get_from(self._client, self._table.name, keys, {})
        return {member.member_id: member for member in map(_member_from_wire, items)}

    def member_page(
        self, campaign_id: str, limit: int, start_after: str | None
    ) -> tuple[list[StoredMember], str | None]:
        """A page of members' statuses for the sync-status API; returns (members, next token)."""
        kwargs: dict[str, Any] = {
            "KeyConditionExpression": Key("PK").eq(_campaign_pk(campaign_id))
            & Key("SK").begins_with("MEMBER#"),
            "Limit": limit,
        }
        if start_after:
            kwargs["ExclusiveStartKey"] = {
                "PK": _campaign_pk(campaign_id),
                "SK": f"MEMBER#{start_after}",
            }
        page = self._table.query(**kwargs)
        members = [_member_from_item(item) for item in page["Items"]]
        more = "LastEvaluatedKey" in page and members
        return members, members[-1].member_id if more else None

    def save_members(self, campaign_id: str, members: Iterable[StoredMember]) -> int:
        """Write members (batched); returns how many were written."""
        return batch_write(self._client, self._table.name, _member_puts(campaign_id, members))

    def forget_members(self, campaign_id: str, member_ids: Iterable[str]) -> int:
        deletes = _member_deletes(campaign_id, member_ids)
        return batch_write(self._client, self._table.name, deletes)

    # -- summaries ---------------------------------------------------------------------------

    def save_summary(self, campaign_id: str, summary: Mapping[str, Any]) -> None:
        self._table.put_item(Item={"PK": _campaign_pk(campaign_id), "SK": "SUMMARY", **summary})

    def load_summary(self, campaign_id: str) -> dict[str, Any] | None:
        item = self._table.get_item(
            Key={"PK": _campaign_pk(campaign_id), "SK": "SUMMARY"}, ConsistentRead=True
        )
        return item_values(item["Item"]) if "Item" in item else None

    # -- run history -------------------------------------------------------------------------

    def save_run(self, campaign_id: str, run: Mapping[str, Any], expires_at: int) -> None:
        """A finished run, sorted by when it finished; DynamoDB's TTL removes it at expires_at."""
        sort_key = f"{_RUN}{run['finished_at']}#{run['run_id']}"
        item = {"PK": _campaign_pk(campaign_id), "SK": sort_key, "expires_at": expires_at}
        self._table.put_item(Item={**item, **run})

    def run_page(
        self, campaign_id: str, limit: int, start_after: str | None
    ) -> tuple[list[dict[str, Any]], str | None]:
        """Runs newest first, a page at a time; returns (runs, the token of the next page)."""
        kwargs: dict[str, Any] = {
            "KeyConditionExpression": Key("PK").eq(_campaign_pk(campaign_id))
            & Key("SK").begins_with(_RUN),
            "ScanIndexForward": False,
            "Limit": limit,
        }
        if start_after:
            kwargs["ExclusiveStartKey"] = {
                "PK": _campaign_pk(campaign_id),
                "SK": f"{_RUN}{start_after}",
            }
        page = self._table.query(**kwargs)
        runs = [item_values(item) for item in page["Items"]]
        last = page.get("LastEvaluatedKey")
        return runs, last["SK"].removeprefix(_RUN) if last and runs else None

    # -- configuration -----------------------------------------------------------------------

    def load_sweep(self) -> tuple[str | None, dict[str, Any] | None]:
        """The sweep's watermark and, while a sweep is unfinished, its checkpoint: one item, so
        the sweep's rights stay on that one key."""
        item = self._table.get_item(
            Key={"PK": _CONFIG, "SK": "SWEEP_WATERMARK"}, ConsistentRead=True
        ).get("Item")
        if not item:
            return None, None
        checkpoint = item.get("checkpoint")
        return item.get("watermark"), item_values(checkpoint) if checkpoint else None

    def save_sweep(self, watermark: str | None, checkpoint: Mapping[str, Any] | None) -> None:
        item: dict[str, Any] = {"PK": _CONFIG, "SK": "SWEEP_WATERMARK"}
        if watermark:
            item["watermark"] = watermark
        if checkpoint:
            item["checkpoint"] = dict(checkpoint)
        self._table.put_item(Item=item)

    # -- run checkpoints ---------------------------------------------------------------------

    def save_checkpoint(
        self, campaign_id: str, checkpoint: Mapping[str, Any], expires_at: int
    ) -> None:
        self._table.put_item(
            Item={
                "PK": _campaign_pk(campaign_id),
                "SK": "CHECKPOINT",
                "expires_at": expires_at,
                **checkpoint,
            }
        )

    def load_checkpoint(self, campaign_id: str) -> dict[str, Any] | None:
        item = self._table.get_item(
            Key={"PK": _campaign_pk(campaign_id), "SK": "CHECKPOINT"}, ConsistentRead=True
        )
        return item_values(item["Item"]) if "Item" in item else None

    def clear_checkpoint(self, campaign_id: str) -> None:
        self._table.delete_item(Key={"PK": _campaign_pk(campaign_id), "SK": "CHECKPOINT"})

    # -- write intent ------------------------------------------------------------------------

    def mark_write_intent(self, campaign_id: str, run_id: str, started_at: datetime) -> None:
        """Recorded before touchpoints are written, so a crash between the Salesforce write and
        the state save leaves a trace: the next run then checks Salesforce instead of the state."""
        self._table.put_item(
            Item={
                "PK": _campaign_pk(campaign_id),
                "SK": "WRITE_INTENT",
                "run_id": run_id,
                "started_at": started_at.isoformat(),
            }
        )

    def load_write_intent(self, campaign_id: str) -> dict[str, Any] | None:
        item = self._table.get_item(
            Key={"PK": _campaign_pk(campaign_id), "SK": "WRITE_INTENT"}, ConsistentRead=True
        )
        return item_values(item["Item"]) if "Item" in item else None

    def clear_write_intent(self, campaign_id: str) -> None:
        self._table.delete_item(Key={"PK": _campaign_pk(campaign_id), "SK": "WRITE_INTENT"})
