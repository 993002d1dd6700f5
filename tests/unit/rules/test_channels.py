from touchpoints.rules.channels import DEFAULT_CHANNEL_MAPPING, UNMAPPED, map_channel
from touchpoints.rules.models import Channel


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
