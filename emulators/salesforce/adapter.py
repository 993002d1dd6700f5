"""A requests transport adapter: the real HTTP client talks to the emulator in-process."""

from __future__ import annotations

import io
from http import HTTPStatus
from typing import TYPE_CHECKING

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

if TYPE_CHECKING:
    from .emulator import SalesforceEmulator


class EmulatorAdapter(BaseAdapter):
    def __init__(self, org: SalesforceEmulator) -> None:
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
