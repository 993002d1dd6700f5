"""EventBridge adapter: publishes what the program sync observed, so other automation can
subscribe (the reference's triggers: added to, removed from, status changed in a campaign)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from itertools import batched
from typing import Any

from touchpoints.errors import EventsNotPublishedError

EVENT_SOURCE = "offline-touchpoints.program-sync"
PUT_EVENTS_LIMIT = 10  # entries per PutEvents call
ATTEMPTS = 3


class EventPublisher:
    def __init__(self, events_client: Any, bus_name: str, source: str = EVENT_SOURCE) -> None:
        self._client = events_client
        self._bus = bus_name
        self._source = source
        self.calls = 0

    def publish(self, events: Iterable[tuple[str, Mapping[str, Any]]]) -> int:
        """Publish (detail type, detail) pairs, 10 a call; entries EventBridge refuses are sent
        again. Returns how many were published."""
        published = 0
        for chunk in batched(events, PUT_EVENTS_LIMIT, strict=False):
            entries = [
                {
                    "Source": self._source,
                    "DetailType": detail_type,
                    "Detail": json.dumps(detail, sort_keys=True, default=str),
                    "EventBusName": self._bus,
                }
                for detail_type, detail in chunk
            ]
            for _ in range(ATTEMPTS):
                self.calls += 1
                reply = self._client.put_events(Entries=entries)
                failed = [
                    entry
                    for entry, result in zip(entries, reply["Entries"], strict=True)
                    if result.get("ErrorCode")
                ]
                published += len(entries) - len(failed)
                entries = failed
                if not entries:
                    break
            if entries:
                raise EventsNotPublishedError(
                    f"{len(entries)} events not accepted by EventBridge bus {self._bus}"
                )
        return published
