"""MarketoEmulator: a Marketo Engage instance speaking the REST wire protocol, in-process.

    mkto = MarketoEmulator()
    session = mkto.session()      # a requests.Session with the emulator mounted on base_url
    session.get(f"{mkto.base_url}/identity/oauth/token", params={...})

What it serves (the subset the program sync uses, with Marketo's shapes):
- `GET /identity/oauth/token?grant_type=client_credentials&client_id=&client_secret=`
- `GET /rest/asset/v1/program/{id}.json` (with `channel` and period `costs`)
- `GET /rest/asset/v1/channels.json`, `GET /rest/asset/v1/channel/byName.json?name=`
- `GET /rest/v1/programs/{id}/members.json?filterType=&filterValues=&fields=&batchSize=&nextPageToken=`
- `POST /rest/v1/programs/{id}/members/status.json` and `.../members/delete.json`
- `GET /rest/v1/leads.json?filterType=id|email|sfdcLeadId|sfdcContactId&filterValues=`,
  `POST /rest/v1/leads.json`
- `POST /bulk/v1/program/members/export/create.json`, `.../{exportId}/enqueue.json`,
  `GET .../{exportId}/status.json` and `.../{exportId}/file.json` (Bulk Program Member Extract)
- `GET /rest/v1/stats/usage.json` (today's API calls: total and per API user)

A GET longer than 8 KB answers HTTP 414 and a body above 1 MB HTTP 413, both with an HTML body;
a GET sent as `POST` with `_method=GET` and a form-encoded query is served as the GET.
Member status writes skip (1037) a lead already in or past the status; a delete skips (1037) a
lead not in the program; a statusName-filtered member query over a program with more than
`membership_filter_limit` (100,000) members answers 1003.

Every REST reply is HTTP 200 with `{"requestId", "success", "result"?, "errors"?, "warnings"?,
"nextPageToken"?, "moreResult"?}`; failures are `success: false` with `errors: [{code, message}]`.
Seeding and inspection methods act on the data directly and are not API calls; every call that
arrives through the adapter is counted by kind. With `rate_limit=(100, 20)` the emulator answers
606 past 100 accepted calls in 20 seconds of its clock, as Marketo does. `inject_fault` makes the next calls fail with a
Marketo error code (601/602 token, 606 rate, 615 concurrency, 607 daily quota) or a dropped
connection; `expire_tokens` makes every issued token answer 602 from then on.
"""

from __future__ import annotations

import copy
import csv
import io
import json
import re
import threading
import uuid
from collections import Counter, deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests

from emulators.base import Emulator
from emulators.transport import EmulatorAdapter

MAX_BATCH = 300  # members and leads per read or write
WRITE_KINDS = frozenset({"members_status", "members_delete", "leads_sync"})
ERROR_MESSAGES = {
    "600": "Access token missing",
    "601": "Access token invalid",
    "602": "Access token expired",
    "606": "Max rate limit '100' exceeded with in '20' secs",
    "607": "Daily quota reached",
    "615": "Concurrent access limit reached",
    "604": "Request time-out",
    "608": "API Temporarily Unavailable",
    "611": "System error",
    "702": "No data found for given search scenario",
    "713": "Transient Error",
    "1003": "Invalid value",
    "1013": "Object not found",
}
TRANSIENT_CODES = frozenset({"604", "608", "611", "713"})
FAULT_CODES = frozenset({"601", "602", "606", "607", "615", "413", "connection"} | TRANSIENT_CODES)
SKIPPED_AT_OR_PAST = "Lead skipped because it is already in or past this status"
MAX_URI_BYTES = 8 * 1024  # a longer GET answers 414
MAX_BODY_BYTES = 1024 * 1024  # a larger body answers 413
MEMBERSHIP_FILTER_LIMIT = 100_000  # members a non-leadId member query may span
LEAD_FIELDS = ("id", "email", "firstName", "lastName", "updatedAt", "createdAt")
LEAD_FILTERS = frozenset({"id", "email", "sfdcLeadId", "sfdcContactId"})
# Bulk extract files name program member columns by display name unless told otherwise.
EXPORT_HEADERS = {
    "leadId": "Lead Id",
    "statusName": "Status",
    "membershipDate": "Member Date",
    "reachedSuccess": "Success",
    "program": "Program",
}
_PROGRAM = re.compile(r"^/rest/asset/v1/program/(\d+)\.json$")
_MEMBERS = re.compile(r"^/rest/v1/programs/(\d+)/members(?:/(status|delete))?\.json$")
_EXPORT = re.compile(r"^/bulk/v1/program/members/export/([\w-]+)/(enqueue|status|file)\.json$")


class _Failure(Exception):
    def __init__(self, code: str, message: str | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.message = message or ERROR_MESSAGES.get(code, "Error")


@dataclass
class _Fault:
    code: str
    remaining: int
    kinds: frozenset[str] | None


@dataclass
class _Member:
    status: str
    membership_date: str
    updated_at: str


@dataclass
class _Export:
    id: str
    program_id: int
    fields: list[str]
    headers: dict[str, str]
    created_at: str
    status: str = "Created"
    polls: int = 0  # status polls since it was queued: Queued -> Processing -> Completed
    file: str | None = None


@dataclass
class _Program:
    id: int
    name: str
    channel: str
    type: str
    costs: list[dict[str, Any]] = field(default_factory=list)
    members: dict[int, _Member] = field(default_factory=dict)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class MarketoEmulator(Emulator):
    WRITE_KINDS = WRITE_KINDS

    def __init__(
        self,
        base_url: str = "https://064-ACM-123.mktorest.com",
        client_id: str = "demo-client-id",
        client_secret: str = "demo-client-secret",  # noqa: S107 - an emulator's fixed credential
        *,
        daily_quota: int = 50_000,
        token_ttl_seconds: int = 3600,
        rate_limit: tuple[int, float] | None = None,
        membership_filter_limit: int = MEMBERSHIP_FILTER_LIMIT,
        now: datetime | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.client_id = client_id
        self.client_secret = client_secret
        self.daily_quota = daily_quota
        self.token_ttl = timedelta(seconds=token_ttl_seconds)
        # (calls, seconds): Marketo answers 606 past 100 calls in 20 s; None leaves it to faults.
        self.rate_limit = rate_limit
        self.membership_filter_limit = membership_filter_limit
        self._exports: dict[str, _Export] = {}
        self._accepted: deque[datetime] = deque()  # when recent calls were accepted
        self.calls: Counter[str] = Counter()
        self.clock: Callable[[], datetime] = lambda: datetime.now(UTC)
        if now is not None:
            self.now = now
        self._lock = threading.RLock()
        self._tokens: dict[str, datetime] = {}  # token -> expiry
        self._channels: dict[str, dict[str, Any]] = {}
        self._programs: dict[int, _Program] = {}
        self._leads: dict[int, dict[str, Any]] = {}
        self._faults: list[_Fault] = []
        self._next_lead = 1001
        self._next_program = 1001
        self.adapter = EmulatorAdapter(self)  # same transport as the Salesforce emulator

    # -- clock ---------------------------------------------------------------------------------
    @property
    def now(self) -> datetime:
        return self.clock()

    @now.setter
    def now(self, moment: datetime) -> None:
        fixed = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        self.clock = lambda: fixed

    def advance(self, **kwargs: float) -> datetime:
        self.now = self.now + timedelta(**kwargs)
        return self.now

    # -- transport -----------------------------------------------------------------------------
    @property
    def root_url(self) -> str:
        return self.base_url

    # -- seeding and inspection (not API calls) ------------------------------------------------
    def add_channel(
        self,
        name: str,
        statuses: Iterable[tuple[str, int] | tuple[str, int, bool]],
        program_type: str = "event",
    ) -> dict[str, Any]:
        """A program channel with its progression statuses as (name, step[, success]);
        "Not in Program" (step 0) is added first, as Marketo does."""
        progression = [{"name": "Not in Program", "step": 0, "success": False, "hidden": False}]
        for entry in statuses:
            status_name, step, *success = entry
            progression.append(
                {
                    "name": status_name,
                    "step": step,
                    "success": bool(success and success[0]),
                    "hidden": False,
                    "type": "Success" if success and success[0] else None,
                }
            )
        with self._lock:
            channel = {
                "id": len(self._channels) + 1,
                "name": name,
                "applicableProgramType": program_type,
                "createdAt": _iso(self.now),
                "updatedAt": _iso(self.now),
                "progressionStatuses": progression,
            }
            self._channels[name] = channel
            return copy.deepcopy(channel)

    def add_program(
        self,
        name: str,
        channel: str,
        costs: Iterable[Mapping[str, Any]] = (),
        program_type: str = "Event",
    ) -> int:
        with self._lock:
            if channel not in self._channels:
                raise ValueError(f"no channel {channel!r}; add_channel first")
            program_id = self._next_program
            self._next_program += 1
            self._programs[program_id] = _Program(
                program_id, name, channel, program_type, [dict(c) for c in costs]
            )
            return program_id

    def delete_program(self, program_id: int) -> None:
        with self._lock:
            self._programs.pop(program_id, None)

    def set_costs(self, program_id: int, costs: Iterable[Mapping[str, Any]]) -> None:
        with self._lock:
            self._programs[program_id].costs = [dict(c) for c in costs]

    def add_lead(self, email: str | None, **fields: Any) -> int:
        with self._lock:
            lead_id = self._next_lead
            self._next_lead += 1
            stamp = _iso(self.now)
            self._leads[lead_id] = {
                "id": lead_id,
                "email": email,
                "firstName": None,
                "lastName": None,
                "company": None,
                **fields,
                "createdAt": stamp,
                "updatedAt": stamp,
            }
            return lead_id

    def set_member(self, program_id: int, lead_id: int, status: str) -> None:
        """Set a person's progression status (as a smart campaign would); "Not in Program"
        removes them."""
        with self._lock:
            program = self._programs[program_id]
            self._check_status(program, status)
            self._apply_status(program, lead_id, status)

    def remove_member(self, program_id: int, lead_id: int) -> None:
        with self._lock:
            self._programs[program_id].members.pop(lead_id, None)

    def members(self, program_id: int) -> dict[int, str]:
        """lead id -> progression status."""
        with self._lock:
            return {lid: m.status for lid, m in self._programs[program_id].members.items()}

    def members_by_email(self, program_id: int) -> dict[str, str]:
        with self._lock:
            return {
                self._leads[lid]["email"]: status
                for lid, status in self.members(program_id).items()
            }

    def lead(self, lead_id: int) -> dict[str, Any] | None:
        with self._lock:
            return copy.deepcopy(self._leads.get(lead_id))

    def lead_by_email(self, email: str) -> dict[str, Any] | None:
        with self._lock:
            for lead in self._leads.values():
                if (lead.get("email") or "").casefold() == email.casefold():
                    return copy.deepcopy(lead)
            return None

    def leads(self) -> list[dict[str, Any]]:
        with self._lock:
            return copy.deepcopy(list(self._leads.values()))

    # -- call accounting and faults ------------------------------------------------------------
    def inject_fault(
        self, code: str, count: int = 1, *, kinds: Iterable[str] | None = None
    ) -> None:
        """Make the next `count` REST calls (of `kinds`, if given) fail with Marketo error `code`
        (601, 602, 606, 607, 615) or, with "connection", a dropped connection."""
        if code not in FAULT_CODES:
            raise ValueError(f"unknown fault {code!r}; use one of {sorted(FAULT_CODES)}")
        with self._lock:
            self._faults.append(_Fault(code, count, frozenset(kinds) if kinds else None))

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def expire_tokens(self) -> None:
        """Every token issued so far has expired (the next call with one answers 602)."""
        with self._lock:
            self._tokens = dict.fromkeys(self._tokens, self.now - timedelta(seconds=1))

    def _take_fault(self, kind: str) -> _Fault | None:
        for fault in self._faults:
            if fault.remaining > 0 and (fault.kinds is None or kind in fault.kinds):
                fault.remaining -= 1
                return fault
        return None

    # -- the HTTP entry point ------------------------------------------------------------------
    def handle(self, prepared: requests.PreparedRequest) -> tuple[int, dict[str, str], bytes]:
        with self._lock:
            url = urlsplit(prepared.url or "")
            query = {k: v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
            method = (prepared.method or "GET").upper()
            body = prepared.body or b""
            if isinstance(body, str):
                body = body.encode("utf-8")
            headers = {k.lower(): v for k, v in prepared.headers.items()}
            if url.path == "/identity/oauth/token":
                self.calls["token"] += 1
                return self._token(query)
            if method == "GET" and len((prepared.url or "").encode()) > MAX_URI_BYTES:
                return _html(414, "Request-URI Too Long")
            if len(body) > MAX_BODY_BYTES:
                return _html(413, "Request Entity Too Large")
            if method == "POST" and query.get("_method") == "GET":
                # The documented way round 414: the query string travels as a form body.
                form = parse_qs(body.decode("utf-8"), keep_blank_values=True)
                query = {**query, **{k: v[-1] for k, v in form.items()}}
                method, body = "GET", b""
            body = body.decode("utf-8")
            kind, handler = self._route(method, url.path)
            self.calls[kind] += 1
            request_id = f"{uuid.uuid4().hex[:4]}#{uuid.uuid4().hex[:11]}"
            try:
                self._authorize(headers, query)
                if self.total_calls - self.calls["token"] > self.daily_quota:
                    raise _Failure("607")
                self._check_rate()
                fault = self._take_fault(kind)
                if fault is not None:
                    if fault.code == "connection":
                        raise requests.exceptions.ConnectionError(
                            "Connection aborted (emulated fault)", request=prepared
                        )
                    if fault.code == "413":
                        return _html(413, "Request Entity Too Large")
                    raise _Failure(fault.code)
                if handler is None:
                    return 404, {"Content-Type": "text/html"}, b"<html>Not Found</html>"
                reply = handler(query, json.loads(body) if body else {})
                if isinstance(reply, tuple):  # a file, not a JSON envelope
                    return reply
            except _Failure as failure:
                reply = {
                    "success": False,
                    "errors": [{"code": failure.code, "message": failure.message}],
                }
            return _json(200, {"requestId": request_id, **reply})

    def _check_rate(self) -> None:
        if self.rate_limit is None:
            return
        calls, seconds = self.rate_limit
        while self._accepted and self._accepted[0] <= self.now - timedelta(seconds=seconds):
            self._accepted.popleft()
        if len(self._accepted) >= calls:
            raise _Failure("606")
        self._accepted.append(self.now)

    def _token(self, query: Mapping[str, str]) -> tuple[int, dict[str, str], bytes]:
        if query.get("grant_type") != "client_credentials":
            return _json(400, {"error": "invalid_request", "error_description": "bad grant"})
        if (query.get("client_id"), query.get("client_secret")) != (
            self.client_id,
            self.client_secret,
        ):
            return _json(
                401, {"error": "unauthorized", "error_description": "Bad client credentials"}
            )
        token = f"{uuid.uuid4()}:ab"
        self._tokens[token] = self.now + self.token_ttl
        return _json(
            200,
            {
                "access_token": token,
                "token_type": "bearer",
                "expires_in": int(self.token_ttl.total_seconds()),
                "scope": "api-user@acme.com",
            },
        )

    def _authorize(self, headers: Mapping[str, str], query: Mapping[str, str]) -> None:
        scheme, _, token = headers.get("authorization", "").partition(" ")
        token = token.strip() if scheme.lower() == "bearer" else query.get("access_token", "")
        if not token:
            raise _Failure("600")
        expiry = self._tokens.get(token)
        if expiry is None:
            raise _Failure("601")
        if expiry <= self.now:
            raise _Failure("602")

    def _route(self, method: str, path: str) -> tuple[str, Callable | None]:
        if (match := _PROGRAM.match(path)) and method == "GET":
            return "program_get", lambda q, b: self._program(int(match.group(1)))
        if path == "/rest/asset/v1/channels.json" and method == "GET":
            return "channels", lambda q, b: self._channels_list(q)
        if path == "/rest/asset/v1/channel/byName.json" and method == "GET":
            return "channel_by_name", lambda q, b: self._channel_by_name(q)
        if match := _MEMBERS.match(path):
            program_id, action = int(match.group(1)), match.group(2)
            if action is None and method == "GET":
                return "members_get", lambda q, b: self._members_get(program_id, q)
            if action == "status" and method == "POST":
                return "members_status", lambda q, b: self._members_status(program_id, b)
            if action == "delete" and method == "POST":
                return "members_delete", lambda q, b: self._members_delete(program_id, b)
        if path == "/bulk/v1/program/members/export/create.json" and method == "POST":
            return "export_create", lambda q, b: self._export_create(b)
        if (match := _EXPORT.match(path)) and (method, match.group(2)) in (
            ("POST", "enqueue"),
            ("GET", "status"),
            ("GET", "file"),
        ):
            export_id, step = match.group(1), match.group(2)
            return f"export_{step}", lambda q, b: self._export_step(export_id, step)
        if path == "/rest/v1/stats/usage.json" and method == "GET":
            return "usage", lambda q, b: self._usage()
        if path == "/rest/v1/leads.json":
            if method == "GET":
                return "leads_get", lambda q, b: self._leads_get(q)
            if method == "POST":
                return "leads_sync", lambda q, b: self._leads_sync(b)
        return "unknown", None

    # -- usage ---------------------------------------------------------------------------------
    def _usage(self) -> dict[str, Any]:
        """Today's calls (this one included; token requests are not API calls), all by the one
        API user the emulator knows."""
        total = self.total_calls - self.calls["token"]
        users = [{"userId": "api-user@acme.com", "count": total}] if total else []
        today = self.now.date().isoformat()
        return {"success": True, "result": [{"date": today, "total": total, "users": users}]}

    # -- asset API -----------------------------------------------------------------------------
    def _program(self, program_id: int) -> dict[str, Any]:
        program = self._programs.get(program_id)
        if program is None:
            raise _Failure("702")
        return {
            "success": True,
            "errors": [],
            "warnings": [],
            "result": [
                {
                    "id": program.id,
                    "name": program.name,
                    "type": program.type,
                    "channel": program.channel,
                    "status": "",
                    "workspace": "Default",
                    "costs": copy.deepcopy(program.costs) or None,
                }
            ],
        }

    def _channels_list(self, query: Mapping[str, str]) -> dict[str, Any]:
        offset = int(query.get("offset", 0) or 0)
        max_return = min(int(query.get("maxReturn", 20) or 20), 200)
        channels = list(self._channels.values())[offset : offset + max_return]
        if not channels:
            return {"success": True, "warnings": ["No assets found for the given search criteria."]}
        return {"success": True, "errors": [], "warnings": [], "result": copy.deepcopy(channels)}

    def _channel_by_name(self, query: Mapping[str, str]) -> dict[str, Any]:
        channel = self._channels.get(query.get("name", ""))
        if channel is None:
            return {"success": True, "warnings": ["No assets found for the given search criteria."]}
        return {"success": True, "errors": [], "warnings": [], "result": [copy.deepcopy(channel)]}

    # -- program members -----------------------------------------------------------------------
    def _require_program(self, program_id: int) -> _Program:
        program = self._programs.get(program_id)
        if program is None:
            raise _Failure("1013", f"Program '{program_id}' not found")
        return program

    def _members_get(self, program_id: int, query: Mapping[str, str]) -> dict[str, Any]:
        program = self._require_program(program_id)
        filter_type, raw_values = query.get("filterType"), query.get("filterValues")
        if not filter_type or raw_values is None:
            raise _Failure("1003", "filterType and filterValues are required")
        if filter_type not in ("leadId", "statusName", "reachedSuccess"):
            raise _Failure("1003", f"Invalid filterType '{filter_type}'")
        values = {v.strip() for v in raw_values.split(",") if v.strip()}
        if len(values) > MAX_BATCH:
            raise _Failure("1003", f"filterValues must hold at most {MAX_BATCH} values")
        if filter_type != "leadId" and len(program.members) > self.membership_filter_limit:
            raise _Failure(
                "1003",
                f"Total membership size: {len(program.members):,} exceeds the limit allowed "
                f"{self.membership_filter_limit:,} for the filter",
            )
        batch_size = int(query.get("batchSize", MAX_BATCH) or MAX_BATCH)
        if not 1 <= batch_size <= MAX_BATCH:
            raise _Failure("1003", f"batchSize must be between 1 and {MAX_BATCH}")
        fields = [f for f in (query.get("fields") or "").split(",") if f] or [
            "leadId",
            "statusName",
            "membershipDate",
        ]
        success = {
            s["name"]
            for s in self._channels[program.channel]["progressionStatuses"]
            if s.get("success")
        }
        matching = []
        for lead_id in sorted(program.members):
            member = program.members[lead_id]
            row = {
                "leadId": lead_id,
                "statusName": member.status,
                "reachedSuccess": member.status in success,
                "membershipDate": member.membership_date,
                "updatedAt": member.updated_at,
                "programId": program_id,
                "acquiredBy": False,
            }
            if filter_type == "reachedSuccess":
                keep = str(row["reachedSuccess"]).lower() in {v.lower() for v in values}
            else:
                keep = str(row[filter_type]) in values
            if keep:
                matching.append(row)
        offset = int(query.get("nextPageToken") or 0) if query.get("nextPageToken") else 0
        page = matching[offset : offset + batch_size]
        result = [
            {"seq": offset + n, **{k: row[k] for k in fields if k in row}, "leadId": row["leadId"]}
            for n, row in enumerate(page)
        ]
        reply: dict[str, Any] = {"success": True, "result": result}
        if offset + batch_size < len(matching):
            reply["nextPageToken"] = str(offset + batch_size)
            reply["moreResult"] = True
        else:
            reply["moreResult"] = False
        return reply

    def _lead_ids(self, body: Mapping[str, Any]) -> list[int]:
        entries = body.get("input")
        if not isinstance(entries, list) or not entries:
            raise _Failure("1003", "input is required")
        if len(entries) > MAX_BATCH:
            raise _Failure("1003", f"input must hold at most {MAX_BATCH} records")
        return [int(entry.get("leadId", 0)) for entry in entries]

    def _members_status(self, program_id: int, body: Mapping[str, Any]) -> dict[str, Any]:
        program = self._require_program(program_id)
        status = body.get("statusName")
        self._check_status(program, status)
        steps = self._steps(program)
        result = []
        for seq, lead_id in enumerate(self._lead_ids(body)):
            before = program.members.get(lead_id)
            if lead_id not in self._leads:
                result.append(_skipped(seq, "1004", "Lead not found"))
            elif before and (before.status == status or steps[before.status] > steps[status]):
                # A status only moves forward through this API (same step: it may change).
                result.append(_skipped(seq, "1037", SKIPPED_AT_OR_PAST))
            else:
                self._apply_status(program, lead_id, status)
                outcome = "updated" if before else "created"
                result.append({"seq": seq, "leadId": lead_id, "status": outcome})
        return {"success": True, "result": result}

    def _members_delete(self, program_id: int, body: Mapping[str, Any]) -> dict[str, Any]:
        program = self._require_program(program_id)
        result = []
        for seq, lead_id in enumerate(self._lead_ids(body)):
            if program.members.pop(lead_id, None) is None:
                result.append(_skipped(seq, "1037", "Lead not in program"))
            else:
                result.append({"seq": seq, "leadId": lead_id, "status": "deleted"})
        return {"success": True, "result": result}

    def _steps(self, program: _Program) -> dict[str, int]:
        return {
            s["name"]: int(s["step"])
            for s in self._channels[program.channel]["progressionStatuses"]
        }

    def _check_status(self, program: _Program, status: object) -> None:
        names = {s["name"] for s in self._channels[program.channel]["progressionStatuses"]}
        if not isinstance(status, str) or status not in names:
            raise _Failure("1003", f"Invalid status name '{status}' for program {program.id}")

    def _apply_status(self, program: _Program, lead_id: int, status: str) -> None:
        if status == "Not in Program":
            program.members.pop(lead_id, None)
            return
        stamp = _iso(self.now)
        before = program.members.get(lead_id)
        program.members[lead_id] = _Member(
            status, before.membership_date if before else stamp, stamp
        )

    # -- bulk program member extract ---------------------------------------------------------
    def _export_create(self, body: Mapping[str, Any]) -> dict[str, Any]:
        fields = body.get("fields")
        program_id = (body.get("filter") or {}).get("programId")
        if not isinstance(fields, list) or not fields or not isinstance(program_id, int):
            raise _Failure("1003", "fields and filter.programId are required")
        self._require_program(program_id)
        headers = {f: EXPORT_HEADERS.get(f, f) for f in fields}
        headers |= dict(body.get("columnHeaderNames") or {})
        export = _Export(str(uuid.uuid4()), program_id, fields, headers, _iso(self.now))
        self._exports[export.id] = export
        return {"success": True, "result": [self._export_view(export)]}

    def _export_step(self, export_id: str, step: str) -> Any:
        export = self._exports.get(export_id)
        if export is None:
            raise _Failure("1003", f"Export id {export_id} not found")
        if step == "enqueue":
            if export.status != "Created":
                raise _Failure("1029", "Job already queued")
            export.status = "Queued"
        elif step == "status" and export.status in ("Queued", "Processing"):
            export.polls += 1
            if export.polls == 1:
                export.status = "Processing"
            else:  # members as they are when the job runs
                export.file, export.status = self._export_file(export), "Completed"
        elif step == "file":
            if export.status != "Completed" or export.file is None:
                raise _Failure("1003", "Job is not completed")
            return 200, {"Content-Type": "text/csv"}, export.file.encode()
        return {"success": True, "result": [self._export_view(export)]}

    def _export_file(self, export: _Export) -> str:
        program = self._programs[export.program_id]
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow([export.headers[f] for f in export.fields])
        for lead_id in sorted(program.members):
            member = program.members[lead_id]
            row = {
                "leadId": lead_id,
                "statusName": member.status,
                "membershipDate": member.membership_date,
                "program": program.name,
                **{k: v for k, v in self._leads[lead_id].items() if k != "id"},
            }
            writer.writerow(["null" if row.get(f) is None else row[f] for f in export.fields])
        return out.getvalue()

    @staticmethod
    def _export_view(export: _Export) -> dict[str, Any]:
        view = {"exportId": export.id, "format": "CSV", "status": export.status}
        view["createdAt"] = export.created_at
        if export.file is not None:
            view["numberOfRecords"] = export.file.count("\n") - 1
            view["fileSize"] = len(export.file.encode())
        return view

    # -- leads ---------------------------------------------------------------------------------
    def _leads_get(self, query: Mapping[str, str]) -> dict[str, Any]:
        filter_type = query.get("filterType")
        values = [v.strip() for v in (query.get("filterValues") or "").split(",") if v.strip()]
        if filter_type not in LEAD_FILTERS or not values:
            raise _Failure("1003", f"filterType (one of {sorted(LEAD_FILTERS)}) is required")
        if len(values) > MAX_BATCH:
            raise _Failure("1003", f"filterValues must hold at most {MAX_BATCH} values")
        fields = [f for f in (query.get("fields") or "").split(",") if f] or list(LEAD_FIELDS)
        wanted = {v.casefold() for v in values}
        found = [
            lead
            for lead in self._leads.values()
            if str(lead.get(filter_type) or "").casefold() in wanted
        ]
        result = [{k: lead.get(k) for k in ("id", *fields)} for lead in found]
        return {"success": True, "result": result}

    def _leads_sync(self, body: Mapping[str, Any]) -> dict[str, Any]:
        action = body.get("action", "createOrUpdate")
        lookup = body.get("lookupField", "email")
        entries = body.get("input")
        if lookup != "email" or action not in ("createOrUpdate", "createOnly", "updateOnly"):
            raise _Failure("1003", "only lookupField=email with createOrUpdate/Only is emulated")
        if not isinstance(entries, list) or not entries or len(entries) > MAX_BATCH:
            raise _Failure("1003", f"input must hold 1 to {MAX_BATCH} records")
        result = []
        for seq, entry in enumerate(entries):
            email = entry.get("email")
            existing = self.lead_by_email(email) if email else None
            if existing and action == "createOnly":
                result.append(_skipped(seq, "1005", "Lead already exists"))
            elif existing:
                self._leads[existing["id"]].update(
                    {**entry, "id": existing["id"], "updatedAt": _iso(self.now)}
                )
                result.append({"seq": seq, "id": existing["id"], "status": "updated"})
            elif action == "updateOnly" or not email:
                result.append(_skipped(seq, "1004", "Lead not found"))
            else:
                fields = {k: v for k, v in entry.items() if k != "email"}
                lead_id = self.add_lead(email, **fields)
                result.append({"seq": seq, "id": lead_id, "status": "created"})
        return {"success": True, "result": result}


def _html(status: int, reason: str) -> tuple[int, dict[str, str], bytes]:
    page = f"<html><head><title>{status} {reason}</title></head><body>{reason}</body></html>"
    return status, {"Content-Type": "text/html"}, page.encode()


def _skipped(seq: int, code: str, message: str) -> dict[str, Any]:
    """A skipped record carries its `seq` but no id, as Marketo's replies do."""
    return {"seq": seq, "status": "skipped", "reasons": [{"code": code, "message": message}]}


def _json(status: int, payload: Mapping[str, Any]) -> tuple[int, dict[str, str], bytes]:
    return status, {"Content-Type": "application/json;charset=UTF-8"}, json.dumps(payload).encode()
