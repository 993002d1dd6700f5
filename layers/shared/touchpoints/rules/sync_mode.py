"""Rule: how a campaign's `Enable Buyer Touchpoints` value decides whether it is synced.

The picklist's wording is configuration: an org that used Marketo Measure holds Measure's values
(Adobe Experience League, "Campaign Object Fields": include all campaign members, include only
responded members, exclude all campaign members), this project ships its own; both are accepted by
default, and an org may name others.
"""

from dataclasses import dataclass

from touchpoints.rules.models import SyncMode

MEASURE_INCLUDE_RESPONDED = 'Include only "Responded" Campaign Members'


class UnknownSyncModeError(ValueError):
    """The campaign carries an `Enable Buyer Touchpoints` value this product does not know."""

    def __init__(self, value: str, known: tuple[str, ...]) -> None:
        self.value = value
        super().__init__(
            f"Enable_Buyer_Touchpoints__c has unknown value {value!r}; expected one of "
            + ", ".join(repr(v) for v in known)
        )


def touchpoints_enabled(sync_mode: SyncMode) -> bool:
    """A campaign that includes members (all, or responded) has touchpoints to re-date."""
    return sync_mode in (SyncMode.INCLUDE_ALL, SyncMode.INCLUDE_RESPONDED)


@dataclass(frozen=True, slots=True)
class SyncSettingValues:
    """The picklist values meaning each sync mode (exact, as Salesforce stores them)."""

    include_all: tuple[str, ...] = (SyncMode.INCLUDE_ALL.value,)
    include_responded: tuple[str, ...] = (
        SyncMode.INCLUDE_RESPONDED.value,
        MEASURE_INCLUDE_RESPONDED,
    )
    exclude_all: tuple[str, ...] = (SyncMode.EXCLUDE_ALL.value,)

    def by_value(self) -> dict[str, SyncMode]:
        return {
            **dict.fromkeys(self.include_all, SyncMode.INCLUDE_ALL),
            **dict.fromkeys(self.include_responded, SyncMode.INCLUDE_RESPONDED),
            **dict.fromkeys(self.exclude_all, SyncMode.EXCLUDE_ALL),
        }

    @property
    def including(self) -> tuple[str, ...]:
        """The values whose campaigns get touchpoints (what the member flow filters on)."""
        return (*self.include_all, *self.include_responded)


DEFAULT_SYNC_SETTING_VALUES = SyncSettingValues()


def parse_sync_mode(
    value: str | None, values: SyncSettingValues = DEFAULT_SYNC_SETTING_VALUES
) -> SyncMode:
    """A blank value means the campaign is not synced: nothing is created or removed.

    Any other value must be one of the configured picklist values; an unknown one is refused
    rather than guessed, so a mistyped picklist never creates or deletes touchpoints.
    """
    text = (value or "").strip()
    if not text:
        return SyncMode.NOT_SYNCED
    known = values.by_value()
    if text not in known:
        raise UnknownSyncModeError(text, tuple(known))
    return known[text]
