"""The channel mapping API (ChannelMappingFunction): the offline channel mapping, read and
replaced as a whole."""
