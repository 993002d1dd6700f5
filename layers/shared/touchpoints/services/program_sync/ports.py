"""What the program sync runs on."""

from __future__ import annotations

from dataclasses import dataclass

from touchpoints.ports.events import EventsPort
from touchpoints.ports.marketo import MarketoPort
from touchpoints.ports.program_links import LinksPort
from touchpoints.ports.salesforce import CampaignsPort


@dataclass(frozen=True, slots=True)
class ProgramSyncPorts:
    """What the program sync runs on (wiring.Dependencies.program_sync builds it)."""

    marketo: MarketoPort
    salesforce: CampaignsPort
    links: LinksPort
    events: EventsPort
    sync_enabled: bool
