"""The admin API's OpenAPI document, generated from the API functions' resolvers and models.

    make openapi        # writes openapi/admin-api.json (committed; a test fails when it is stale)

Every function template.yaml routes admin (IAM-authorized) API requests to is included; the
Salesforce webhook (no IAM, SOAP) is not an admin route.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml
from aws_lambda_powertools.event_handler.openapi.merge import OpenAPIMerge
from aws_lambda_powertools.event_handler.openapi.models import APIKey, APIKeyIn, Server

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "template.yaml"
DOCUMENT = ROOT / "openapi" / "admin-api.json"


class _TemplateLoader(yaml.SafeLoader):
    """template.yaml with CloudFormation's short-form tags (!Ref, !GetAtt, ...) read as text."""


_TemplateLoader.add_multi_constructor("!", lambda loader, suffix, node: f"!{suffix}")


def admin_routes() -> dict[str, set[tuple[str, str]]]:
    """Each function's IAM-authorized API routes in template.yaml: CodeUri → {(METHOD, path)}."""
    resources = yaml.load(TEMPLATE.read_text(), Loader=_TemplateLoader)["Resources"]  # noqa: S506
    routes: dict[str, set[tuple[str, str]]] = {}
    for resource in resources.values():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        properties = resource["Properties"]
        for trigger in (properties.get("Events") or {}).values():
            api = trigger["Properties"]
            if trigger["Type"] == "Api" and api.get("Auth", {}).get("Authorizer") != "NONE":
                code = properties["CodeUri"].rstrip("/")
                routes.setdefault(code, set()).add((api["Method"].upper(), api["Path"]))
    return routes


def load_app(code_uri: str) -> ModuleType:
    """`<code_uri>/app.py`, the function's handler module (each function's file is app.py)."""
    path = ROOT / code_uri / "app.py"
    spec = importlib.util.spec_from_file_location(f"{path.parent.name}_openapi_app", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # pydantic resolves the handler's models through it
    spec.loader.exec_module(module)
    return module


def documented_api(module: ModuleType) -> Any:
    """The function's validating resolver: built on demand where the function answers plain
    requests without it (`documented_api()`, edge/light_api.py), else its module's `api`."""
    build = getattr(module, "documented_api", None)
    return build() if build else module.api


def admin_api_schemas() -> list[Any]:
    return [documented_api(load_app(code)).get_openapi_schema() for code in sorted(admin_routes())]


def admin_api_document() -> str:
    merge = OpenAPIMerge(
        title="Offline campaign touchpoints: admin API",
        version="1",
        description="API Gateway REST, IAM-authorized: sign every request with AWS Signature"
        " Version 4 (service `execute-api`). Bodies use snake_case keys. Errors are"
        " `{error, message, field?}`.",
        servers=[Server(url="https://{api-id}.execute-api.{region}.amazonaws.com/Prod")],
        security_schemes={
            "sigv4": APIKey(
                name="Authorization",
                in_=APIKeyIn.header,
                description="AWS Signature Version 4 (IAM); the caller needs execute-api:Invoke",
            )
        },
        security=[{"sigv4": []}],
        on_conflict="error",
    )
    for schema in admin_api_schemas():
        merge.add_schema(schema)
    return merge.get_openapi_json_schema() + "\n"


def main() -> None:
    DOCUMENT.parent.mkdir(exist_ok=True)
    DOCUMENT.write_text(admin_api_document())
    print(f"wrote {DOCUMENT.relative_to(ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
