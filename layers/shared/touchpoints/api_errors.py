"""The admin API's error shape: `{"error": CODE, "message": TEXT, "field": NAME?}` (DESIGN.md).

Each function keeps one table from domain exception classes to (HTTP status, code); statuses are
never decided by matching words in a message.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from aws_lambda_powertools.event_handler import Response, content_types
from pydantic import BaseModel, Field

ErrorTable = Mapping[type[Exception], tuple[int, str]]


def error_response(status: int, code: str, message: str, field: str | None = None) -> Response:
    body = {"error": code, "message": message, **({"field": field} if field else {})}
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body=body)


def register_error_table(api: Any, errors: ErrorTable) -> None:
    """Every exception class in the table answers with its status and code; a subclass uses
    its nearest listed ancestor. The exception's `field` attribute, if any, names the field."""

    def refused(error: Exception) -> Response:
        status, code = next(errors[cls] for cls in type(error).__mro__ if cls in errors)
        return error_response(status, code, str(error), getattr(error, "field", None))

    api.exception_handler(list(errors))(refused)


class ErrorBody(BaseModel):
    """The error shape, as OpenAPI documents describe it."""

    error: str = Field(description="Machine-readable code, e.g. NO_MATCHING_MEMBERS")
    message: str
    field: str | None = Field(None, description="The request field at fault")


def documented_errors(*errors: tuple[int, str]) -> dict[int, Any]:
    """OpenAPI `responses` entries: each (status, meaning) answered in the error shape."""
    content = {"application/json": {"model": ErrorBody}}
    return {status: {"description": text, "content": content} for status, text in errors}


def field_path(loc: Sequence[Any]) -> str:
    """A body field as the caller wrote it: `("body", "mappings", 2, "channel")` →
    `mappings[2].channel`."""
    name = ""
    for part in loc[1:]:
        name += f"[{part}]" if isinstance(part, int) else f".{part}" if name else str(part)
    return name or "body"
