"""Salesforce's wire formats for Date and DateTime values.

A campaign's members share their dates in runs (an import's rows share its `CreatedDate`, an
event's members its touchpoint date), and a recompute reads and writes a date for each member:
the datetime conversions keep the last value they made and give it again for the same input,
which costs a comparison instead of a parse or a format. Each is one (input, output) pair,
replaced whole, so a reader never sees one half of another's."""

from datetime import UTC, date, datetime

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_last_parsed: tuple[str, datetime] = ("1970-01-01T00:00:00.000Z", _EPOCH)  # true pairs
_last_formatted: tuple[datetime, str] = (_EPOCH, "1970-01-01T00:00:00.000Z")


def parse_datetime(value: str | None) -> datetime | None:
    """`2026-02-05T16:30:00.000+0000` (REST) or `…Z` (outbound messages, CSV) → aware UTC datetime."""
    global _last_parsed
    if not value:
        return None
    text, parsed = _last_parsed
    if value == text:
        return parsed
    parsed = datetime.fromisoformat(value).astimezone(UTC)  # reads `Z` itself since Python 3.11
    _last_parsed = (value, parsed)
    return parsed


def parse_required_datetime(value: str) -> datetime:
    """A datetime Salesforce always fills (`CreatedDate`, `SystemModstamp`)."""
    parsed = parse_datetime(value)
    if parsed is None:
        raise ValueError("a required Salesforce datetime is blank")
    return parsed


def parse_date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def format_datetime(value: datetime) -> str:
    """Salesforce accepts ISO 8601 with milliseconds and a `Z` for UTC; the year always has four
    digits (`strftime("%Y")` writes year 1 as `1`). A UTC value (every touchpoint date) is written
    without its offset and the `Z` added, which costs half as much, once per touchpoint staged;
    isoformat's arguments go by position (by keyword they cost ~0.1 µs more)."""
    global _last_formatted
    moment, text = _last_formatted
    if value == moment:  # (the same instant in any zone is the same text in UTC)
        return text
    if value.tzinfo is UTC:
        text = value.replace(tzinfo=None).isoformat("T", "milliseconds") + "Z"
    else:
        text = value.astimezone(UTC).isoformat("T", "milliseconds").replace("+00:00", "Z")
    _last_formatted = (value, text)
    return text
