"""The two error shapes Salesforce uses: a whole-request error envelope and a per-record error."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class RecordError(Exception):
    """One record could not be written; collections report it in that record's result."""

    status_code: str
    message: str
    fields: list[str] = field(default_factory=list)

    def as_result_error(self) -> dict:
        return {"statusCode": self.status_code, "message": self.message, "fields": self.fields}


@dataclass
class ApiError(Exception):
    """The whole request failed: HTTP status plus Salesforce's `[{"message", "errorCode"}]` body."""

    status: int
    error_code: str
    message: str
    fields: list[str] | None = None

    def body(self) -> list[dict]:
        error: dict = {"message": self.message, "errorCode": self.error_code}
        if self.fields is not None:
            error["fields"] = self.fields
        return [error]

    @classmethod
    def from_record_error(cls, error: RecordError, status: int = 400) -> ApiError:
        return cls(status, error.status_code, error.message, error.fields)


def not_found(message: str = "The requested resource does not exist") -> ApiError:
    return ApiError(404, "NOT_FOUND", message)


def malformed_query(message: str) -> ApiError:
    return ApiError(400, "MALFORMED_QUERY", message)
