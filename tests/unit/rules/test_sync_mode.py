import pytest

from touchpoints.rules.models import SyncMode
from touchpoints.rules.sync_mode import SyncSettingValues, UnknownSyncModeError, parse_sync_mode


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


def test_marketo_measures_wording_is_accepted_by_default():
    assert parse_sync_mode('Include only "Responded" Campaign Members') is (
        SyncMode.INCLUDE_RESPONDED
    )


def test_configured_values_replace_the_defaults():
    values = SyncSettingValues(("Yes",), ("Responders",), ("No",))
    assert parse_sync_mode("Responders", values) is SyncMode.INCLUDE_RESPONDED
    assert values.including == ("Yes", "Responders")
    with pytest.raises(UnknownSyncModeError) as error:
        parse_sync_mode("Include All Campaign Members", values)
    assert error.value.value == "Include All Campaign Members"
