"""Rule: touchpoint identity is derived from the campaign member, so replays never duplicate."""

KEY_PREFIX = "OCT-"


def touchpoint_key(member_id: str) -> str:
    """One member, one key: writes are upserts on this external id."""
    if not member_id:
        raise ValueError("a touchpoint key needs a campaign member id")
    return f"{KEY_PREFIX}{member_id}"


def is_our_key(key: str | None) -> bool:
    """Touchpoints whose key carries our prefix are ours to correct or delete."""
    return key is not None and key.startswith(KEY_PREFIX)
