"""The sync status of a campaign as the admin API shows it: the last run's summary, its recent
runs and each member's outcome with what it was before its last change, as JSON or as the CSV
sync report (one row per member, same values); a campaign's run history; and the audit entries."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from touchpoints.errors import InvalidPageTokenError
from touchpoints.ports.state import StoredMember
from touchpoints.rules.salesforce_ids import canonical_id
from touchpoints.services.sync_status import (
    CampaignNotRecomputedError,
    InvalidTimeRangeError,
    PageTooLargeError,
    PersonNotAttributedError,
)

if TYPE_CHECKING:  # a type only (services/sync_status.py says why)
    from touchpoints.ports.attribution import PathStep

REPORT_COLUMNS = (
    "member_id",
    "person_id",
    "email",
    "outcome",
    "reason",
    "touchpoint_date",
    "channel",
    "previous_outcome",
    "previous_touchpoint_date",
    "previous_channel",
    "changed_at",
)
# A run history page token: the last run's `<finishedAt>#<runId>`, as the route hands it out.
_RUN_TOKEN = re.compile(r"\d{4}-\d{2}-\d{2}T[0-9:.+-]{8,21}#[0-9a-f]{32}")
# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\0")


ERRORS: dict[type[Exception], tuple[int, str]] = {
    CampaignNotRecomputedError: (404, "CAMPAIGN_NOT_RECOMPUTED"),
    PersonNotAttributedError: (404, "PERSON_NOT_ATTRIBUTED"),
    PageTooLargeError: (422, "INVALID_REQUEST"),
    InvalidPageTokenError: (400, "INVALID_PAGE_TOKEN"),
    InvalidTimeRangeError: (422, "INVALID_REQUEST"),
}


def page_start(token: str | None) -> str | None:
    """The member a page starts after. A `next` this API issued is a member's 18-character id;
    anything else (forged, truncated, far longer than a key DynamoDB takes) is refused before
    the table is asked."""
    if token is not None and canonical_id(token) != token:
        raise InvalidPageTokenError("the page token is not valid")
    return token


def member_status(member: StoredMember) -> dict[str, Any]:
    """One member's row: `status` as recorded ("No Touchpoint: not responded") and split into
    its outcome and reason, its person and, when it has one, its touchpoint's date and channel;
    then what it had before its last change (outcome as recorded, date, channel) and when."""
    outcome = member.outcome
    touchpoint = member.touchpoint
    return {
        "member_id": member.member_id,
        "person_id": member.person_id,
        "email": member.email,
        "status": member.status,
        "outcome": outcome.kind,
        "reason": outcome.reason or None,
        "touchpoint_date": touchpoint.touchpoint_date.isoformat() if touchpoint else None,
        "channel": touchpoint.channel_path if touchpoint else None,
        "previous_outcome": member.previous_status,
        "previous_touchpoint_date": member.previous_touchpoint_date,
        "previous_channel": member.previous_channel,
        "changed_at": member.changed_at,
    }


def run_token(token: str | None) -> str | None:
    """The run page to start after; a token the route did not hand out is refused."""
    if token is not None and not _RUN_TOKEN.fullmatch(token):
        raise InvalidPageTokenError("next: not a token this route handed out")
    return token


def path_step(step: PathStep) -> dict[str, Any]:
    """One touchpoint of a person's path: when, which campaign, its position and percentages."""
    row = step.attribution
    return {
        "touchpoint_id": step.touchpoint_id,
        "touchpoint_date": step.moment.isoformat(),
        "campaign_id": step.campaign_id or None,
        "position": row.position,
        "first_touch_percent": float(row.first_touch),
        "lead_creation_percent": float(row.lead_creation),
        "u_shaped_percent": float(row.u_shaped),
    }


def report_header() -> str:
    return _csv_line(REPORT_COLUMNS)


def report_rows(members: Iterable[StoredMember]) -> Iterable[str]:
    """The CSV lines of the sync report, one per member, in the JSON's values."""
    for member in members:
        row = member_status(member)
        yield _csv_line(_inert(row[column]) for column in REPORT_COLUMNS)


def _inert(value: str | None) -> str:
    """A cell a spreadsheet shows as text: a leading formula character is quoted away."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(_FORMULA_STARTS) else text


def _csv_line(values: Iterable[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(values)
    return buffer.getvalue()
