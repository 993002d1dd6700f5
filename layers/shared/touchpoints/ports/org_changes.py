"""What the sweep (and the Change Data Capture function) ask Salesforce about changes that no
outbound message announces: deletes, undeletes, merges and people's own edits.

Every answer is a set of campaign ids to recompute. Deleted rows stay in the Recycle Bin 15 days
and only `queryAll` returns them, so every question that must see them asks it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from typing import Protocol


class OrgChangesPort(Protocol):
    @property
    def calls(self) -> Counter[str]:
        """Salesforce calls made so far, by kind."""
        ...

    def campaigns_with_member_changes(self, since: datetime) -> set[str]:
        """Campaigns with a member added, changed, deleted or undeleted after `since`."""
        ...

    def changed_synced_campaigns(self, since: datetime) -> set[str]:
        """Synced campaigns (sync field set) changed, deleted or undeleted after `since`."""
        ...

    def campaigns_of_changed_people(self, since: datetime) -> set[str]:
        """Synced campaigns of the leads and contacts changed after `since` (an email added,
        changed or removed, a conversion, a merge, a delete), or of the master they were merged
        into."""
        ...

    def synced_campaigns(self) -> set[str]:
        """Every synced campaign, for the daily full reconciliation."""
        ...

    def campaigns_of_members(self, member_ids: Iterable[str]) -> set[str]:
        """The campaigns of these campaign members, deleted members included."""
        ...

    def campaigns_of_people(self, person_ids: Iterable[str]) -> set[str]:
        """The synced campaigns these leads or contacts (deleted or merged ones included: their
        master's) are members of."""
        ...
