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
def test_a_name_with_control_or_only_invisible_characters_is_refused_naming_it(
    world, name, field
):
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
