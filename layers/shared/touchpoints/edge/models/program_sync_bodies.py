"""The program sync admin routes' request bodies (pydantic), for the documented resolver and the
OpenAPI document; the refusals and field lengths are in `program_sync.py`."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from touchpoints.edge.ids import SalesforceId
from touchpoints.edge.models.program_sync import EMAIL_LENGTH, NAME_MAX, STATUS_MAX


class LinkBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    campaign_id: SalesforceId = Field(description="The Salesforce campaign (15 or 18 characters)")


class AddMemberBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: str = Field(min_length=EMAIL_LENGTH[0], max_length=EMAIL_LENGTH[1])
    status: str = Field(min_length=1, max_length=STATUS_MAX)
    first_name: str | None = Field(default=None, max_length=NAME_MAX["first_name"])
    last_name: str | None = Field(default=None, max_length=NAME_MAX["last_name"])
    company: str | None = Field(default=None, max_length=NAME_MAX["company"])

    def names(self) -> dict[str, str | None]:
        """A new lead's names, when the person is not in Salesforce yet."""
        return self.model_dump(include={"first_name", "last_name", "company"})


class StatusBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: str = Field(min_length=1, max_length=STATUS_MAX)
