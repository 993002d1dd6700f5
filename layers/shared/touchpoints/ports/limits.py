"""What the budget sampling asks of Salesforce and Marketo."""

from __future__ import annotations

from typing import Protocol

from touchpoints.rules.api_budget import ApiBudget


class BudgetUnavailableError(RuntimeError):
    """The budget could not be read (no permission, the service down): nothing is published."""


class SalesforceLimitsPort(Protocol):
    def daily_api_requests(self) -> ApiBudget:
        """`DailyApiRequests` from the org's Limits resource."""
        ...


class MarketoUsagePort(Protocol):
    def calls_today(self) -> int:
        """The subscription's API calls so far today (Marketo's daily usage)."""
        ...
