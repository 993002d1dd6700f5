"""The admin API's OpenAPI document, generated from the handlers' routes and models.

    make openapi        # writes openapi/admin-api.json (committed; a test fails when it is stale)

Add a function to HANDLERS when it serves admin routes on the same API.
"""

from __future__ import annotations

import sys
from pathlib import Path

from aws_lambda_powertools.event_handler.openapi.merge import OpenAPIMerge
from aws_lambda_powertools.event_handler.openapi.models import APIKey, APIKeyIn, Server

from emulators.world import load_handler

ROOT = Path(__file__).resolve().parent.parent
DOCUMENT = ROOT / "openapi" / "admin-api.json"
HANDLERS = ("bulk_date_update", "channel_mapping")


def admin_api_document() -> str:
    merge = OpenAPIMerge(
        title="Offline campaign touchpoints: admin API",
        version="1",
        description="API Gateway REST, IAM-authorized: sign every request with AWS Signature"
        " Version 4 (service `execute-api`). Errors are `{error, message, field?}`.",
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
    for name in HANDLERS:
        merge.add_schema(load_handler(name).api.get_openapi_schema())
    return merge.get_openapi_json_schema() + "\n"


def main() -> None:
    DOCUMENT.parent.mkdir(exist_ok=True)
    DOCUMENT.write_text(admin_api_document())
    print(f"wrote {DOCUMENT.relative_to(ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
