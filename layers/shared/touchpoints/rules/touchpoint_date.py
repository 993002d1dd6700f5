"""Rules: which date a touchpoint carries, the campaign's start/end window, what moment a bulk
touchpoint date means, and which dates are accepted."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo

from touchpoints.rules.models import Member, SyncMode

FUTURE_SLACK = timedelta(days=1)
# Salesforce stores dates from 1700-01-01T00:00:00Z to 4000-12-31T00:00:00Z: "Data Import Dates",
# https://developer.salesforce.com/docs/atlas.en-us.262.0.dataLoader.meta/dataLoader/data_loader_dates.htm
# (and "Minimum and Maximum Dates" in the SOQL reference's "Date Formats and Date Literals").
# An offline event a marketing team attended is not older than 1900: an earlier date is a typo.
EARLIEST_MOMENT = datetime(1900, 1, 1, tzinfo=UTC)
LATEST_MOMENT = datetime(4000, 12, 31, tzinfo=UTC)
_OFFSET_BOUND = timedelta(days=1)  # a UTC offset is always less than a day


def touchpoint_date(member: Member, mode: SyncMode) -> datetime:
    """The touchpoint is dated at the first date that is set.

    Include All: `Buyer_Touchpoint_Date__c`, else `CreatedDate`.
    Include Responded: `Buyer_Touchpoint_Date__c`, else `FirstRespondedDate` (00:00 UTC that day),
    else `CreatedDate`.
    """
    if member.touchpoint_date is not None:
        return member.touchpoint_date.astimezone(UTC)
    if mode is SyncMode.INCLUDE_RESPONDED and member.first_responded_date is not None:
        return datetime.combine(member.first_responded_date, time.min, tzinfo=UTC)
    return member.created_date.astimezone(UTC)


def within_window(when: datetime, start: date | None, end: date | None) -> bool:
    """A touchpoint dated outside the campaign's window is not made; both ends are inclusive.

    The window holds dates; the touchpoint's UTC calendar date is compared against them.
    """
    day = when.astimezone(UTC).date()
    return (start is None or day >= start) and (end is None or day <= end)


def touchpoint_moment(value: date | datetime, zone: tzinfo | None = None) -> datetime:
    """A plain date means the start of that day: 00:00 UTC, or 00:00 in `zone` when one is given.
    A date-time keeps its own offset. The result is in UTC, to the millisecond Salesforce keeps.
    Only for a value `is_within_accepted_range` accepts: far outside it, UTC may not exist."""
    if isinstance(value, datetime):
        moment = value
    else:
        moment = datetime.combine(value, time.min, tzinfo=zone or UTC)
    moment = moment.astimezone(UTC)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def is_within_accepted_range(value: date | datetime, zone: tzinfo | None = None) -> bool:
    """A touchpoint date lies between 1900-01-01 00:00 UTC and 4000-12-31 00:00 UTC, the latest
    moment Salesforce stores, both included; the moment it means (see `touchpoint_moment`) is
    what counts. A date too far out to have a moment in UTC (year 1 at +14:00) lies outside."""
    day = value.date() if isinstance(value, datetime) else value
    if not EARLIEST_MOMENT.date() - _OFFSET_BOUND <= day <= LATEST_MOMENT.date() + _OFFSET_BOUND:
        return False
    return EARLIEST_MOMENT <= touchpoint_moment(value, zone) <= LATEST_MOMENT


def is_too_far_in_future(moment: datetime, now: datetime) -> bool:
    """An event date lies in the past: a date more than one day after now is refused (unless the
    caller allows future dates). The day of slack covers callers a time zone ahead."""
    return moment > now + FUTURE_SLACK
