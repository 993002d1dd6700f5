"""The admin API's error shape: `{"error": CODE, "message": TEXT, "field": NAME?}` (DESIGN.md).

Each function keeps one table from domain exception classes to (HTTP status, code); statuses are
never decided by matching words in a message.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aws_lambda_powertools.event_handler import Response, content_types

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
