"""The functions' X-Ray tracer.

Patching a library for X-Ray imports it, and Powertools' default patches every library the SDK
knows. Each function patches botocore at once (every trigger calls AWS) and requests, which the
Salesforce and Marketo clients use, when something first imports it: a cold start loads no HTTP
client its trigger does not call, and every Salesforce or Marketo call is still traced.
"""

from __future__ import annotations

from collections.abc import Callable

import wrapt
from aws_lambda_powertools import Tracer

PATCHED_AT_ONCE = ("botocore",)
PATCHED_WHEN_IMPORTED = ("requests",)


def function_tracer() -> Tracer:
    tracer = Tracer(patch_modules=list(PATCHED_AT_ONCE))
    for module in PATCHED_WHEN_IMPORTED:
        wrapt.register_post_import_hook(_patcher(tracer, module), module)
    return tracer


def _patcher(tracer: Tracer, module: str) -> Callable[[object], None]:
    def patch(_imported: object) -> None:
        tracer.patch([module])  # does nothing while tracing is disabled (tests, local runs)

    return patch
