import pytest

from touchpoints.rules.models import SyncMode
from touchpoints.rules.sync_mode import UnknownSyncModeError, parse_sync_mode


@pytest.mark.parametrize(
    ("value", "mode"),
    [
        ("Include All Campaign Members", SyncMode.INCLUDE_ALL),
        ("Include Responded Campaign Members", SyncMode.INCLUDE_RESPONDED),
        ("Exclude All Campaign Members", SyncMode.EXCLUDE_ALL),
        (None, SyncMode.NOT_SYNCED),
        ("", SyncMode.NOT_SYNCED),
        ("   ", SyncMode.NOT_SYNCED),
    ],
)
def test_picklist_values_map_to_sync_modes(value, mode):
    assert parse_sync_mode(value) is mode


def test_unknown_picklist_value_is_refused_with_the_value_named():
    with pytest.raises(UnknownSyncModeError, match="'Include Everyone'"):
        parse_sync_mode("Include Everyone")
