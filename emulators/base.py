"""What both emulators share: call accounting (every API call counted by kind, writes told
apart) and mounting on a requests session."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any, ClassVar

import requests


class Emulator:
    """Base of an emulator that sets `calls` (a Counter), `_lock` and `adapter` (its requests
    transport adapter) in its constructor and serves the URLs under `root_url`."""

    WRITE_KINDS: ClassVar[frozenset[str]] = frozenset()
    calls: Counter[str]
    _lock: threading.RLock
    adapter: Any

    @property
    def root_url(self) -> str:
        raise NotImplementedError

    def session(self) -> requests.Session:
        session = requests.Session()
        self.mount(session)
        return session

    def mount(self, session: requests.Session) -> None:
        session.mount(self.root_url + "/", self.adapter)

    @property
    def total_calls(self) -> int:
        return sum(self.calls.values())

    @property
    def write_calls(self) -> int:
        return sum(count for kind, count in self.calls.items() if kind in self.WRITE_KINDS)

    def reset_calls(self) -> None:
        with self._lock:
            self.calls.clear()
