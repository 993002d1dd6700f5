"""Use case: sample what is left of the daily API budgets, so alarms fire while there is still
time to act (the sweep samples Salesforce, the scheduled program sync Marketo)."""

from __future__ import annotations

from touchpoints.errors import MarketoError, MarketoUnavailableError, SalesforceLimitExceededError
from touchpoints.ports.limits import BudgetUnavailableError, MarketoUsagePort, SalesforceLimitsPort
from touchpoints.rules.api_budget import SPENT, ApiBudget


def salesforce_budget(limits: SalesforceLimitsPort) -> ApiBudget | None:
    """The org's daily API budget; spent when the org refuses the call for its limit; None when it
    could not be read (the caller says so and publishes nothing)."""
    try:
        return limits.daily_api_requests()
    except SalesforceLimitExceededError:
        return SPENT
    except BudgetUnavailableError:
        return None


def marketo_calls_today(usage: MarketoUsagePort) -> int | None:
    """Marketo API calls so far today; None when Marketo would not say (its quota spent, or down)."""
    try:
        return usage.calls_today()
    except (MarketoError, MarketoUnavailableError):
        return None
