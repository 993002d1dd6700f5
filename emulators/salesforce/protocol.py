"""The request and reply the API handlers see, independent of the requests transport."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from urllib.parse import parse_qs

from .errors import ApiError
from .faults import Fault


@dataclass
class ApiRequest:
    method: str
    path: str  # below /services/data/vNN.N/, without a trailing slash
    version: str  # "59.0"
    query_string: str
    headers: dict[str, str]  # lower-case names
    body: bytes
    fault: Fault | None = None  # a row-lock fault for this call, applied per record
    _params: dict[str, list[str]] | None = None

    @property
    def parts(self) -> list[str]:
        return [part for part in self.path.split("/") if part]

    def param(self, name: str) -> str | None:
        if self._params is None:
            self._params = parse_qs(self.query_string, keep_blank_values=True)
        values = self._params.get(name)
        return values[0] if values else None

    def json(self) -> object:
        try:
            return json.loads(self.body.decode("utf-8")) if self.body else None
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise ApiError(400, "JSON_PARSER_ERROR", f"Unexpected character: {error}") from None

    def text(self) -> str:
        return self.body.decode("utf-8-sig")


@dataclass
class ApiReply:
    status: int
    body: object = None  # JSON-able, or bytes/str sent as they are
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json;charset=UTF-8"

    def encoded(self) -> bytes:
        if self.status == 204 or self.body is None:
            return b""
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode("utf-8")
        return json.dumps(self.body).encode("utf-8")

    @classmethod
    def error(cls, error: ApiError) -> ApiReply:
        return cls(error.status, error.body())
