import pytest

from touchpoints.rules.channels import (
    DEFAULT_CHANNEL_MAPPING,
    DEFAULT_MAPPING,
    MAX_MAPPINGS,
    MAX_NAME_LENGTH,
    UNMAPPED,
    ChannelMapping,
    MappingEntry,
    SeenCampaign,
    audited_changed_types,
    changed_types,
    map_channel,
    mapping_problems,
    normalized_entries,
    remapped_campaigns,
    unmapped_types,
)
from touchpoints.rules.models import Channel, SyncMode


def test_a_mapped_type_gives_its_channel_and_path():
    mapping = {"Tradeshow": Channel("Offline Event", "Tradeshow")}
    channel = map_channel("Tradeshow", mapping)
    assert channel == Channel("Offline Event", "Tradeshow")
    assert channel.path == "Offline Event.Tradeshow"


def test_a_channel_without_subchannel_has_the_channel_as_path():
    assert Channel("Direct Mail").path == "Direct Mail"


def test_an_unmapped_type_gives_unmapped():
    assert map_channel("Roadshow", DEFAULT_CHANNEL_MAPPING) == UNMAPPED
    assert UNMAPPED.channel == "Unmapped"


def test_a_blank_type_gives_unmapped():
    assert map_channel(None, DEFAULT_CHANNEL_MAPPING) == UNMAPPED
    assert map_channel("", DEFAULT_CHANNEL_MAPPING) == UNMAPPED


# -- the mapping as a value ---------------------------------------------------------------------


def test_the_built_in_default_is_version_0_and_cannot_be_changed_in_place():
    assert DEFAULT_MAPPING.version == 0
    assert DEFAULT_MAPPING.channels() == DEFAULT_CHANNEL_MAPPING
    with pytest.raises(TypeError):
        DEFAULT_CHANNEL_MAPPING["Webinar"] = Channel("Online")  # type: ignore[index]


def test_a_saved_mapping_maps_what_it_names_and_nothing_else():
    mapping = ChannelMapping(3, (MappingEntry("Roadshow", "Field Event", "Roadshow"),))
    assert map_channel("Roadshow", mapping.channels()).path == "Field Event.Roadshow"
    assert map_channel("Conference", mapping.channels()) == UNMAPPED


# -- validation ---------------------------------------------------------------------------------


def fields(entries):
    return [problem.field for problem in mapping_problems(entries)]


def test_a_well_formed_mapping_has_no_problems():
    assert mapping_problems(DEFAULT_MAPPING.entries) == []
    assert mapping_problems([]) == []


def test_a_blank_name_is_refused_naming_its_row_and_field():
    entries = [
        MappingEntry("Webinar", "Online"),
        MappingEntry("Conference", "Offline Event"),
        MappingEntry("Tradeshow", "  "),
    ]
    assert fields(entries) == ["mappings[2].channel"]
    assert fields([MappingEntry("", "Online")]) == ["mappings[0].campaign_type"]


def test_a_subchannel_may_be_left_out_but_not_blank():
    assert fields([MappingEntry("Webinar", "Online", None)]) == []
    assert fields([MappingEntry("Webinar", "Online", " ")]) == ["mappings[0].subchannel"]


def test_a_type_mapped_twice_is_refused_on_the_second_row_ignoring_case_and_spaces():
    entries = [MappingEntry("Webinar", "Online"), MappingEntry(" webinar ", "Offline Event")]
    [problem] = mapping_problems(entries)
    assert problem.field == "mappings[1].campaign_type"
    assert "mappings[0]" in problem.message


def test_names_longer_than_salesforce_stores_are_refused():
    long = "x" * (MAX_NAME_LENGTH + 1)
    assert fields([MappingEntry(long, "Online")]) == ["mappings[0].campaign_type"]
    assert fields([MappingEntry("Webinar", long)]) == ["mappings[0].channel"]
    assert fields([MappingEntry("Webinar", "Online", "x" * MAX_NAME_LENGTH)]) == [
        "mappings[0].subchannel"  # `Online.xxx…` does not fit Marketing_Channel_Path__c
    ]
    assert fields([MappingEntry("x" * MAX_NAME_LENGTH, "y" * 127, "z" * 127)]) == []


@pytest.mark.parametrize(
    "name",
    ["Online\x00", "\x1b[31mOnline", "On\tline", "On\nline", "On\u2028line", "\x7f"],
    ids=["NUL", "ESC", "tab", "newline", "line separator", "DEL"],
)
def test_a_name_with_a_control_character_is_refused(name):
    assert fields([MappingEntry(name, "Online")]) == ["mappings[0].campaign_type"]
    assert fields([MappingEntry("Webinar", name)]) == ["mappings[0].channel"]
    assert fields([MappingEntry("Webinar", "Online", name)]) == ["mappings[0].subchannel"]
    [problem] = mapping_problems([MappingEntry("Webinar", name)])
    assert name not in problem.message


@pytest.mark.parametrize("name", ["\u200b", "\u200b\u200c\u200d", "\ufeff \u2060", "\u00ad"])
def test_a_name_of_only_invisible_characters_is_refused(name):
    [problem] = mapping_problems([MappingEntry("Webinar", name)])
    assert problem.field == "mappings[0].channel"
    assert "visible" in problem.message


def test_invisible_characters_beside_visible_ones_are_kept():
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"  # joined by zero-width joiners
    assert fields([MappingEntry("Webinar", f"Online {family}")]) == []


def test_too_many_rows_are_refused():
    entries = [MappingEntry(f"Type {n}", "Online") for n in range(MAX_MAPPINGS + 1)]
    assert fields(entries) == ["mappings"]


def test_names_are_stored_without_surrounding_spaces():
    assert normalized_entries([MappingEntry(" Webinar ", " Online ", " Live ")]) == (
        MappingEntry("Webinar", "Online", "Live"),
    )


# -- what a change re-maps ----------------------------------------------------------------------


def test_only_types_whose_channel_differs_have_changed():
    before = {"Webinar": Channel("Offline Event", "Webinar"), "Email": Channel("Email")}
    after = {
        "Webinar": Channel("Online", "Webinar"),  # changed
        "Email": Channel("Email"),  # same
        "Roadshow": Channel("Field"),  # added: was Unmapped
    }
    assert changed_types(before, after) == {"Webinar", "Roadshow"}
    assert changed_types(after, before) == {"Webinar", "Roadshow"}  # and removing re-maps too


INCLUDE_ALL = SyncMode.INCLUDE_ALL


def test_a_campaign_is_remapped_only_when_it_holds_touchpoints_and_its_type_changed_channel():
    before = {"Webinar": Channel("Offline Event", "Webinar"), "Email": Channel("Email")}
    after = {"Webinar": Channel("Online", "Webinar"), "Email": Channel("Email")}
    campaigns = {
        "701A": SeenCampaign("Webinar", INCLUDE_ALL),
        "701B": SeenCampaign("Email", INCLUDE_ALL),
        "701C": SeenCampaign(None, INCLUDE_ALL),
        "701D": SeenCampaign(" Webinar", SyncMode.INCLUDE_RESPONDED),
        "701E": SeenCampaign("Webinar", SyncMode.EXCLUDE_ALL),  # holds no touchpoints
        "701F": SeenCampaign("Webinar", SyncMode.NOT_SYNCED),
    }
    assert remapped_campaigns(campaigns, before, after) == ["701A", "701D"]


def test_unmapped_types_are_the_types_of_included_campaigns_the_mapping_lacks():
    seen = [
        SeenCampaign(campaign_type, INCLUDE_ALL)
        for campaign_type in ("Conference", "Roadshow", " Roadshow ", None, "", "Podcast")
    ] + [SeenCampaign("Radio", SyncMode.EXCLUDE_ALL), SeenCampaign("TV", SyncMode.NOT_SYNCED)]
    assert unmapped_types(seen, DEFAULT_CHANNEL_MAPPING) == ["Podcast", "Roadshow"]


def test_an_audit_keeps_the_first_changed_types_that_fit_its_byte_budget():
    changed = ["Aé", "Bb", "Cc"]  # 3, 2 and 2 bytes of UTF-8
    assert audited_changed_types(changed, max_bytes=5) == ["Aé", "Bb"]
    assert audited_changed_types(changed, max_bytes=7) == changed
    assert audited_changed_types(changed, max_bytes=2) == []
