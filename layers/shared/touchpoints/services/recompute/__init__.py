"""Use case: bring one campaign's touchpoints in Salesforce in line with the rules.

Reads fresh data every time (so the order of notifications never matters), diffs against the
state DynamoDB recorded and writes only the difference.

Members are walked in Id order, a chunk at a time, beside the stored state for the same Id range
(a merge of two sorted streams): memory holds one chunk, members removed from the campaign show up
as stored members missing from their range, and a run that runs short of time saves its cursor
and continues in a new invocation (time is checked before every chunk, the first included). A
large campaign is read through one Bulk API 2.0 query job with no ORDER BY (which would disable
Salesforce's PK chunking): its pages are sorted on ephemeral storage and merged into Id order.

Writes are gathered across chunks: up to the Bulk threshold they go through sObject collections,
full 200-record calls; above it they are staged on ephemeral storage and sent as one Bulk ingest
job per operation (per ~100 MB). Nothing waits on Salesforce: a run that submitted a Bulk job
saves where it is and asks to be woken later (`wait_seconds`); a later invocation polls once and
goes on. The new state is recorded as the writes are planned, under a write intent that stays
until every outcome is known; a record Salesforce refused is then recorded as what Salesforce
holds, with its error, so the next run retries exactly that.

The state is trusted only while it can be: a write intent that no saved run accounts for (a crash
between planning and collecting, or a lost response, or the API limit mid-write) or a synced
campaign with touchpoints in Salesforce and no state at all (a lost table) make the run compare
with what Salesforce holds instead, as the daily full reconciliation does: touchpoints of excluded
or removed members are deleted in that very run. An ordinary run costs no extra Salesforce call.

The modules, each one job: `run` (the orchestration of one invocation), `walk` (member chunks in
Id order), `chunk` (one chunk reconciled into writes), `gathered_writes` (collections or Bulk
staging), `member_states` (a member's state as its write moves it), `state_records` (states
recorded from outcomes), `bulk_phase` (one look at the Bulk jobs), `checkpoint` and
`write_intent` (what survives between invocations), `results` (request, result, summary).
"""

from touchpoints.rules.outcome import CREATED, UPDATED
from touchpoints.services.recompute.bulk_phase import QUERY_ATTEMPTS, BulkQueryFailedError
from touchpoints.services.recompute.checkpoint import HANDOFF_MARGIN_SECONDS, WAITING
from touchpoints.services.recompute.results import (
    NO_RECORDED_STATE,
    UNCONFIRMED_WRITES,
    UNKNOWN_SYNC_ACTION,
    RecomputeRequest,
    RecomputeResult,
    RunTotals,
)
from touchpoints.services.recompute.run import Recompute
from touchpoints.services.recompute.walk import MemberOrderError

__all__ = [
    "CREATED",
    "HANDOFF_MARGIN_SECONDS",
    "NO_RECORDED_STATE",
    "QUERY_ATTEMPTS",
    "UNCONFIRMED_WRITES",
    "UNKNOWN_SYNC_ACTION",
    "UPDATED",
    "WAITING",
    "BulkQueryFailedError",
    "MemberOrderError",
    "Recompute",
    "RecomputeRequest",
    "RecomputeResult",
    "RunTotals",
]
