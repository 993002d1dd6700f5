"""Invariants of the channel mapping rules, over generated mappings and campaigns."""

from hypothesis import given
from hypothesis import strategies as st

from touchpoints.rules.channels import (
    UNMAPPED,
    MappingEntry,
    SeenCampaign,
    changed_types,
    map_channel,
    mapping_problems,
    normalized_entries,
    remapped_campaigns,
)
from touchpoints.rules.models import Channel, SyncMode

types = st.sampled_from(["Webinar", "Conference", "Email", "Roadshow", "Podcast"])
channels = st.builds(
    Channel, st.sampled_from(["Online", "Offline Event", "Email"]), st.none() | types
)
mappings = st.dictionaries(types, channels, max_size=5)
names = st.text(max_size=8)
entries = st.lists(st.builds(MappingEntry, names, names, st.none() | names), max_size=6)


@given(mappings)
def test_a_mapping_compared_with_itself_changes_nothing(mapping):
    assert changed_types(mapping, mapping) == frozenset()


@given(mappings, mappings)
def test_a_type_changed_exactly_when_its_channel_differs(before, after):
    changed = changed_types(before, after)
    assert changed == changed_types(after, before)
    for campaign_type in {*before, *after, "Never Mapped"}:
        differs = map_channel(campaign_type, before) != map_channel(campaign_type, after)
        assert (campaign_type in changed) == differs


seen = st.builds(SeenCampaign, st.none() | types, st.sampled_from(list(SyncMode)))


@given(st.dictionaries(st.text(min_size=1, max_size=4), seen), mappings, mappings)
def test_a_campaign_is_remapped_exactly_when_it_holds_touchpoints_and_its_type_changed(
    campaigns, before, after
):
    changed = changed_types(before, after)
    remapped = set(remapped_campaigns(campaigns, before, after))
    for campaign_id, campaign in campaigns.items():
        holds_touchpoints = campaign.sync_mode in (
            SyncMode.INCLUDE_ALL,
            SyncMode.INCLUDE_RESPONDED,
        )
        type_changed = (campaign.campaign_type or "").strip() in changed
        assert (campaign_id in remapped) == (holds_touchpoints and type_changed)


@given(entries)
def test_an_accepted_mapping_maps_each_type_once_to_a_named_channel(rows):
    if mapping_problems(rows):
        return
    stored = normalized_entries(rows)
    keys = [row.campaign_type.casefold() for row in stored]
    assert len(keys) == len(set(keys))
    mapping = {row.campaign_type: Channel(row.channel, row.subchannel) for row in stored}
    for row in stored:
        assert row.campaign_type
        assert row.channel
        assert row.subchannel != ""
        assert map_channel(row.campaign_type, mapping) != UNMAPPED or row.channel == "Unmapped"


@given(entries)
def test_every_problem_names_a_field_of_the_request(rows):
    for problem in mapping_problems(rows):
        assert problem.field == "mappings" or problem.field.startswith("mappings[")
        index = problem.field.removeprefix("mappings[").split("]")[0]
        assert problem.field == "mappings" or int(index) < len(rows)
