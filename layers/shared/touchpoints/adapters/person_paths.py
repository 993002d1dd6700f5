"""DynamoDB adapter: each person's attributed path, as the last attribution run left it.

PERSON#<personId> / PATH   the touchpoints in path order: record id, date, campaign, position and the
                           person-level percentages (no email, no name)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from touchpoints.ports.attribution import PathStep
from touchpoints.rules.attribution_person import PersonAttribution


def _key(person_id: str) -> dict[str, str]:
    return {"PK": f"PERSON#{person_id}", "SK": "PATH"}


class PersonPathStore:
    def __init__(self, table: Any) -> None:
        self._table = table

    def save_paths(self, paths: Mapping[str, Sequence[PathStep]]) -> None:
        with self._table.batch_writer(overwrite_by_pkeys=["PK", "SK"]) as batch:
            for person_id, steps in paths.items():
                if not steps:
                    batch.delete_item(Key=_key(person_id))
                    continue
                batch.put_item(Item={**_key(person_id), "steps": [_item(step) for step in steps]})

    def load_path(self, person_id: str) -> list[PathStep] | None:
        item = self._table.get_item(Key=_key(person_id)).get("Item")
        return None if item is None else [_step(entry) for entry in item["steps"]]


def _item(step: PathStep) -> dict[str, Any]:
    row = step.attribution
    return {
        "touchpoint_id": step.touchpoint_id,
        "moment": step.moment.isoformat(),
        "campaign_id": step.campaign_id,
        "position": row.position,
        "first_touch": row.first_touch,
        "lead_creation": row.lead_creation,
        "u_shaped": row.u_shaped,
    }


def _step(entry: Mapping[str, Any]) -> PathStep:
    return PathStep(
        entry["touchpoint_id"],
        datetime.fromisoformat(entry["moment"]),
        entry["campaign_id"],
        PersonAttribution(
            entry["touchpoint_id"],
            entry.get("position"),
            Decimal(entry["first_touch"]).quantize(Decimal("0.01")),
            Decimal(entry["lead_creation"]).quantize(Decimal("0.01")),
            Decimal(entry["u_shaped"]).quantize(Decimal("0.01")),
        ),
    )
