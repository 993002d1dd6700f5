"""The channel-mapping PUT through its handler on a bad day: names that would break SOAP,
reports and CSV are refused naming the field, and the largest change the API takes is saved
with an audit entry that fits DynamoDB's 400 KB item limit (enforced by the World's table:
tests/emulator/test_dynamodb_limits.py)."""

from __future__ import annotations

import pytest

from tests.integration.seeds import a_campaign, members
from tests.integration.test_channel_mapping import (
    default_rows,
    get_mapping,
    put_mapping,
    synced,
    with_row,
)

BAD_NAMES = {
    "NUL": "Online\x00",
    "ESC": "\x1b[31mOnline",
    "line break": "On\nline",
    "zero-width spaces only": "\u200b\u200b",
    "invisible characters only": "\u2060\ufeff",
}


@pytest.mark.parametrize("name", BAD_NAMES.values(), ids=BAD_NAMES.keys())
@pytest.mark.parametrize("field", ["campaign_type", "channel", "subchannel"])
def test_a_name_with_control_or_only_invisible_characters_is_refused_naming_it(world, name, field):
    campaign_id = a_campaign(world.org, Type="Webinar")
    members(world.org, campaign_id, 2)
    synced(world, [campaign_id])
    items_before = world.table_items()
    row = {"campaign_type": "Roadshow", "channel": "Field Event", "subchannel": "Tour", field: name}

    status, body = put_mapping(world, [*default_rows(), row], "0")

    assert status == 422
    assert body["error"] == "INVALID_MAPPING"
    assert body["field"] == f"mappings[{len(default_rows())}].{field}"
    assert name not in body["message"]
    assert world.table_items() == items_before
    assert world.queue_depth() == 0
    assert get_mapping(world)[1]["version"] == 0


def test_a_name_beside_an_emoji_joined_by_zero_width_joiners_is_saved(world):
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
    status, _ = put_mapping(world, with_row(default_rows(), "Family Day", f"Events {family}"), "0")
    assert status == 200


def long_rows(prefix: str) -> list[dict[str, str | None]]:
    """1,000 rows of long Campaign Types, 150,000 bytes of names: the most the API takes. Every
    type is a changed type when one such mapping replaces another."""
    return [
        {
            "campaign_type": f"{prefix} type {n:04d} ".ljust(146, "t"),
            "channel": "Web",
            "subchannel": None,
        }
        for n in range(1000)
    ]


def test_replacing_a_thousand_long_rows_with_a_thousand_others_is_saved_and_audited(world):
    first, second = long_rows("first"), long_rows("second")
    assert put_mapping(world, first, "0")[0] == 200

    status, body = put_mapping(world, second, "1")

    assert status == 200
    assert len(body["changed_types"]) == 2000  # the reply names every changed type
    _, current, _ = get_mapping(world)
    assert (current["version"], current["mappings"]) == (2, second)
    entries = [i for i in world.table_items() if i["PK"] == "AUDIT#CHANNEL_MAPPING"]
    audit = next(entry for entry in entries if entry["version"] == 2)
    # with the entry before it, every row before and after the change
    assert audit["mappings"] == [
        {"campaign_type": r["campaign_type"], "channel": "Web"} for r in second
    ]
    assert audit["changed_types_count"] == 2000
    kept = audit["changed_types"]
    assert 0 < len(kept) < 2000
    assert kept == sorted(row["campaign_type"] for row in first + second)[: len(kept)]
