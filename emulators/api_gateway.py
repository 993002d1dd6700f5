"""API Gateway REST in-process, for the IAM-authorized admin API (tests, demo, CLI tests).

`admin_request` builds the proxy event API Gateway hands a function after AWS_IAM authorization
(the caller's ARN in `requestContext.identity.userArn`). `ApiGatewayAdapter` is a requests
transport adapter: a client that signs real HTTP requests (the admin CLI) reaches a handler
without a network, and a request without a SigV4 signature is refused with 403, as API Gateway
does, before the function sees it.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable, Mapping
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

ADMIN_ARN = "arn:aws:iam::123456789012:user/marketing-ops"
STAGE = "Prod"


def admin_request(
    method: str,
    path: str,
    body: Any = None,
    headers: Mapping[str, str] | None = None,
    query: Mapping[str, str] | None = None,
    user_arn: str = ADMIN_ARN,
    raw_body: str | None = None,
) -> dict[str, Any]:
    """An IAM-authorized API Gateway REST proxy event for `method path`."""
    all_headers = {"Content-Type": "application/json", **(headers or {})}
    text = raw_body if raw_body is not None else (json.dumps(body) if body is not None else None)
    return {
        "resource": path,
        "path": path,
        "httpMethod": method,
        "headers": all_headers,
        "multiValueHeaders": {name: [value] for name, value in all_headers.items()},
        "queryStringParameters": dict(query) if query else None,
        "multiValueQueryStringParameters": (
            {name: [value] for name, value in query.items()} if query else None
        ),
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": path,
            "httpMethod": method,
            "path": f"/{STAGE}{path}",
            "stage": STAGE,
            "accountId": "123456789012",
            "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
            "identity": {
                "userArn": user_arn,
                "caller": user_arn.rsplit("/", 1)[-1],
                "accountId": "123456789012",
                "sourceIp": "192.0.2.10",
            },
        },
        "body": text,
        "isBase64Encoded": False,
    }


_SIGV4 = re.compile(r"^AWS4-HMAC-SHA256 Credential=\S+, SignedHeaders=\S+, Signature=[0-9a-f]{64}$")


class ApiGatewayAdapter(BaseAdapter):
    """Mount on `https://<api>/<stage>/`: signed requests become proxy events for `handler`."""

    def __init__(self, handler: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
        super().__init__()
        self.handler = handler
        self.requests: list[requests.PreparedRequest] = []

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        self.requests.append(request)
        url = urlsplit(request.url or "")
        path = url.path.removeprefix(f"/{STAGE}") or "/"
        headers = {"Content-Type": "application/json"}
        if not _SIGV4.match(request.headers.get("Authorization", "")):
            status, body = 403, json.dumps({"message": "Missing Authentication Token"})
        else:
            raw = request.body.decode() if isinstance(request.body, bytes) else request.body
            event = admin_request(
                request.method or "GET",
                path,
                headers={k: v for k, v in request.headers.items() if k != "Authorization"},
                query=dict(parse_qsl(url.query)) or None,
                raw_body=raw,
            )
            reply = self.handler(event)
            status, body = reply["statusCode"], reply.get("body") or ""
            headers.update({k: v[-1] for k, v in (reply.get("multiValueHeaders") or {}).items()})
            headers.update(reply.get("headers") or {})
        response = requests.Response()
        response.status_code = status
        response.reason = HTTPStatus(status).phrase
        response.headers = CaseInsensitiveDict(headers)
        response._content = body.encode()
        response.raw = io.BytesIO(response._content)
        response.encoding = "utf-8"
        response.url = request.url or ""
        response.request = request
        return response

    def close(self) -> None:
        pass
