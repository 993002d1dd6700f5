"""The program sync's entry points: every link in turn (the schedule), and one link's run under
its lease (the schedule, and the admin API's sync on demand)."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from touchpoints.errors import MarketoQuotaExceededError
from touchpoints.services.program_sync.errors import (
    CampaignSyncDisabledError,
    NotLinkedError,
    SyncAlreadyRunningError,
)
from touchpoints.services.program_sync.ports import ProgramSyncPorts
from touchpoints.services.program_sync.result import SyncResult
from touchpoints.services.program_sync.run import Run

RUN_LEASE = timedelta(minutes=15)  # the function's timeout: a crashed run frees the link


def sync_all(ports: ProgramSyncPorts, *, now: datetime) -> list[dict[str, Any]]:
    """The scheduled run: every link, one after another; one link's failure does not stop the
    others (it is recorded as that link's last sync and retried on the next schedule)."""
    if not ports.sync_enabled:
        return []
    outcomes = []
    for link in ports.links.all():
        try:
            result = sync_program(link.program_id, ports, now=now)
            outcomes.append(result.as_record())
        except SyncAlreadyRunningError as busy:
            outcomes.append({"program_id": link.program_id, "skipped": str(busy)})
        except Exception as error:  # recorded per link by sync_program; go on with the next
            outcome = {"program_id": link.program_id, "error": type(error).__name__}
            if isinstance(error, MarketoQuotaExceededError):  # 607: nothing more today
                outcome["quota_exhausted"] = True
            outcomes.append(outcome)
    return outcomes


def sync_program(program_id: int, ports: ProgramSyncPorts, *, now: datetime) -> SyncResult:
    """One run for one link; the result is also stored as the link's last sync."""
    marketo, salesforce, links = ports.marketo, ports.salesforce, ports.links
    if not ports.sync_enabled:
        raise CampaignSyncDisabledError("campaign sync is disabled in configuration")
    link = links.get(program_id)
    if link is None:
        raise NotLinkedError(f"program {program_id} is not linked to a campaign")
    if not links.begin_run(program_id, now, RUN_LEASE):
        raise SyncAlreadyRunningError(f"a sync of program {program_id} is already running")
    result = SyncResult(program_id, link.campaign_id, now.isoformat(), initial=not link.watermark)
    marketo_before, salesforce_before = Counter(marketo.calls), Counter(salesforce.calls)
    try:
        Run(link, marketo, salesforce, links, ports.events, result, now).run()
        result.completed = True
    except Exception as error:
        result.error = f"{type(error).__name__}: {error}"
        raise
    finally:
        result.api_calls = {
            "marketo": dict(marketo.calls - marketo_before),
            "salesforce": dict(salesforce.calls - salesforce_before),
        }
        links.end_run(program_id, result.as_record(), now.isoformat() if result.completed else None)
    return result
