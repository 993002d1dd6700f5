"""Use case: the sweep's part of attribution, asking for the persons whose attribution may have
changed without a touchpoint changing. The attribution itself is services/attribution.py, the
attribution function's code, which the sweep does not load."""

from __future__ import annotations

from typing import TYPE_CHECKING

# Types only: the ports' module brings the attribution rules, which the sweep never runs.
if TYPE_CHECKING:
    from datetime import datetime

    from touchpoints.ports.attribution import AttributionQueuePort, AttributionSweepPort


def request_attribution(
    salesforce: AttributionSweepPort, queue: AttributionQueuePort, since: datetime, *, full: bool
) -> int:
    """The sweep's part: the contacts whose opportunities or contact roles changed since `since`
    (no touchpoint changed for them), and, in the daily full pass, every person with a touchpoint,
    are enqueued for attribution. Returns the number of persons enqueued."""
    persons = salesforce.contacts_on_changed_opportunities(since)
    if full:
        persons |= salesforce.persons_with_touchpoints()
    cause = "daily full pass" if full else "opportunities changed"
    queue.enqueue_persons(persons, cause)
    return len(persons)
