"""A requests transport adapter: the real HTTP client talks to an emulator in-process.

Both emulators (Salesforce, Marketo) mount one on the session they hand out; the adapter needs
only their `handle`, so it depends on neither.
"""

from __future__ import annotations

import io
from http import HTTPStatus
from typing import Protocol

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict


class ServesRequests(Protocol):
    def handle(self, prepared: requests.PreparedRequest) -> tuple[int, dict[str, str], bytes]:
        """Status, headers and body for a request; may raise requests.ConnectionError."""
        ...


class EmulatorAdapter(BaseAdapter):
    def __init__(self, org: ServesRequests) -> None:
        super().__init__()
        self.org = org

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: object = None,
        verify: object = True,
        cert: object = None,
        proxies: object = None,
    ) -> requests.Response:
        if hasattr(request.body, "read"):  # a streamed upload: the bytes the wire would carry
            request.body = request.body.read()
        status, headers, body = self.org.handle(request)  # may raise ConnectionError
        response = requests.Response()
        response.status_code = status
        try:
            response.reason = HTTPStatus(status).phrase
        except ValueError:
            response.reason = ""
        response.headers = CaseInsensitiveDict(headers)
        response._content = body
        response._content_consumed = True  # so iter_content(stream=True) replays the body
        response.raw = io.BytesIO(body)
        response.encoding = "utf-8"
        response.url = request.url or ""
        response.request = request
        response.connection = self
        return response

    def close(self) -> None:
        pass
