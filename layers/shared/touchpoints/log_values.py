"""Values from outside go into logs clipped: a caller cannot make one log line arbitrarily large."""

LOG_VALUE_LIMIT = 64


def clip(value: object, limit: int = LOG_VALUE_LIMIT) -> str:
    """The value as text, cut to `limit` characters with a note of how much was left out."""
    text = value if isinstance(value, str) else repr(value)
    if len(text) <= limit:
        return text
    return f"{text[:limit]}…(+{len(text) - limit} chars)"
