"""What the program sync needs to publish the changes it made."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol


class EventsPort(Protocol):
    def publish(self, events: Iterable[tuple[str, Mapping[str, Any]]]) -> int: ...
