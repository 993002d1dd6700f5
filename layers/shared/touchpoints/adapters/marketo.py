"""Marketo Engage adapter: the only code that talks to Marketo's REST API.

A small requests-based client rather than a PyPI one: the maintained client (marketorestpython)
calls module-level `requests` functions, so no transport can be mounted for the emulator or
timeouts set; it sleeps a fixed time on 606 only, not on 615, and gives back None after its
retries. This adapter needs seven endpoints, and wants every call counted, batched to the API's
maximum and retried on exactly the codes Marketo documents:

- 601/602 (token invalid/expired): fetch a new token and repeat the call at once;
- the token endpoint refusing the client (HTTP 400/401: a client secret regenerated in
  LaunchPoint, Authentication,
  https://experienceleague.adobe.com/en/docs/marketo-developer/marketo/rest/authentication):
  read the secret again, once, and ask again with what it holds now;
- 606/615 (rate/concurrency limit: about 100 calls per 20 s, 10 at a time): back off, repeat;
- 604/608/611/713 (time-out, temporarily unavailable, system error, transient): back off, repeat;
- 607 (daily quota): stop the run (`MarketoQuotaExceededError`), nothing is recorded as done;
- 702 (no data found): the thing looked up does not exist (None / empty, never an error);
- HTTP 5xx and dropped connections: back off and repeat (every write used is idempotent:
  set status, delete membership, create-or-update a lead by email);
- HTTP 413/414 carry no JSON: a GET whose URL would pass 8 KB is sent as `POST` with
  `_method=GET` and a form body (Marketo's documented remedy, also applied on a 414); a 413
  raises `MarketoRequestTooLargeError`; any other reply that is not JSON raises a `MarketoError`
  naming the HTTP status.

Record-level outcomes of member writes are matched to the input by `seq` (a skipped record carries
no lead id): a status write skipped with 1037 means the lead is already in or past that status;
a delete skipped with 1037 means the lead is not in the program, i.e. done. A statusName-filtered
member query that Marketo refuses with 1003 (more than 100,000 members) is answered through a Bulk
Program Member Extract job instead.
"""

from __future__ import annotations

import csv
import io
import random
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from itertools import batched
from typing import Any

import requests

from touchpoints.errors import (
    MarketoError,
    MarketoNotFoundError,
    MarketoQuotaExceededError,
    MarketoRequestTooLargeError,
    MarketoUnavailableError,
)
from touchpoints.ports.marketo import MarketoLead, MemberWrite, Program, ProgressionStatus

MAX_BATCH = 300  # members and leads per call
EMAIL_BATCH = 100  # emails per lead lookup (they travel in the query string)
TOKEN_CODES = frozenset({"601", "602"})
LIMIT_CODES = frozenset({"606", "615"})
TRANSIENT_CODES = frozenset({"604", "608", "611", "713"})
QUOTA_CODE = "607"
NO_DATA_CODE = "702"
TOO_MANY_MEMBERS_CODE = "1003"  # a non-leadId member query spanning more than 100,000 members
SKIPPED_CODE = "1037"  # status: already in or past it; delete: not in the program
MEMBER_FIELDS = "leadId,statusName,membershipDate"
LEAD_FIELDS = "id,email,firstName,lastName,company,sfdcLeadId,sfdcContactId"
MAX_URI_BYTES = 8 * 1024
EXPORT_POLL_SECONDS = 60.0  # Marketo updates an extract job's status once a minute
EXPORT_MAX_POLLS = 10  # then give up for this run: the function has 15 minutes
AUTH_REFUSED = frozenset({400, 401})  # the token endpoint refusing the client or its secret

Credentials = tuple[str, str]  # client id, client secret


class MarketoSecretError(ValueError):
    """The Marketo secret lacks a key. Names keys only, never values."""


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
        reload_credentials: Callable[[], Credentials] | None = None,
    ) -> None:
        self._base = base_url.rstrip("/")
        self._reload_credentials = reload_credentials
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
        reply = self._token_request()
        if reply.status_code in AUTH_REFUSED and self._reload_credentials is not None:
            # the secret may have been rotated since this warm client read it
            self._client_id, self._client_secret = self._reload_credentials()
            reply = self._token_request()
        if reply.status_code != 200:
            raise MarketoError(str(reply.status_code), "token request refused (check the secret)")
        body = reply.json()
        self._token = body["access_token"]
        # Renew a minute early so a long run never sends a token that expires in flight.
        self._token_expires = self._clock() + max(0, int(body.get("expires_in", 0)) - 60)
        return self._token

    def _token_request(self) -> requests.Response:
        self.calls["token"] += 1
        return self._http.get(
            f"{self._base}/identity/oauth/token",
            params={
                "grant_type": "client_credentials",
                "client_id": self._client_id,
                "client_secret": self._client_secret,
            },
            timeout=self._timeout,
        )

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
                reply = self._send(method, path, params, body, token)
            except (requests.ConnectionError, requests.Timeout) as error:
                last = type(error).__name__
                self._backoff(attempt, limited=False)
                continue
            if reply.status_code >= 500:
                last = f"HTTP {reply.status_code}"
                self._backoff(attempt, limited=False)
                continue
            if reply.status_code == 414 and method == "GET":
                self.calls[kind] += 1  # the documented remedy: the same GET as a form POST
                reply = self._send(method, path, params, body, token, as_form=True)
            payload = _json_or_raise(kind, reply)
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
            if codes & TRANSIENT_CODES:
                self._backoff(attempt, limited=False)
                continue
            first = errors[0]
            if QUOTA_CODE in codes:
                raise MarketoQuotaExceededError(QUOTA_CODE, str(first.get("message")))
            if NO_DATA_CODE in codes:
                raise MarketoNotFoundError(NO_DATA_CODE, str(first.get("message")))
            raise MarketoError(str(first.get("code")), str(first.get("message")))
        raise MarketoUnavailableError(
            f"Marketo {kind} failed after {self._max_attempts} attempts ({last})"
        )

    def _send(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None,
        body: Mapping[str, Any] | None,
        token: str,
        *,
        as_form: bool = False,
    ) -> requests.Response:
        url = f"{self._base}{path}"
        headers = {"Authorization": f"Bearer {token}"}
        if method == "GET" and (as_form or _url_bytes(url, params) > MAX_URI_BYTES):
            return self._http.post(
                url,
                params={"_method": "GET"},
                data=dict(params or {}),
                headers=headers,
                timeout=self._timeout,
            )
        return self._http.request(
            method, url, params=params, json=body, headers=headers, timeout=self._timeout
        )

    def _lookup(
        self, kind: str, path: str, params: Mapping[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        """A lookup's result rows; none when Marketo says 702 (no data found)."""
        try:
            return self._request(kind, "GET", path, params).get("result") or []
        except MarketoNotFoundError:
            return []

    # -- usage ---------------------------------------------------------------------------------
    def calls_today(self) -> int:
        """The subscription's API calls today (`GET /rest/v1/stats/usage.json`), all users."""
        days = self._request("usage", "GET", "/rest/v1/stats/usage.json").get("result") or []
        return sum(int(day.get("total") or 0) for day in days)

    # -- asset API -----------------------------------------------------------------------------
    def get_program(self, program_id: int) -> Program | None:
        result = self._lookup("program_get", f"/rest/asset/v1/program/{int(program_id)}.json")
        if not result:
            return None
        program = result[0]
        costs = tuple(float(c.get("cost") or 0) for c in program.get("costs") or [])
        return Program(int(program["id"]), program.get("name") or "", program["channel"], costs)

    def get_channel_statuses(self, channel: str) -> tuple[ProgressionStatus, ...] | None:
        result = self._lookup(
            "channel_by_name", "/rest/asset/v1/channel/byName.json", {"name": channel}
        )
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
        try:
            return self._member_pages(program_id, params)
        except MarketoNotFoundError:
            return {}
        except MarketoError as error:
            if error.code != TOO_MANY_MEMBERS_CODE:
                raise
            return self._extract_members(program_id)

    def member_statuses(self, program_id: int, lead_ids: Iterable[int]) -> dict[int, str]:
        """These leads' statuses in the program (a filter Marketo allows at any program size);
        a lead that is not a member is left out."""
        members: dict[int, str] = {}
        for chunk in batched(sorted(set(lead_ids)), MAX_BATCH, strict=False):
            params = {
                "filterType": "leadId",
                "filterValues": ",".join(map(str, chunk)),
                "fields": MEMBER_FIELDS,
                "batchSize": MAX_BATCH,
            }
            try:
                members |= self._member_pages(program_id, params)
            except MarketoNotFoundError:
                continue
        return members

    def _member_pages(self, program_id: int, params: dict[str, Any]) -> dict[int, str]:
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

    def _extract_members(self, program_id: int) -> dict[int, str]:
        """Every member through one Bulk Program Member Extract job: create, enqueue, poll once a
        minute (as Marketo advises) up to EXPORT_MAX_POLLS, then read the CSV file."""
        base = "/bulk/v1/program/members/export"
        body = {
            "format": "CSV",
            "fields": ["leadId", "statusName"],
            "columnHeaderNames": {"leadId": "leadId", "statusName": "statusName"},
            "filter": {"programId": int(program_id)},
        }
        created = self._request("export_create", "POST", f"{base}/create.json", body=body)
        export_id = created["result"][0]["exportId"]
        self._request("export_enqueue", "POST", f"{base}/{export_id}/enqueue.json")
        status = "Queued"
        for _ in range(EXPORT_MAX_POLLS):
            self._sleep(EXPORT_POLL_SECONDS)
            reply = self._request("export_status", "GET", f"{base}/{export_id}/status.json")
            status = reply["result"][0]["status"]
            if status == "Completed":
                return self._export_file(f"{base}/{export_id}/file.json")
            if status in ("Failed", "Cancelled", "Canceled"):
                break
        raise MarketoUnavailableError(
            f"Marketo bulk program member extract {export_id} is {status} "
            f"(program {program_id} has more than 100,000 members); the next run tries again"
        )

    def _export_file(self, path: str) -> dict[int, str]:
        self.calls["export_file"] += 1
        reply = self._http.get(
            f"{self._base}{path}",
            headers={"Authorization": f"Bearer {self._access_token()}"},
            timeout=self._timeout,
        )
        if reply.status_code != 200:
            raise MarketoUnavailableError(f"Marketo extract file answered HTTP {reply.status_code}")
        rows = csv.DictReader(io.StringIO(reply.text))
        return {int(row["leadId"]): row["statusName"] for row in rows}

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
            for row in reply.get("result") or []:
                lead_id = chunk[int(row["seq"])]  # skipped rows carry no lead id
                codes = {str(r.get("code")) for r in row.get("reasons") or []}
                skipped = row.get("status") == "skipped"
                if skipped and SKIPPED_CODE in codes and kind == "members_delete":
                    outcomes.append(MemberWrite(lead_id, True))  # not in the program: done
                elif skipped:
                    message = "; ".join(
                        f"{r.get('code')} {r.get('message')}" for r in row.get("reasons") or []
                    )
                    outcomes.append(
                        MemberWrite(lead_id, False, message, at_or_past=SKIPPED_CODE in codes)
                    )
                else:
                    outcomes.append(MemberWrite(lead_id, True))
        return outcomes

    # -- leads ---------------------------------------------------------------------------------
    def leads_by_id(self, lead_ids: Iterable[int]) -> dict[int, MarketoLead]:
        leads = self._leads_by("id", sorted(set(map(str, lead_ids))), MAX_BATCH)
        return {lead.id: lead for lead in leads}

    def leads_by_email(self, emails: Iterable[str]) -> list[MarketoLead]:
        return self._leads_by("email", sorted(set(emails)), EMAIL_BATCH)

    def leads_by_salesforce_id(self, person_ids: Iterable[str]) -> list[MarketoLead]:
        """Leads whose Salesforce link (sfdcContactId or sfdcLeadId) is one of these ids."""
        ids = sorted(set(person_ids))
        contacts = [i for i in ids if i.startswith("003")]
        leads = [i for i in ids if not i.startswith("003")]
        return self._leads_by("sfdcContactId", contacts, MAX_BATCH) + self._leads_by(
            "sfdcLeadId", leads, MAX_BATCH
        )

    def _leads_by(self, filter_type: str, values: list[str], batch: int) -> list[MarketoLead]:
        found: list[MarketoLead] = []
        for chunk in batched(values, batch, strict=False):
            params = {
                "filterType": filter_type,
                "filterValues": ",".join(chunk),
                "fields": LEAD_FIELDS,
            }
            found.extend(
                _lead(row) for row in self._lookup("leads_get", "/rest/v1/leads.json", params)
            )
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
        row.get("sfdcLeadId") or None,
        row.get("sfdcContactId") or None,
    )


def _url_bytes(url: str, params: Mapping[str, Any] | None) -> int:
    return len((requests.Request("GET", url, params=params).prepare().url or "").encode())


def _json_or_raise(kind: str, reply: requests.Response) -> dict[str, Any]:
    """Marketo's envelope; its HTTP-level errors (413, 414, a proxy's page) carry no JSON."""
    if reply.status_code == 413:
        raise MarketoRequestTooLargeError(
            "413", f"Marketo refused {kind}: Request Entity Too Large (body above 1 MB)"
        )
    try:
        payload = reply.json()
    except ValueError:
        payload = None
    if not isinstance(payload, dict):
        raise MarketoError(
            str(reply.status_code),
            f"Marketo answered {kind} with HTTP {reply.status_code} and no JSON envelope "
            f"({reply.headers.get('Content-Type', 'no content type')})",
        )
    return payload


SECRET_KEYS = ("base_url", "client_id", "client_secret")  # what the Marketo secret holds


def connect_marketo(
    secret: Mapping[str, str],
    session: requests.Session | None = None,
    sleep: Callable[[float], None] = time.sleep,
    reread_secret: Callable[[], Mapping[str, str]] | None = None,
) -> MarketoClient:
    """A client for the instance the secret names (`base_url`, `client_id`, `client_secret`);
    `reread_secret` reads it afresh when Marketo refuses the credentials."""
    _check_secret(secret)
    reload = None
    if reread_secret is not None:

        def reload() -> Credentials:
            fresh = _check_secret(reread_secret())
            return fresh["client_id"], fresh["client_secret"]

    return MarketoClient(
        secret["base_url"],
        secret["client_id"],
        secret["client_secret"],
        session,
        sleep=sleep,
        reload_credentials=reload,
    )


def _check_secret(secret: Mapping[str, str]) -> Mapping[str, str]:
    missing = [key for key in SECRET_KEYS if not secret.get(key)]
    if missing:
        raise MarketoSecretError(
            f"Marketo secret must hold base_url, client_id and client_secret; missing: {missing}"
        )
    return secret
