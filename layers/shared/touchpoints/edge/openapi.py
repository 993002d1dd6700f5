"""OpenAPI helpers for the admin routes: every error answer documented in the one error shape."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

ERROR_MEANINGS = {
    400: "Malformed request (e.g. a page token that is not ours)",
    404: "Not found; `error` says what",
    409: "Conflicts with the current state; `error` says why",
    422: "Invalid input, named in `field`",
    428: "A precondition header (If-Match) is missing",
    502: "Marketo refused the call for a reason a retry does not cure",
    503: "Salesforce or Marketo is unavailable or out of API calls; retry later",
}


class ErrorBody(BaseModel):
    error: str = Field(description="Machine-readable code, e.g. NO_MATCHING_MEMBERS")
    message: str
    field: str | None = Field(None, description="The request field at fault")


def responses(ok: dict[int, tuple[str, type[BaseModel] | None]], *errors: int) -> dict[int, Any]:
    """The success bodies (a model, or None for a body described elsewhere) and the error
    codes a route answers with, all errors in the error shape."""
    described: dict[int, Any] = {}
    for code, (text, model) in ok.items():
        described[code] = {"description": text}
        if model is not None:
            described[code]["content"] = {"application/json": {"model": model}}
    for code in errors:
        described[code] = {
            "description": ERROR_MEANINGS[code],
            "content": {"application/json": {"model": ErrorBody}},
        }
    return described
