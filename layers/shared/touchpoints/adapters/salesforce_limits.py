"""Salesforce's Limits resource (`GET /services/data/vXX.X/limits/`): the org's daily API
allocation and what is left of it. The integration user needs View Setup and Configuration."""

from __future__ import annotations

import requests
from simple_salesforce.exceptions import SalesforceError

from touchpoints.adapters.salesforce_transport import SalesforceTransport
from touchpoints.errors import SalesforceUnavailableError
from touchpoints.ports.limits import BudgetUnavailableError
from touchpoints.rules.api_budget import ApiBudget


class SalesforceLimits:
    def __init__(self, transport: SalesforceTransport) -> None:
        self._transport = transport

    def daily_api_requests(self) -> ApiBudget:
        """Raises SalesforceLimitExceededError when the org refuses the call for its limit."""
        try:
            limits = self._transport.call("limits", lambda sf: sf.limits())
        except (SalesforceError, SalesforceUnavailableError, requests.RequestException) as error:
            raise BudgetUnavailableError(f"Salesforce limits: {type(error).__name__}") from error
        daily = limits.get("DailyApiRequests") or {}
        try:
            return ApiBudget(limit=int(daily["Max"]), remaining=int(daily["Remaining"]))
        except (KeyError, TypeError, ValueError):
            raise BudgetUnavailableError("Salesforce limits: no DailyApiRequests") from None
