"""Rule: compare the touchpoints members should have with those that exist; change only the difference."""

from collections.abc import Mapping
from dataclasses import dataclass

from touchpoints.rules.models import Touchpoint


@dataclass(frozen=True, slots=True)
class TouchpointDiff:
    creates: tuple[Touchpoint, ...]
    updates: tuple[Touchpoint, ...]
    deletes: tuple[Touchpoint, ...]

    @property
    def is_empty(self) -> bool:
        return not (self.creates or self.updates or self.deletes)


def diff_touchpoints(
    desired: Mapping[str, Touchpoint], existing: Mapping[str, Touchpoint]
) -> TouchpointDiff:
    """Keyed by touchpoint key:
    desired but not existing → create; both but any field differs (date, channel, email, person) →
    update; existing but no longer desired (member removed, not eligible, campaign excluded) → delete.
    Applying the diff and diffing again gives an empty diff.
    """
    creates = tuple(tp for key, tp in desired.items() if key not in existing)
    updates = tuple(tp for key, tp in desired.items() if key in existing and existing[key] != tp)
    deletes = tuple(tp for key, tp in existing.items() if key not in desired)
    return TouchpointDiff(creates, updates, deletes)
