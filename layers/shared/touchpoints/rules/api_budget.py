"""How much of a daily API budget is left: the look-ahead alarms fire on it before the budget is
spent, not after."""

from __future__ import annotations

from dataclasses import dataclass

LOW_BUDGET_PERCENT = 20  # template.yaml's SalesforceApiBudgetLowAlarm fires below this


@dataclass(frozen=True, slots=True)
class ApiBudget:
    """A daily allocation as the product reports it: `limit` calls a day, `remaining` left."""

    limit: int
    remaining: int

    @property
    def remaining_percent(self) -> float:
        """The share of the day's allocation still to spend, 0 to 100; a spent or empty allocation
        has none left."""
        if self.limit <= 0:
            return 0.0
        return round(100 * min(max(self.remaining, 0), self.limit) / self.limit, 2)


SPENT = ApiBudget(limit=0, remaining=0)  # the org refused a call for its limit: nothing is left
