"""Rules: what moment a bulk touchpoint date means, and which dates are accepted."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo

FUTURE_SLACK = timedelta(days=1)


def touchpoint_moment(value: date | datetime, zone: tzinfo | None = None) -> datetime:
    """A plain date means the start of that day: 00:00 UTC, or 00:00 in `zone` when one is given.
    A date-time keeps its own offset. The result is in UTC, to the millisecond Salesforce keeps."""
    if isinstance(value, datetime):
        moment = value
    else:
        moment = datetime.combine(value, time.min, tzinfo=zone or UTC)
    moment = moment.astimezone(UTC)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def is_too_far_in_future(moment: datetime, now: datetime) -> bool:
    """An event date lies in the past: a date more than one day after now is refused (unless the
    caller allows future dates). The day of slack covers callers a time zone ahead."""
    return moment > now + FUTURE_SLACK
