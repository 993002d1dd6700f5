"""The admin API's resolver, the same for every API function: Powertools validation on, one error
shape `{"error": CODE, "message": TEXT, "field": NAME?}` (DESIGN.md), one table from domain
exception class to (HTTP status, code), and one formatter for requests that do not validate.
Statuses are never decided by matching words in a message."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.params import Header
from pydantic import BaseModel

from touchpoints.edge.id_patterns import SALESFORCE_USERNAME, SALESFORCE_USERNAME_MAX
from touchpoints.edge.light_api import ErrorTable, Reply, error_reply, refusal

MAX_PROBLEMS = 5
SalesforceUser = Annotated[
    str | None,
    Header(
        alias="X-Salesforce-User",
        max_length=SALESFORCE_USERNAME_MAX,
        pattern=SALESFORCE_USERNAME,
        description="The Salesforce user who acted, as the named credential sends it"
        " ({!$User.Username}): recorded in the audit entry, never used to authorize",
    ),
]


def error_response(status: int, code: str, message: str, field: str | None = None) -> Response[Any]:
    return as_response(error_reply(status, code, message, field))


def as_response(reply: Reply) -> Response[Any]:
    """A reply the light path could also give (edge/light_api.py), as the resolver returns it."""
    return Response(reply.status, reply.content_type, reply.body, dict(reply.headers))


def register_error_table(api: APIGatewayRestResolver, errors: ErrorTable) -> None:
    """Every exception class in the table answers with its status and code; a subclass uses
    its nearest listed ancestor. The exception's `field` attribute, if any, names the field."""

    def refused(error: Exception) -> Response[Any]:
        reply = refusal(errors, error)
        if reply is None:  # the handler is registered for the table's classes only
            raise error
        return as_response(reply)

    api.exception_handler(list(errors))(refused)


def admin_api(
    errors: ErrorTable,
    body_models: Sequence[type[BaseModel]] = (),
    invalid_code: str = "INVALID_REQUEST",
) -> APIGatewayRestResolver:
    """A resolver for IAM-authorized admin routes. `body_models` are the request bodies its
    routes take, so a validation error names the field as the caller wrote it; `invalid_code`
    is the code such a request is refused with."""
    api = APIGatewayRestResolver(enable_validation=True)
    register_error_table(api, errors)

    def invalid(error: RequestValidationError) -> Response[Any]:
        return validation_error_response(error.errors(), body_models, invalid_code)

    api.exception_handler(RequestValidationError)(invalid)

    @api.not_found
    def no_route(error: NotFoundError) -> Response[Any]:
        """API Gateway only forwards the routes template.yaml declares; this keeps the shape."""
        return error_response(404, "NOT_FOUND", "no such route")

    return api


def iam_caller(api: APIGatewayRestResolver) -> str:
    """The IAM principal API Gateway authenticated (AWS_IAM authorization)."""
    identity = api.current_event.request_context.identity
    return identity.user_arn or identity.caller or "unknown"


def validation_error_response(
    errors: Sequence[Mapping[str, Any]],
    body_models: Sequence[type[BaseModel]] = (),
    code: str = "INVALID_REQUEST",
) -> Response[Any]:
    """Powertools' validation errors (422) in the API's error shape: one problem per field (a
    union, e.g. date or date-time, reports each alternative), the first field named."""
    problems = {field_name(e.get("loc", ()), body_models): _problem(e) for e in reversed(errors)}
    ordered = list(problems.items())[::-1]
    message = "; ".join(f"{field}: {problem}" for field, problem in ordered[:MAX_PROBLEMS])
    return error_response(422, code, message, ordered[0][0] if ordered else None)


def field_name(loc: Sequence[Any], body_models: Sequence[type[BaseModel]] = ()) -> str:
    """`("body", "filter", "colour")` → `filter.colour`, `("body", "mappings", 2, "channel")` →
    `mappings[2].channel`: the field as the caller wrote it. Walks the body model so pydantic's
    union tags drop out; a header keeps its canonical spelling (`Idempotency-Key`)."""
    if not loc:
        return "body"
    where, *rest = loc
    if where == "header" and rest:
        return "-".join(part.capitalize() for part in str(rest[0]).split("-"))
    if where != "body":
        return str(rest[0]) if rest else str(where)
    model: Any = next((m for m in body_models if rest and rest[0] in m.model_fields), None)
    names: list[str] = []
    for part in rest:
        if isinstance(part, int) and names:  # an item of a list: the list's item model goes on
            names[-1] += f"[{part}]"
            continue
        fields = getattr(model, "model_fields", {})
        if part not in fields:
            if isinstance(part, str) and (model is not None or not names):
                names.append(part)  # a field the model does not have
            break
        names.append(part)
        annotation = fields[part].annotation
        model = next(
            (arg for arg in (annotation, *getattr(annotation, "__args__", ())) if _is_model(arg)),
            None,
        )
    return ".".join(names) or "body"


def _is_model(candidate: Any) -> bool:
    return isinstance(candidate, type) and issubclass(candidate, BaseModel)


def _problem(error: Mapping[str, Any]) -> str:
    kind = error.get("type", "")
    if kind == "extra_forbidden":
        return "unknown field"
    if kind == "missing":
        return "is required"
    if kind == "json_invalid":
        return "the request body is not valid JSON"
    return str(error.get("msg", "is not valid")).removeprefix("Value error, ")
