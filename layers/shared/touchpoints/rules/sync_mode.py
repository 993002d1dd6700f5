"""Rule: how a campaign's `Enable Buyer Touchpoints` value decides whether it is synced."""

from touchpoints.rules.models import SyncMode


class UnknownSyncModeError(ValueError):
    """The campaign carries an `Enable Buyer Touchpoints` value this product does not know."""


def parse_sync_mode(value: str | None) -> SyncMode:
    """A blank value means the campaign is not synced: nothing is created or removed.

    Any other value must be one of the three picklist values; an unknown one is refused
    rather than guessed, so a mistyped picklist never creates or deletes touchpoints.
    """
    text = (value or "").strip()
    try:
        return SyncMode(text)
    except ValueError:
        raise UnknownSyncModeError(
            f"Enable_Buyer_Touchpoints__c has unknown value {text!r}; expected one of "
            + ", ".join(repr(mode.value) for mode in SyncMode if mode.value)
        ) from None
