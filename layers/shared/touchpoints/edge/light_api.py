"""Admin API requests answered without pydantic (issue 18). Powertools' validating resolver costs
pydantic and its OpenAPI machinery, about a third of an API function's cold start. A light route
reads a request it is sure of itself and answers it; a request it is not sure of (or a route
without a light reader, a path no light route matches) goes to the function's documented
resolver (`edge/api.py`), which validates and refuses it exactly as before. The same pattern as
the queue messages (`edge/queue_messages.py`): our callers' plain requests take the light path,
anything else the full one, so an answer never depends on which path gave it.

A light reader declines (raises `Unsure`, through the readers below) before it has done anything;
once it calls a service it answers, and a domain error is answered from the function's error
table in the one error shape."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from touchpoints.edge.id_patterns import SALESFORCE_ID_PATTERN
from touchpoints.rules.salesforce_ids import canonical_id

if TYPE_CHECKING:
    from touchpoints.wiring import Dependencies

ErrorTable = Mapping[type[Exception], tuple[int, str]]
JSON = "application/json"
# A path parameter matches the characters Powertools' resolver matches (RFC 3986's unreserved and
# sub-delimiters, and what API Gateway decodes); a reader then checks its value.
_PARAMETER = re.compile(r"<(\w+)>")
_PARAMETER_VALUE = r"[-._~()'!*:@,;=+&$%<> \[\]{}|^\w]+"
_SALESFORCE_ID = re.compile(SALESFORCE_ID_PATTERN)
_WHOLE_NUMBER = re.compile(r"[1-9][0-9]{0,8}")


class Unsure(Exception):
    """The light path is not sure how the documented resolver reads this request."""


@dataclass(frozen=True, slots=True)
class Reply:
    """An answer either path gives: a JSON value (or text) with its content type and headers."""

    status: int
    body: Any
    content_type: str = JSON
    headers: Mapping[str, str] = field(default_factory=dict)


def error_reply(status: int, code: str, message: str, field: str | None = None) -> Reply:
    """The API's one error shape: `{"error": CODE, "message": TEXT, "field": NAME?}`."""
    return Reply(status, {"error": code, "message": message, **({"field": field} if field else {})})


def refusal(errors: ErrorTable, error: Exception) -> Reply | None:
    """The reply the table gives `error` (its nearest listed class), None if it lists none."""
    listed = next((cls for cls in type(error).__mro__ if cls in errors), None)
    if listed is None:
        return None
    status, code = errors[listed]
    return error_reply(status, code, str(error), getattr(error, "field", None))


@dataclass(frozen=True, slots=True)
class LightRequest:
    """What a light reader sees: path parameters, query parameters and headers (names in lower
    case) each with one value, the body as text, the caller API Gateway authenticated, when the
    function received it (`time.monotonic()`) and the Lambda context."""

    path: Mapping[str, str]
    query: Mapping[str, str]
    headers: Mapping[str, str]
    body: str | None
    caller: str
    received: float = 0.0
    lambda_context: Any = None


LightRoute = Callable[[LightRequest, "Dependencies"], Reply]


class DocumentedApi(Protocol):
    """The function's validating resolver (Powertools' APIGatewayRestResolver)."""

    def append_context(self, **additional_context: Any) -> None: ...
    def resolve(self, event: dict[str, Any], context: Any) -> dict[str, Any]: ...


class LightApi:
    """The light routes of one API function, in front of its documented resolver."""

    def __init__(self, errors: ErrorTable, documented: Callable[[], DocumentedApi]) -> None:
        self._errors = errors
        self._documented = documented
        self._routes: list[tuple[str, re.Pattern[str], LightRoute]] = []

    def route(self, method: str, rule: str) -> Callable[[LightRoute], LightRoute]:
        """A light reader for `method rule` (the rule as Powertools writes it: `/a/<id>`)."""
        pattern = re.compile(_PARAMETER.sub(lambda p: f"(?P<{p[1]}>{_PARAMETER_VALUE})", rule))

        def register(reader: LightRoute) -> LightRoute:
            self._routes.append((method, pattern, reader))
            return reader

        return register

    def resolve(self, event: dict[str, Any], context: Any, deps: Dependencies) -> dict[str, Any]:
        """The light answer, or the documented resolver's when the light path is not sure."""
        received = time.monotonic()
        light = self.answer(event, deps, context, received)
        return light if light is not None else self.documented(event, context, deps, received)

    def documented(
        self, event: dict[str, Any], context: Any, deps: Dependencies, received: float | None = None
    ) -> dict[str, Any]:
        """The documented resolver's answer; its routes find `deps` and `received` in its
        context."""
        api = self._documented()
        api.append_context(deps=deps, received=time.monotonic() if received is None else received)
        return api.resolve(event, context)

    def answer(
        self,
        event: Mapping[str, Any],
        deps: Dependencies,
        context: Any = None,
        received: float | None = None,
    ) -> dict[str, Any] | None:
        """The light path's answer, None when it is not sure of the request."""
        when = time.monotonic() if received is None else received
        reply = self._reply(event, deps, context, when)
        return None if reply is None else proxy_result(reply)

    def _reply(
        self, event: Mapping[str, Any], deps: Dependencies, context: Any, received: float
    ) -> Reply | None:
        for method, pattern, reader in self._routes:
            found = pattern.fullmatch(str(event.get("path", "")))
            if event.get("httpMethod") != method or found is None:
                continue
            request = _light_request(event, found.groupdict(), context, received)
            if request is None:
                return None
            try:
                return reader(request, deps)
            except Unsure:
                return None
            except Exception as error:
                refused = refusal(self._errors, error)
                if refused is None:
                    raise
                return refused
        return None


def proxy_result(reply: Reply) -> dict[str, Any]:
    """The reply as API Gateway's REST proxy integration takes it, as Powertools shapes it."""
    body = reply.body
    if not isinstance(body, str):
        body = json.dumps(body, separators=(",", ":"))
    headers = {"Content-Type": [reply.content_type]}
    headers.update({name: [value] for name, value in reply.headers.items()})
    return {
        "statusCode": reply.status,
        "body": body,
        "isBase64Encoded": False,
        "multiValueHeaders": headers,
    }


def _light_request(
    event: Mapping[str, Any], path: dict[str, str], context: Any, received: float
) -> LightRequest | None:
    """The request with one value per parameter and header, or None when any has more (or the
    body is base64): those are the documented resolver's to read."""
    query = _single_values(
        event.get("multiValueQueryStringParameters"), event.get("queryStringParameters")
    )
    headers = _single_values(event.get("multiValueHeaders"), event.get("headers"), lower=True)
    if query is None or headers is None or event.get("isBase64Encoded"):
        return None
    identity = (event.get("requestContext") or {}).get("identity") or {}
    caller = identity.get("userArn") or identity.get("caller") or "unknown"
    return LightRequest(path, query, headers, event.get("body"), caller, received, context)


def _single_values(
    multi: Mapping[str, list[str]] | None, single: Mapping[str, str] | None, lower: bool = False
) -> dict[str, str] | None:
    values: dict[str, str] = {}
    pairs = [(k, v) for k, vs in (multi or {}).items() for v in vs] if multi else []
    for name, value in pairs or list((single or {}).items()):
        key = name.lower() if lower else name
        if key in values:
            return None
        values[key] = value
    return values


# Readers of one value each, for light routes: the value as the documented resolver would read it,
# or `Unsure` when the light path cannot be sure it would (it then reads the request itself).


def salesforce_id(text: str | None) -> str:
    """A Salesforce id in its 18-character form (edge/ids.py's `SalesforceId`)."""
    canonical = canonical_id(text) if text and _SALESFORCE_ID.fullmatch(text) else None
    if canonical is None:
        raise Unsure
    return canonical


def optional_id(text: str | None) -> str | None:
    return None if text is None else salesforce_id(text)


def whole_number(text: str | None, default: int, maximum: int) -> int:
    """A whole number from 1 to `maximum` (at most 9 digits), written in plain digits; `default`
    when absent."""
    if text is None:
        return default
    if not _WHOLE_NUMBER.fullmatch(text) or int(text) > maximum:
        raise Unsure
    return int(text)


def one_of(text: str | None, choices: frozenset[str]) -> str | None:
    if text is not None and text not in choices:
        raise Unsure
    return text


def some_text(
    text: str | None, max_length: int | None = None, pattern: re.Pattern[str] | None = None
) -> str | None:
    """Text that is not empty (within `max_length`, matching `pattern` whole), or None when
    absent."""
    if text is None:
        return None
    too_long = max_length is not None and len(text) > max_length
    if not text or too_long or (pattern is not None and not pattern.fullmatch(text)):
        raise Unsure
    return text


def json_body(request: LightRequest) -> Any:
    """The body as JSON, when it is sent as JSON (or without a content type) and parses."""
    content_type = request.headers.get("content-type", "").strip()
    if request.body is None or (content_type and not content_type.startswith(JSON)):
        raise Unsure
    try:
        return json.loads(request.body)
    except ValueError as error:
        raise Unsure from error


def json_object(value: Any, required: frozenset[str], optional: frozenset[str]) -> dict[str, Any]:
    """A JSON object with the `required` fields and no field beyond `optional` (`extra=forbid`)."""
    if not isinstance(value, dict) or not required <= set(value) <= required | optional:
        raise Unsure
    return value


def body_text(value: Any, min_length: int = 0, max_length: int | None = None) -> str:
    """A string field (pydantic's `str`, `StrictStr`) within its lengths: text through and
    through (a lone surrogate from a JSON escape is pydantic's to judge)."""
    if not isinstance(value, str) or len(value) < min_length:
        raise Unsure
    if max_length is not None and len(value) > max_length:
        raise Unsure
    try:
        value.encode()
    except UnicodeEncodeError as error:
        raise Unsure from error
    return value


def optional_body_text(value: Any, max_length: int | None = None) -> str | None:
    return None if value is None else body_text(value, 0, max_length)


def absent(values: Mapping[str, str], *names: str) -> None:
    """Parameters only the documented resolver reads (dates, say) must be absent."""
    if any(name in values for name in names):
        raise Unsure
