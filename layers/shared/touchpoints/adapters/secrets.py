"""Secrets Manager adapter: JSON secrets, cached by Powertools Parameters."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.parameters import SecretsProvider

SECRET_CACHE_SECONDS = 300


class JsonSecrets:
    def __init__(self, secretsmanager_client: Any) -> None:
        self._provider = SecretsProvider(boto3_client=secretsmanager_client)

    def load(self, secret_id: str, fresh: bool = False) -> dict[str, Any]:
        """The secret's JSON; cached for five minutes so a warm function does not re-read it
        (`fresh` skips the cache, after Salesforce refused the session it holds)."""
        value = self._provider.get(
            secret_id, transform="json", max_age=SECRET_CACHE_SECONDS, force_fetch=fresh
        )
        if not isinstance(value, dict):
            raise ValueError(f"secret {secret_id} must hold a JSON object")
        return value
