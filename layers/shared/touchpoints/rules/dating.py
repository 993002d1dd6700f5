"""Rules: which date a touchpoint carries, and the campaign's start/end window."""

from datetime import UTC, date, datetime, time

from touchpoints.rules.models import Member, SyncMode


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
