"""Rule: a notification's modification stamp orders it against others for the same record."""

from datetime import datetime, timedelta

CLOCK_SKEW = timedelta(minutes=5)


def trusted_stamp(stamp: datetime | None, now: datetime) -> datetime | None:
    """A stamp later than now (beyond a small clock skew) counts as now, so a notification from
    the future cannot make later real changes look stale. An unknown stamp stays unknown."""
    if stamp is None:
        return None
    return now if stamp > now + CLOCK_SKEW else stamp
