"""The bulk touchpoint date routes (services/bulk_date.py) without pydantic: their refusals, the
request body as the light path reads it (edge/light_api.py: what it is not sure of goes to the
documented resolver and `DateBody` in `bulk_date_bodies.py`), and the values of previews and
jobs in the documented views' fields and order (`PreviewView`, `JobView`)."""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Sequence
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

from touchpoints.edge.light_api import Unsure, body_text, json_object
from touchpoints.errors import (
    InvalidPageTokenError,
    SalesforceLimitExceededError,
    SalesforceUnavailableError,
)
from touchpoints.rules.bulk_jobs import Job
from touchpoints.rules.member_filter import (
    MAX_MEMBER_IDS,
    MAX_STATUS_LENGTH,
    MAX_STATUSES,
    MemberFilter,
    filter_to_dict,
)
from touchpoints.rules.sync_mode import touchpoints_enabled
from touchpoints.rules.touchpoint_date import EARLIEST_MOMENT, LATEST_MOMENT
from touchpoints.services.bulk_date import (
    CampaignNotFoundError,
    DateInFutureError,
    DateOutOfRangeError,
    DateRequest,
    FilterTooLargeError,
    IdempotencyKeyReusedError,
    JobNotFinishedError,
    JobNotFoundError,
    NoMatchingMembersError,
    NothingToUndoError,
    Preview,
    UnknownMembersError,
    requested_moment,
)

MEMBER_ID = r"^[a-zA-Z0-9]{18}$"
TIMEZONE_MAX = 64
SAMPLE_DATED = 100  # already dated members a preview lists

# Each refusal's HTTP status and code; a refused request changed nothing.
ERRORS: dict[type[Exception], tuple[int, str]] = {
    CampaignNotFoundError: (404, "CAMPAIGN_NOT_FOUND"),
    JobNotFoundError: (404, "JOB_NOT_FOUND"),
    DateInFutureError: (422, "DATE_IN_FUTURE"),
    DateOutOfRangeError: (422, "DATE_OUT_OF_RANGE"),
    FilterTooLargeError: (422, "FILTER_TOO_LARGE"),
    UnknownMembersError: (422, "UNKNOWN_MEMBERS"),
    NoMatchingMembersError: (422, "NO_MATCHING_MEMBERS"),
    IdempotencyKeyReusedError: (422, "IDEMPOTENCY_KEY_REUSED"),
    JobNotFinishedError: (409, "JOB_NOT_FINISHED"),
    NothingToUndoError: (409, "NOTHING_TO_UNDO"),
    InvalidPageTokenError: (400, "INVALID_PAGE_TOKEN"),
    SalesforceUnavailableError: (503, "SALESFORCE_UNAVAILABLE"),
    SalesforceLimitExceededError: (503, "SALESFORCE_LIMIT_EXCEEDED"),
}

# ISO 8601 text only: pydantic's lax mode would read a JSON number, or a string of digits, as a
# Unix timestamp (20260115 → 1970-08-23). [0-9], not \d, which also matches other scripts' digits.
ISO_DATE = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
ISO_DATE_TIME = (
    rf"{ISO_DATE}T[0-9]{{2}}:[0-9]{{2}}(:[0-9]{{2}}(\.[0-9]{{1,6}})?)?(Z|[+-][0-9]{{2}}:[0-9]{{2}})"
)
_DATE = re.compile(ISO_DATE)
_DATE_TIME = re.compile(ISO_DATE_TIME)
_MEMBER_ID = re.compile(MEMBER_ID)
_DATE_FIELDS = frozenset({"date"})
_BODY_FIELDS = frozenset({"timezone", "filter", "allow_future"})
_FILTER_FIELDS = frozenset(
    {"statuses", "responded", "created_from", "created_to", "member_ids", "only_without_date"}
)


@functools.cache
def known_time_zones() -> frozenset[str]:
    """IANA names from the pinned tzdata package: the answer never depends on the host's files
    (`localtime`, `posix/…`). `Factory` is a placeholder, not a place."""
    return frozenset(resources.files("tzdata").joinpath("zones").read_text().split()) - {"Factory"}


# -- the request, as the light path reads it ---------------------------------------------------


def read_date_body(value: Any, campaign_id: str) -> DateRequest:
    """The body as `DateBody` reads it, or `Unsure`."""
    body = json_object(value, _DATE_FIELDS, _BODY_FIELDS)
    date = _requested_date(body["date"])
    zone_name = body.get("timezone")
    if zone_name is not None and (
        isinstance(date, dt.datetime)
        or body_text(zone_name, 0, TIMEZONE_MAX) not in known_time_zones()
    ):
        raise Unsure
    zone = ZoneInfo(zone_name) if zone_name else None
    criteria = _member_filter(body.get("filter", {}))
    allow_future = _flag(body.get("allow_future", False))
    # Only a body read whole is asked its moment: an out-of-range date is a domain refusal.
    return DateRequest(campaign_id, requested_moment(date, zone), criteria, allow_future)


def _requested_date(value: Any) -> dt.date | dt.datetime:
    """A plain date, or a date-time with its offset (`AwareDatetime | date`)."""
    text = body_text(value)
    try:
        if _DATE.fullmatch(text):
            return dt.date.fromisoformat(text)
        if _DATE_TIME.fullmatch(text):
            return dt.datetime.fromisoformat(text)
    except ValueError as error:
        raise Unsure from error
    raise Unsure


def _member_filter(value: Any) -> MemberFilter:
    """The filter as `FilterBody` reads it (every set criterion must hold), or `Unsure`."""
    values = json_object(value, frozenset(), _FILTER_FIELDS)
    statuses = _texts(values.get("statuses"), MAX_STATUSES, 1, MAX_STATUS_LENGTH)
    member_ids = _texts(values.get("member_ids"), MAX_MEMBER_IDS, 18, 18, _MEMBER_ID)
    responded = values.get("responded")
    created_from = _filter_day(values.get("created_from"))
    created_to = _filter_day(values.get("created_to"))
    if created_from and created_to and created_to < created_from:
        raise Unsure
    return MemberFilter(
        statuses=frozenset(statuses) if statuses is not None else None,
        responded=None if responded is None else _flag(responded),
        created_from=created_from,
        created_to=created_to,
        member_ids=frozenset(member_ids) if member_ids is not None else None,
        only_without_date=_flag(values.get("only_without_date", False)),
    )


def _texts(
    value: Any,
    most: int,
    shortest: int,
    longest: int,
    pattern: re.Pattern[str] | None = None,
) -> list[str] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not 1 <= len(value) <= most:
        raise Unsure
    texts = [body_text(item, shortest, longest) for item in value]
    if pattern is not None and not all(pattern.fullmatch(text) for text in texts):
        raise Unsure
    return texts


def _filter_day(value: Any) -> dt.date | None:
    if value is None:
        return None
    text = body_text(value)
    if not _DATE.fullmatch(text):
        raise Unsure
    try:
        day = dt.date.fromisoformat(text)
    except ValueError as error:
        raise Unsure from error
    if not EARLIEST_MOMENT.date() <= day <= LATEST_MOMENT.date():
        raise Unsure
    return day


def _flag(value: Any) -> bool:
    """A JSON true or false (`StrictBool`)."""
    if not isinstance(value, bool):
        raise Unsure
    return value


# -- the views' values -------------------------------------------------------------------------


def job_body(job: Job, errors: Sequence[Any] = (), next_page: str | None = None) -> dict[str, Any]:
    """A job as `JobView` shows it."""
    return {
        "job_id": job.id,
        "kind": job.kind.value,
        "campaign_id": job.campaign_id,
        "state": job.state.value,
        "date": _moment(job.date),
        "filter": filter_to_dict(job.criteria) if job.criteria else None,
        "requested_by": job.requested_by,
        "salesforce_user": job.salesforce_user,
        "created_at": _moment(job.created_at),
        "started_at": _moment(job.started_at),
        "finished_at": _moment(job.finished_at),
        "progress": {"matched": job.matched, "updated": job.updated, "failed": job.failed},
        "write_path": job.write_path.value,
        "touchpoints_enabled": touchpoints_enabled(job.sync_mode),
        "recompute_enqueued": job.recompute_enqueued,
        "undo_of": job.undo_of,
        "undone_by": job.undone_by,
        "message": job.message,
        "errors": [
            {"member_id": e.member_id, "error": e.code, "message": e.message} for e in errors
        ],
        "next": next_page,
    }


def preview_body(result: Preview) -> dict[str, Any]:
    """A preview as `PreviewView` shows it."""
    return {
        "campaign_id": result.campaign.id,
        "campaign_name": result.campaign.name,
        "date": _moment(result.moment),
        "matched": result.matched,
        "already_dated": len(result.already_dated),
        "already_dated_members": [
            {"member_id": m.id, "touchpoint_date": _moment(m.touchpoint_date)}
            for m in result.already_dated[:SAMPLE_DATED]
            if m.touchpoint_date is not None  # (all of them: that is what "already dated" is)
        ],
        "sample": [
            {
                "member_id": m.id,
                "status": m.status,
                "email": m.email,
                "touchpoint_date": _moment(m.touchpoint_date),
            }
            for m in result.sample
        ],
        "touchpoints_enabled": touchpoints_enabled(result.campaign.sync_mode),
        "write_path": result.write_path.value,
    }


def _moment(moment: dt.datetime | None) -> str | None:
    """ISO 8601 as pydantic writes a datetime in JSON: UTC as `Z`."""
    if moment is None:
        return None
    text = moment.isoformat()
    return f"{text[:-6]}Z" if text.endswith("+00:00") else text
