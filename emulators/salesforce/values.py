"""Field values as Salesforce writes them on the wire: DateTime, Date, and the kind of a value."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone

# Kinds a field can have; used for SOQL filter checks, CSV conversion and describe.
STRING, NUMBER, BOOLEAN, DATE, DATETIME = "string", "double", "boolean", "date", "datetime"

_DATETIME_RE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})$"
)
_DATE_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def format_datetime(moment: datetime) -> str:
    """Salesforce's DateTime wire format, always UTC with milliseconds: 2026-02-05T16:30:00.000+0000."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    moment = moment.astimezone(UTC)
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{moment.microsecond // 1000:03d}+0000"


def format_date(day: date) -> str:
    return day.isoformat()


def parse_datetime(text: object) -> datetime | None:
    """Parse an ISO-8601 DateTime with an explicit zone (Z, +hh:mm, +hhmm); None if it is not one."""
    if not isinstance(text, str):
        return None
    match = _DATETIME_RE.match(text)
    if not match:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    micro = int((fraction or "0")[:6].ljust(6, "0"))
    if zone == "Z":
        tz = UTC
    else:
        sign = 1 if zone[0] == "+" else -1
        digits = zone[1:].replace(":", "")
        tz = timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
    try:
        return datetime(
            int(year), int(month), int(day), int(hour), int(minute), int(second), micro, tz
        )
    except ValueError:
        return None


def parse_date(text: object) -> date | None:
    if not isinstance(text, str):
        return None
    match = _DATE_RE.match(text)
    if not match:
        return None
    try:
        return date(*(int(part) for part in match.groups()))
    except ValueError:
        return None


def kind_of_value(value: object) -> str | None:
    """Best guess at a field's kind from one stored value (None for a null)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return BOOLEAN
    if isinstance(value, int | float):
        return NUMBER
    if parse_datetime(value) is not None:
        return DATETIME
    if parse_date(value) is not None:
        return DATE
    return STRING


def normalize_value(value: object) -> object:
    """What Salesforce stores for a written value: DateTimes come back in UTC, in its own format."""
    moment = parse_datetime(value)
    if moment is not None:
        return format_datetime(moment)
    return value
