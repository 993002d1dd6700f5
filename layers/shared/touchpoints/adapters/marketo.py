"""Marketo Engage adapter: the only code that talks to Marketo's REST API.

A small requests-based client rather than a PyPI one: the maintained client (marketorestpython)
calls module-level `requests` functions, so no transport can be mounted for the emulator or
timeouts set; it sleeps a fixed time on 606 only, not on 615, and gives back None after its
retries. This adapter needs seven endpoints, and wants every call counted, batched to the API's
maximum and retried on exactly the codes Marketo documents:

- 601/602 (token invalid/expired): fetch a new token and repeat the call at once;
- 606/615 (rate/concurrency limit: about 100 calls per 20 s, 10 at a time): back off, repeat;
- 607 (daily quota): stop the run (`MarketoQuotaExceededError`), nothing is recorded as done;
- HTTP 5xx and dropped connections: back off and repeat (every write used is idempotent:
  set status, delete membership, create-or-update a lead by email).
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from itertools import batched
from typing import Any

import requests

MAX_BATCH = 300  # members and leads per call
EMAIL_BATCH = 100  # emails per lead lookup (they travel in the query string)
TOKEN_CODES = frozenset({"601", "602"})
LIMIT_CODES = frozenset({"606", "615"})
QUOTA_CODE = "607"
MEMBER_FIELDS = "leadId,statusName,membershipDate"
LEAD_FIELDS = "id,email,firstName,lastName,company"


class MarketoError(RuntimeError):
    """Marketo refused a call with an error code the adapter does not retry."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"Marketo error {code}: {message}")
        self.code = code


class MarketoQuotaExceededError(MarketoError):
    """The subscription's daily API quota is spent: stop now, retry tomorrow."""


class MarketoUnavailableError(RuntimeError):
    """Marketo kept failing (limits, 5xx, no connection) after bounded retries."""


class MarketoSecretError(ValueError):
    """The Marketo secret lacks a key. Names keys only, never values."""


@dataclass(frozen=True, slots=True)
class ProgressionStatus:
    name: str
    step: int
    success: bool = False


@dataclass(frozen=True, slots=True)
class Program:
    id: int
    name: str
    channel: str
    period_costs: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class MarketoLead:
    id: int
    email: str | None
    first_name: str | None = None
    last_name: str | None = None
    company: str | None = None


@dataclass(frozen=True, slots=True)
class MemberWrite:
    """One lead's outcome in a member status or delete call."""

    lead_id: int
    success: bool
    message: str | None = None


class MarketoClient:
    def __init__(
        self,
        base_url: str,
        client_id: str,
        client_secret: str,
        session: requests.Session | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        max_attempts: int = 8,
        timeout: float = 30.0,
    ) -> None:
        self._base = base_url.rstrip("/")
        self._client_id = client_id
        self._client_secret = client_secret
        self._http = session or requests.Session()
        self._sleep = sleep
        self._clock = clock
        self._max_attempts = max_attempts
        self._timeout = timeout
        self._token: str | None = None
        self._token_expires = 0.0
        self.calls: Counter[str] = Counter()  # API calls by kind, token calls included

    # -- transport -----------------------------------------------------------------------------
    def _access_token(self) -> str:
        if self._token and self._clock() < self._token_expires:
            return self._token
        self.calls["token"] += 1
        reply = self._http.get(
            f"{self._base}/identity/oauth/token",
            params={
                "grant_type": "client_credentials",
                "client_id": self._client_id,
                "client_secret": self._client_secret,
            },
            timeout=self._timeout,
        )
        if reply.status_code != 200:
            raise MarketoError(str(reply.status_code), "token request refused (check the secret)")
        body = reply.json()
        self._token = body["access_token"]
        # Renew a minute early so a long run never sends a token that expires in flight.
        self._token_expires = self._clock() + max(0, int(body.get("expires_in", 0)) - 60)
        return self._token

    def _backoff(self, attempt: int, limited: bool) -> None:
        # Limits are counted over 20 s windows; start near one call's share of it and grow.
        base = 2.0 if limited else 0.5
        self._sleep(min(20.0, base * 2 ** (attempt - 1)) * random.uniform(0.5, 1.0))  # noqa: S311

    def _request(
        self,
        kind: str,
        method: str,
        path: str,
        params: Mapping[str, Any] | None = None,
        body: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        last = "no attempt"
        for attempt in range(1, self._max_attempts + 1):
            token = self._access_token()
            self.calls[kind] += 1
            try:
                reply = self._http.request(
                    method,
                    f"{self._base}{path}",
                    params=params,
                    json=body,
                    headers={"Authorization": f"Bearer {token}"},
                    timeout=self._timeout,
                )
            except (requests.ConnectionError, requests.Timeout) as error:
                last = type(error).__name__
                self._backoff(attempt, limited=False)
                continue
            if reply.status_code >= 500:
                last = f"HTTP {reply.status_code}"
                self._backoff(attempt, limited=False)
                continue
            payload = reply.json()
            if payload.get("success"):
                return payload
            errors = payload.get("errors") or [{"code": "unknown", "message": reply.text[:200]}]
            codes = {str(error.get("code")) for error in errors}
            last = ",".join(sorted(codes))
            if codes & TOKEN_CODES:
                self._token = None
                continue
            if codes & LIMIT_CODES:
                self._backoff(attempt, limited=True)
                continue
            first = errors[0]
            if QUOTA_CODE in codes:
                raise MarketoQuotaExceededError(QUOTA_CODE, str(first.get("message")))
            raise MarketoError(str(first.get("code")), str(first.get("message")))
        raise MarketoUnavailableError(
            f"Marketo {kind} failed after {self._max_attempts} attempts ({last})"
        )

    # -- asset API -----------------------------------------------------------------------------
    def get_program(self, program_id: int) -> Program | None:
        reply = self._request(
            "program_get", "GET", f"/rest/asset/v1/program/{int(program_id)}.json"
        )
        result = reply.get("result") or []
        if not result:
            return None
        program = result[0]
        costs = tuple(float(c.get("cost") or 0) for c in program.get("costs") or [])
        return Program(int(program["id"]), program.get("name") or "", program["channel"], costs)

    def get_channel_statuses(self, channel: str) -> tuple[ProgressionStatus, ...] | None:
        reply = self._request(
            "channel_by_name", "GET", "/rest/asset/v1/channel/byName.json", {"name": channel}
        )
        result = reply.get("result") or []
        if not result:
            return None
        return tuple(
            ProgressionStatus(s["name"], int(s.get("step") or 0), bool(s.get("success")))
            for s in result[0].get("progressionStatuses") or []
        )

    # -- program members -----------------------------------------------------------------------
    def program_members(self, program_id: int, statuses: Iterable[str]) -> dict[int, str]:
        """Every member (lead id -> progression status), 300 a page. The API needs a filter:
        all of the channel's statuses select every member."""
        params = {
            "filterType": "statusName",
            "filterValues": ",".join(statuses),
            "fields": MEMBER_FIELDS,
            "batchSize": MAX_BATCH,
        }
        members: dict[int, str] = {}
        path = f"/rest/v1/programs/{int(program_id)}/members.json"
        while True:
            reply = self._request("members_get", "GET", path, params)
            for row in reply.get("result") or []:
                members[int(row["leadId"])] = row.get("statusName")
            page_token = reply.get("nextPageToken")
            if not reply.get("moreResult") or not page_token:
                return members
            params = {**params, "nextPageToken": page_token}

    def set_member_status(
        self, program_id: int, status: str, lead_ids: Iterable[int]
    ) -> list[MemberWrite]:
        path = f"/rest/v1/programs/{int(program_id)}/members/status.json"
        return self._member_writes("members_status", path, lead_ids, {"statusName": status})

    def remove_members(self, program_id: int, lead_ids: Iterable[int]) -> list[MemberWrite]:
        path = f"/rest/v1/programs/{int(program_id)}/members/delete.json"
        return self._member_writes("members_delete", path, lead_ids, {})

    def _member_writes(
        self, kind: str, path: str, lead_ids: Iterable[int], extra: Mapping[str, Any]
    ) -> list[MemberWrite]:
        outcomes: list[MemberWrite] = []
        for chunk in batched(lead_ids, MAX_BATCH, strict=False):
            body = {**extra, "input": [{"leadId": lead_id} for lead_id in chunk]}
            reply = self._request(kind, "POST", path, body=body)
            for lead_id, row in zip(chunk, reply.get("result") or [], strict=False):
                reasons = row.get("reasons") or []
                # "Program member not found" on delete means it is already gone: done.
                gone = kind == "members_delete" and any(r.get("code") == "1004" for r in reasons)
                ok = row.get("status") != "skipped" or gone or not reasons
                message = None if ok else "; ".join(str(r.get("message")) for r in reasons)
                outcomes.append(MemberWrite(lead_id, ok, message))
        return outcomes

    # -- leads ---------------------------------------------------------------------------------
    def leads_by_id(self, lead_ids: Iterable[int]) -> dict[int, MarketoLead]:
        found: dict[int, MarketoLead] = {}
        for chunk in batched(sorted(set(lead_ids)), MAX_BATCH, strict=False):
            params = {
                "filterType": "id",
                "filterValues": ",".join(map(str, chunk)),
                "fields": LEAD_FIELDS,
            }
            for row in (
                self._request("leads_get", "GET", "/rest/v1/leads.json", params).get("result") or []
            ):
                found[int(row["id"])] = _lead(row)
        return found

    def leads_by_email(self, emails: Iterable[str]) -> list[MarketoLead]:
        found: list[MarketoLead] = []
        for chunk in batched(sorted(set(emails)), EMAIL_BATCH, strict=False):
            params = {"filterType": "email", "filterValues": ",".join(chunk), "fields": LEAD_FIELDS}
            reply = self._request("leads_get", "GET", "/rest/v1/leads.json", params)
            found.extend(_lead(row) for row in reply.get("result") or [])
        return found

    def create_or_update_leads(self, leads: Iterable[Mapping[str, Any]]) -> dict[str, int]:
        """Create (or match by email) leads; returns email -> lead id for those that succeeded."""
        ids: dict[str, int] = {}
        for chunk in batched(leads, MAX_BATCH, strict=False):
            body = {"action": "createOrUpdate", "lookupField": "email", "input": list(chunk)}
            reply = self._request("leads_sync", "POST", "/rest/v1/leads.json", body=body)
            for lead, row in zip(chunk, reply.get("result") or [], strict=False):
                if row.get("id") and row.get("status") in ("created", "updated"):
                    ids[lead["email"]] = int(row["id"])
        return ids


def _lead(row: Mapping[str, Any]) -> MarketoLead:
    return MarketoLead(
        int(row["id"]),
        row.get("email"),
        row.get("firstName"),
        row.get("lastName"),
        row.get("company"),
    )


def connect_marketo(
    secret: Mapping[str, str],
    session: requests.Session | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> MarketoClient:
    """A client for the instance the secret names (`base_url`, `client_id`, `client_secret`)."""
    missing = [key for key in ("base_url", "client_id", "client_secret") if not secret.get(key)]
    if missing:
        raise MarketoSecretError(
            f"Marketo secret must hold base_url, client_id and client_secret; missing: {missing}"
        )
    return MarketoClient(
        secret["base_url"], secret["client_id"], secret["client_secret"], session, sleep=sleep
    )
