"""The write intent: touchpoint writes whose outcomes may not be in the state yet."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from touchpoints.ports.state import StatePort


@dataclass
class WriteIntent:
    """Touchpoint writes whose outcomes may not be in the state yet: marked before the state of
    a planned write is saved, cleared once every outcome is known. `pending` starts true when the
    run finds an intent: its own (its ingest jobs account for it) or a crashed one's."""

    state: StatePort
    campaign_id: str
    run_id: str
    now: datetime
    pending: bool = False

    def before_write(self) -> None:
        if not self.pending:
            self.state.mark_write_intent(self.campaign_id, self.run_id, self.now)
            self.pending = True

    def clear(self) -> None:
        if self.pending:
            self.state.clear_write_intent(self.campaign_id)
            self.pending = False
