"""What the program sync runs on."""

from __future__ import annotations

from dataclasses import dataclass

from touchpoints.ports.campaigns import CampaignsPort
from touchpoints.ports.events import EventsPort
from touchpoints.ports.marketo import MarketoPort
from touchpoints.ports.program_links import LinksPort


@dataclass(frozen=True, slots=True)
class ProgramSyncPorts:
    """What the program sync runs on (wiring.Dependencies.program_sync builds it)."""

    marketo: MarketoPort
    salesforce: CampaignsPort
    links: LinksPort
    events: EventsPort
    sync_enabled: bool
