"""Call accounting both emulators share: every API call counted by kind, writes told apart."""

from __future__ import annotations

import threading
from collections import Counter
from typing import ClassVar


class CallAccounting:
    """Mixed into an emulator that sets `calls` (a Counter) and `_lock` in its constructor."""

    WRITE_KINDS: ClassVar[frozenset[str]] = frozenset()
    calls: Counter[str]
    _lock: threading.RLock

    @property
    def total_calls(self) -> int:
        return sum(self.calls.values())

    @property
    def write_calls(self) -> int:
        return sum(count for kind, count in self.calls.items() if kind in self.WRITE_KINDS)

    def reset_calls(self) -> None:
        with self._lock:
            self.calls.clear()
