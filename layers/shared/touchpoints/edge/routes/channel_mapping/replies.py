"""The channel mapping API's replies, whichever path read the request
(services/channel_mapping.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from touchpoints.edge.handler import add_counts, logger
from touchpoints.edge.light_api import Reply
from touchpoints.edge.models.channel_mapping import expected_version
from touchpoints.rules.channels import ChannelMapping, MappingEntry
from touchpoints.services import channel_mapping as service
from touchpoints.wiring import Dependencies


def _reply(mapping: ChannelMapping, **more: Any) -> Reply:
    """The mapping, its version also as the ETag (what If-Match takes back), and `more`; the
    fields in the order of the documented bodies (`CurrentView`, `ChangeView`)."""
    body = {"mappings": [asdict(e) for e in mapping.entries], "version": mapping.version, **more}
    return Reply(200, body, headers={"ETag": f'"{mapping.version}"'})


def get_mapping_reply(deps: Dependencies) -> Reply:
    view = service.current_mapping(deps.channel_mapping)
    return _reply(view.mapping, unmapped_types=view.unmapped_types)


def put_mapping_reply(
    deps: Dependencies,
    entries: Sequence[MappingEntry],
    if_match: str | None,
    caller: str,
    salesforce_user: str | None,
) -> Reply:
    change = service.replace_mapping(
        deps.channel_mapping,
        deps.queue,
        entries,
        expected_version(if_match),
        caller,
        deps.clock(),
        salesforce_user,
    )
    more = {
        "changed_types": change.changed_types,
        "recomputes_enqueued": change.recomputes_enqueued,
    }
    logger.info(
        "channel mapping changed",
        extra={"channel_mapping": {"version": change.mapping.version, **more}},
    )
    add_counts({"ChannelMappingRecomputes": change.recomputes_enqueued})
    return _reply(change.mapping, **more)
