"""The recompute request as it travels on the RecomputeQueue (services/recompute/): its
contract. The function reads it through edge/queue_messages.py, which comes here for any message
not in the plain shape our producers write."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from touchpoints.edge.ids import SalesforceId


class RecomputeMessage(BaseModel):
    campaign_id: SalesforceId
    cause: str = "unspecified"
    run_id: str | None = None
    full: bool = False
    limit_attempts: int = Field(default=0, ge=0)  # refused by the API limit, over earlier copies
    limited_since: datetime | None = None  # when the API limit first held this request back

    def details(self) -> dict[str, Any]:
        """The request's fields besides campaign and cause, as a copy of it carries them."""
        return self.model_dump(mode="json", exclude={"campaign_id", "cause"}, exclude_defaults=True)
