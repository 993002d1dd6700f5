"""DynamoDB adapter for the program sync: links, per-link snapshot and conflicts (same table).

PROGRAM_LINKS / PROGRAM#<programId>    the link: campaign, channel statuses, watermark, last run
PROGRAM_LINKS / CAMPAIGN#<campaignId>  guard: a campaign is linked to at most one program
PROGRAM_SYNC#<programId> / PERSON#<email>             the last agreed state of one person
PROGRAM_SYNC#<programId> / CONFLICT#<when>#<email>    a conflict and how it was settled

Link and guard are written and removed together in one transaction with conditions, so the
mapping stays one-to-one whatever runs at the same time.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from touchpoints.adapters.dynamodb import (
    is_condition_failure,
    item_values,
    plain,
    query_prefix,
    to_dynamo,
)
from touchpoints.errors import CampaignAlreadyLinkedError, ProgramAlreadyLinkedError
from touchpoints.ports.program_links import ProgramLink, SyncedPerson

_LINKS = "PROGRAM_LINKS"


def _sync_pk(program_id: int) -> str:
    return f"PROGRAM_SYNC#{program_id}"


class ProgramLinkStore:
    def __init__(self, table: Any) -> None:
        self._table = table
        self._client = table.meta.client

    # -- links ---------------------------------------------------------------------------------
    def link(
        self,
        program_id: int,
        campaign_id: str,
        channel: str,
        steps: Mapping[str, int],
        now: datetime,
    ) -> ProgramLink:
        link = ProgramLink(program_id, campaign_id, channel, dict(steps), now.isoformat())
        item = {
            "PK": _LINKS,
            "SK": f"PROGRAM#{program_id}",
            "program_id": program_id,
            "campaign_id": campaign_id,
            "channel": channel,
            "steps": dict(steps),
            "linked_at": link.linked_at,
        }
        guard = {
            "PK": _LINKS,
            "SK": f"CAMPAIGN#{campaign_id}",
            "campaign_id": campaign_id,
            "program_id": program_id,
        }
        condition = "attribute_not_exists(PK)"
        try:
            self._client.transact_write_items(
                TransactItems=[
                    {"Put": self._put(item, condition)},
                    {"Put": self._put(guard, condition)},
                ]
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "TransactionCanceledException":
                raise
            existing = self.get(program_id)
            if existing is not None:
                raise ProgramAlreadyLinkedError(program_id, existing.campaign_id) from None
            raise CampaignAlreadyLinkedError(
                campaign_id, self.program_for_campaign(campaign_id)
            ) from None
        return link

    def unlink(self, program_id: int) -> ProgramLink | None:
        """Remove the link, its guard and the snapshot; None when the program was not linked."""
        link = self.get(program_id)
        if link is None:
            return None
        self._client.transact_write_items(
            TransactItems=[
                {"Delete": self._key(f"PROGRAM#{program_id}")},
                {"Delete": self._key(f"CAMPAIGN#{link.campaign_id}")},
            ]
        )
        with self._table.batch_writer() as batch:
            for item in query_prefix(self._table, _sync_pk(program_id), "PERSON#", consistent=True):
                batch.delete_item(Key={"PK": item["PK"], "SK": item["SK"]})
        return link

    def get(self, program_id: int) -> ProgramLink | None:
        item = self._table.get_item(
            Key={"PK": _LINKS, "SK": f"PROGRAM#{program_id}"}, ConsistentRead=True
        ).get("Item")
        return self._link_from_item(item) if item else None

    def program_for_campaign(self, campaign_id: str) -> int | None:
        item = self._table.get_item(
            Key={"PK": _LINKS, "SK": f"CAMPAIGN#{campaign_id}"}, ConsistentRead=True
        ).get("Item")
        return int(item["program_id"]) if item else None

    def all(self) -> list[ProgramLink]:
        return [
            self._link_from_item(item)
            for item in query_prefix(self._table, _LINKS, "PROGRAM#", consistent=True)
        ]

    def update_channel(self, program_id: int, channel: str, steps: Mapping[str, int]) -> None:
        self._table.update_item(
            Key={"PK": _LINKS, "SK": f"PROGRAM#{program_id}"},
            UpdateExpression="SET channel = :c, steps = :s",
            ExpressionAttributeValues={":c": channel, ":s": dict(steps)},
        )

    # -- runs ----------------------------------------------------------------------------------
    def begin_run(self, program_id: int, now: datetime, lease: timedelta) -> bool:
        """Take the link's run lease (one run per link at a time); False when another holds it."""
        try:
            self._table.update_item(
                Key={"PK": _LINKS, "SK": f"PROGRAM#{program_id}"},
                UpdateExpression="SET lease_until = :until",
                ConditionExpression="attribute_exists(PK) AND "
                "(attribute_not_exists(lease_until) OR lease_until < :now)",
                ExpressionAttributeValues={
                    ":until": (now + lease).isoformat(),
                    ":now": now.isoformat(),
                },
            )
        except ClientError as error:
            if is_condition_failure(error):
                return False
            raise
        return True

    def end_run(self, program_id: int, last_sync: Mapping[str, Any], watermark: str | None) -> None:
        """Record the run's result and release the lease; a completed run moves the watermark."""
        values: dict[str, Any] = {":r": to_dynamo(dict(last_sync))}
        expression = "SET last_sync = :r REMOVE lease_until"
        if watermark is not None:
            expression = "SET last_sync = :r, watermark = :w REMOVE lease_until"
            values[":w"] = watermark
        try:
            self._table.update_item(
                Key={"PK": _LINKS, "SK": f"PROGRAM#{program_id}"},
                UpdateExpression=expression,
                ConditionExpression="attribute_exists(PK)",
                ExpressionAttributeValues=values,
            )
        except ClientError as error:  # unlinked while running: nothing to record
            if not is_condition_failure(error):
                raise

    # -- snapshot and conflicts ----------------------------------------------------------------
    def load_snapshot(self, program_id: int) -> dict[str, SyncedPerson]:
        people = {}
        for item in query_prefix(self._table, _sync_pk(program_id), "PERSON#", consistent=True):
            lead = item.get("marketo_lead_id")
            people[item["email"]] = SyncedPerson(
                email=item["email"],
                status=item["status"],
                marketo_lead_id=int(lead) if lead is not None else None,
                salesforce_person_id=item.get("salesforce_person_id"),
                salesforce_member_id=item.get("salesforce_member_id"),
            )
        return people

    def save_people(self, program_id: int, people: Iterable[SyncedPerson]) -> None:
        with self._table.batch_writer(overwrite_by_pkeys=["PK", "SK"]) as batch:
            for person in people:
                item = {
                    "PK": _sync_pk(program_id),
                    "SK": f"PERSON#{person.email}",
                    "email": person.email,
                    "status": person.status,
                    "marketo_lead_id": person.marketo_lead_id,
                    "salesforce_person_id": person.salesforce_person_id,
                    "salesforce_member_id": person.salesforce_member_id,
                }
                batch.put_item(Item={k: v for k, v in item.items() if v is not None})

    def forget_people(self, program_id: int, emails: Iterable[str]) -> None:
        with self._table.batch_writer(overwrite_by_pkeys=["PK", "SK"]) as batch:
            for email in emails:
                batch.delete_item(Key={"PK": _sync_pk(program_id), "SK": f"PERSON#{email}"})

    def record_conflicts(
        self, program_id: int, conflicts: Iterable[Mapping[str, Any]], now: datetime
    ) -> None:
        with self._table.batch_writer(overwrite_by_pkeys=["PK", "SK"]) as batch:
            for conflict in conflicts:
                batch.put_item(
                    Item={
                        "PK": _sync_pk(program_id),
                        "SK": f"CONFLICT#{now.isoformat()}#{conflict['email']}",
                        "recorded_at": now.isoformat(),
                        **to_dynamo(dict(conflict)),
                    }
                )

    def conflicts(self, program_id: int) -> list[dict[str, Any]]:
        return [
            item_values(item)
            for item in query_prefix(
                self._table, _sync_pk(program_id), "CONFLICT#", consistent=True
            )
        ]

    # -- helpers -------------------------------------------------------------------------------
    def _put(self, item: Mapping[str, Any], condition: str) -> dict[str, Any]:
        return {
            "TableName": self._table.name,
            "Item": dict(item),  # the resource's client serializes plain values itself
            "ConditionExpression": condition,
        }

    def _key(self, sk: str) -> dict[str, Any]:
        return {
            "TableName": self._table.name,
            "Key": {"PK": _LINKS, "SK": sk},
            "ConditionExpression": "attribute_exists(PK)",
        }

    @staticmethod
    def _link_from_item(item: Mapping[str, Any]) -> ProgramLink:
        return ProgramLink(
            program_id=int(item["program_id"]),
            campaign_id=item["campaign_id"],
            channel=item.get("channel") or "",
            steps={k: int(v) for k, v in (item.get("steps") or {}).items()},
            linked_at=item["linked_at"],
            watermark=item.get("watermark"),
            last_sync=plain(item["last_sync"]) if item.get("last_sync") else None,
        )
