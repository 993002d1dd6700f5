"""SalesforceEmulator: the org a test or demo talks to through the real simple-salesforce client.

    org = SalesforceEmulator()
    sf = simple_salesforce.Salesforce(instance_url=org.instance_url, session_id="token",
                                      session=org.session())

Seeding and inspection methods (insert, update_record, delete_record, get, records) act on the
data directly and are not API calls; everything arriving through the adapter is counted by kind.
"""

from __future__ import annotations

import copy
import re
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import requests

from emulators.base import Emulator
from emulators.transport import EmulatorAdapter

from .bulk2 import Bulk2Api
from .errors import ApiError, RecordError, not_found
from .faults import CONNECTION_ERROR, UNABLE_TO_LOCK_ROW, FaultPlan, request_limit_error
from .ids import IdFactory
from .oauth import LOGIN_URLS, TOKEN_PATH, TokenEndpoint
from .permissions import PermissionSetAccess, UnrestrictedAccess
from .protocol import ApiReply, ApiRequest
from .query import QueryEngine
from .rest import RestApi
from .schema import Schema
from .store import MEMBER_STATUS, Store

# Calls that change data (or, for bulk2_close, start an ingest job that does).
WRITE_KINDS = frozenset(
    {
        "sobject_create",
        "sobject_update",
        "sobject_upsert",
        "sobject_delete",
        "composite_create",
        "composite_update",
        "composite_upsert",
        "composite_delete",
        "bulk2_close",
    }
)
LOGIN_KIND = "oauth_token"  # a request to the OAuth token endpoint: a login
_DATA_PATH = re.compile(r"^/services/data/?(?:v(\d+\.\d+)(?:/(.*))?)?$")


class SalesforceEmulator(Emulator):
    WRITE_KINDS = WRITE_KINDS

    def __init__(
        self,
        instance_url: str = "https://emulator.my.salesforce.com",
        page_size: int = 2000,
        *,
        daily_limit: int = 100_000,
        now: datetime | None = None,
        allow_any_custom_object: bool = True,
        org_id: str = "00D000000000001AAA",
    ) -> None:
        self.instance_url = instance_url.rstrip("/")
        self.org_id = org_id
        self.page_size = page_size
        self.daily_limit = daily_limit
        # None accepts any bearer token; a set accepts only those.
        self.accepted_tokens: set[str] | None = None
        self.calls: Counter[str] = Counter()
        self.clock: Callable[[], datetime] = lambda: datetime.now(UTC)
        if now is not None:
            self.now = now
        self._lock = threading.RLock()
        self.schema = Schema(allow_any_custom_object)
        self.ids = IdFactory()
        self.store = Store(self.schema, self.ids, lambda: self.clock())
        self.engine = QueryEngine(self.store, self.schema)
        self.faults = FaultPlan()
        self.rest = RestApi(self)
        self.bulk = Bulk2Api(self)
        self.oauth = TokenEndpoint(org_id, self.instance_url, lambda: self.clock(), self._user_id)
        self.adapter = EmulatorAdapter(self)

    # -- clock ---------------------------------------------------------------------------------
    @property
    def now(self) -> datetime:
        return self.clock()

    @now.setter
    def now(self, moment: datetime) -> None:
        fixed = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        self.clock = lambda: fixed

    def advance(self, delta: timedelta | None = None, **kwargs: float) -> datetime:
        """Move a fixed clock forward (advance(days=1) or advance(timedelta(...)))."""
        self.now = self.now + (delta or timedelta(**kwargs))
        return self.now

    # -- transport -----------------------------------------------------------------------------
    @property
    def root_url(self) -> str:
        return self.instance_url

    def mount(self, session: requests.Session) -> None:
        """The instance and the login servers its users log in through."""
        super().mount(session)
        for login_url in LOGIN_URLS:
            session.mount(login_url + "/", self.adapter)

    # -- logins --------------------------------------------------------------------------------
    def register_connected_app(
        self, consumer_key: str, certificate_pem: str, username: str
    ) -> None:
        """A connected app that logs in with the JWT bearer flow: its consumer key, the
        certificate (or bare RSA public key, PEM) its assertions are signed for, and a user it is
        pre-authorised for (call again for more users)."""
        with self._lock:
            self.oauth.register(consumer_key, certificate_pem, username)

    def expire_sessions(self) -> None:
        """Every session issued so far expires (or is revoked): API calls made with one answer
        401 INVALID_SESSION_ID from then on, and only sessions the token endpoint issues later
        are accepted."""
        with self._lock:
            self.accepted_tokens = set()

    @property
    def logins(self) -> int:
        """Token requests received (answered or refused)."""
        return self.calls[LOGIN_KIND]

    @property
    def api_requests(self) -> int:
        """Calls counted against the daily API request limit: all but logins, which the org's
        limit does not count (the SOAP LimitInfoHeader comes back from "all calls, except for
        login()", https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_header_limitinfo.htm)."""
        return self.total_calls - self.logins

    def _user_id(self, username: str) -> str:
        for user in self.store.records("User") if self.schema.object_name("User") else ():
            if user.get("Username") == username:
                return user["Id"]
        return self.ids.new_id("User")

    # -- schema --------------------------------------------------------------------------------
    def define_external_id(self, sobject: str, field: str, unique: bool = True) -> None:
        with self._lock:
            self.schema.define_external_id(sobject, field, unique)
            self.store.rebuild_indexes()

    def define_unique(self, sobject: str, field: str) -> None:
        with self._lock:
            self.schema.define_unique(sobject, field)
            self.store.rebuild_indexes()

    def define_fields(self, sobject: str, fields: Mapping[str, str] | Iterable[str]) -> None:
        """Declare an object's fields (name -> kind: string, double, boolean, date, datetime,
        reference, picklist, email); afterwards unknown fields are INVALID_FIELD errors."""
        with self._lock:
            self.schema.declare_fields(sobject, fields)

    def define_object(self, sobject: str) -> None:
        with self._lock:
            self.schema.register_object(sobject)

    def require_fields(self, sobject: str, *fields: str) -> None:
        """API creates and updates of `sobject` must set these fields (REQUIRED_FIELD_MISSING
        otherwise), e.g. require_fields("Lead", "LastName", "Company"); seeding is exempt."""
        with self._lock:
            self.store.required.require(self._object(sobject), fields)

    # -- the API user's access -----------------------------------------------------------------
    @property
    def access(self) -> UnrestrictedAccess:
        return self.engine.access

    @access.setter
    def access(self, access: UnrestrictedAccess) -> None:
        self.engine.access = access

    def enforce_permission_set(self, path: str | Path) -> None:
        """API calls run as a minimum-access user holding this permission set (an SFDX
        `*.permissionset-meta.xml`; the custom field metadata of the same package is read too):
        objects and fields it does not grant are refused. Seeding stays unrestricted."""
        with self._lock:
            self.access = PermissionSetAccess.load(path)

    def grant_everything(self) -> None:
        """Back to the default: the API user may read and write every object and field."""
        with self._lock:
            self.access = UnrestrictedAccess()

    # -- seeding and inspection (not API calls) ------------------------------------------------
    def insert(self, sobject: str, fields: Mapping) -> str:
        """Create a record directly; may set CreatedDate/LastModifiedDate/FirstRespondedDate.
        A CampaignMemberStatus whose label the campaign already has replaces that status."""
        with self._lock:
            name = self._object(sobject)
            if name == MEMBER_STATUS:
                existing = self._existing_status(fields)
                if existing:
                    self.update_record(name, existing, fields)
                    return existing
            return self._seed(lambda: self.store.create(name, fields, trusted=True))

    def update_record(self, sobject: str, record_id: str, fields: Mapping) -> None:
        with self._lock:
            name = self._object(sobject)
            self._seed(lambda: self.store.update(name, record_id, fields, trusted=True))

    def delete_record(self, sobject: str, record_id: str) -> None:
        with self._lock:
            name = self._object(sobject)
            self._seed(lambda: self.store.delete(name, record_id))

    def undelete_record(self, sobject: str, record_id: str) -> None:
        """Restore a record from the Recycle Bin, as SOAP `undelete()` or Apex `undelete` do
        (REST has no undelete resource): the records its delete cascaded to come back, and so
        do the lookups its delete cleared."""
        with self._lock:
            name = self._object(sobject)
            self._seed(lambda: self.store.undelete(name, record_id))

    def merge_records(self, sobject: str, master_id: str, *loser_ids: str) -> None:
        """Merge up to two leads or contacts into a master, as SOAP `merge()` or Apex `merge`
        do (REST has no merge resource)."""
        with self._lock:
            name = self._object(sobject)
            if name not in ("Lead", "Contact") or not 1 <= len(loser_ids) <= 2:
                raise ValueError("merge takes a Lead or Contact master and one or two others")
            self._seed(lambda: self.store.merge(name, master_id, list(loser_ids)))

    def define_set_null_lookup(self, sobject: str, field: str, target: str) -> None:
        """Declare a lookup whose deleteConstraint is SetNull (the default for an optional
        custom lookup): deleting the target clears it, undeleting restores it."""
        with self._lock:
            self.store.define_set_null_lookup(self._object(sobject), field, self._object(target))

    def get(self, sobject: str, record_id: str) -> dict | None:
        with self._lock:
            name = self.schema.object_name(sobject)
            record = self.store.get(name, record_id) if name else None
            return copy.deepcopy(record) if record else None

    def records(self, sobject: str, include_deleted: bool = False) -> list[dict]:
        with self._lock:
            name = self.schema.object_name(sobject)
            if name is None:
                return []
            return copy.deepcopy(list(self.store.records(name, include_deleted)))

    def set_status_responded(
        self, label: str, responded: bool = True, campaign_id: str | None = None
    ) -> None:
        """Whether a member status counts as responded: for one campaign (creating or updating
        its CampaignMemberStatus), or org-wide for campaigns that do not define the label."""
        with self._lock:
            if campaign_id is None:
                self.store.set_org_status_responded(label, responded)
            else:
                fields = {"CampaignId": campaign_id, "Label": label, "HasResponded": responded}
                self.insert(MEMBER_STATUS, fields)

    def _object(self, sobject: str) -> str:
        return self.schema.object_name(sobject) or self.schema.register_object(sobject)

    def _existing_status(self, fields: Mapping) -> str | None:
        campaign = self.store.get("Campaign", str(fields.get("CampaignId") or ""))
        label = fields.get("Label")
        if not campaign or not isinstance(label, str):
            return None
        for status in self.store.records(MEMBER_STATUS):
            if status["CampaignId"] == campaign["Id"] and status["Label"].lower() == label.lower():
                return status["Id"]
        return None

    def _seed(self, action: Callable[[], object]):
        try:
            with self.store.atomic():
                return action()
        except RecordError as error:
            raise ValueError(f"{error.status_code}: {error.message}") from None

    # -- call accounting and faults ------------------------------------------------------------
    def inject_fault(
        self,
        kind: str,
        count: int = 1,
        *,
        kinds: Iterable[str] | None = None,
        records: int | None = None,
        ids: Iterable[str] | None = None,
        match: Callable[[dict], bool] | None = None,
        lost_response: bool = False,
    ) -> None:
        """Make the next `count` API calls (of `kinds`, if given) fail with `kind`:
        REQUEST_LIMIT_EXCEEDED (403), SERVER_ERROR (500), CONNECTION_ERROR (the adapter raises
        requests.ConnectionError; with lost_response=True the call is carried out first and
        only the reply is lost), or UNABLE_TO_LOCK_ROW (per record in writes: all records, the
        first `records`, those whose Id is in `ids`, or those `match(record)` accepts)."""
        with self._lock:
            self.faults.add(kind, count, kinds, records, ids, match, lost_response)

    @property
    def bulk_polls_before_complete(self) -> int:
        """How many status polls of a Bulk API 2.0 job answer InProgress before JobComplete."""
        return self.bulk.polls_before_complete

    @bulk_polls_before_complete.setter
    def bulk_polls_before_complete(self, polls: int) -> None:
        self.bulk.polls_before_complete = polls

    def clear_faults(self) -> None:
        with self._lock:
            self.faults.clear()

    # -- the HTTP entry point ------------------------------------------------------------------
    def handle(self, prepared: requests.PreparedRequest) -> tuple[int, dict[str, str], bytes]:
        with self._lock:
            url = urlsplit(prepared.url or "")
            headers = {name.lower(): value for name, value in prepared.headers.items()}
            body = prepared.body or b""
            if isinstance(body, str):
                body = body.encode("utf-8")
            method = (prepared.method or "GET").upper()
            if url.path.rstrip("/") == TOKEN_PATH:
                reply = self._login(f"{url.scheme}://{url.netloc}", method, body)
            else:
                reply = self._dispatch(method, url.path, url.query, headers, body, prepared)
                reply.headers["Sforce-Limit-Info"] = (
                    f"api-usage={self.api_requests}/{self.daily_limit}"
                )
            reply.headers.setdefault("Content-Type", reply.content_type)
            return reply.status, reply.headers, reply.encoded()

    def _login(self, login_url: str, method: str, body: bytes) -> ApiReply:
        """A token request, counted as a login; the session it issues is accepted from now on."""
        self.calls[LOGIN_KIND] += 1
        if method != "POST":
            return ApiReply(
                405, {"error": "invalid_request", "error_description": "must use HTTP POST"}
            )
        reply, session = self.oauth.token(login_url, body)
        if session is not None and self.accepted_tokens is not None:
            self.accepted_tokens.add(session)
        return reply

    def _dispatch(self, method, path, query, headers, body, prepared) -> ApiReply:
        match = _DATA_PATH.match(path)
        if not self._authorized(headers):
            return ApiReply(
                401, [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]
            )
        if match is None:
            return ApiReply.error(not_found())
        version, rest = match.group(1), match.group(2) or ""
        if version is None:
            self.calls["versions"] += 1
            return ApiReply(200, _versions())
        request = ApiRequest(method, rest.strip("/"), version, query, headers, body)
        route = self.rest.route(method, request.parts) or self.bulk.route(method, request.parts)
        kind, handler = route if route else ("unknown", None)
        if kind == "bulk2_close" and self.bulk.is_abort(request):
            kind = "bulk2_abort"
        self.calls[kind] += 1
        if self.api_requests > self.daily_limit:
            return ApiReply.error(request_limit_error())
        fault = self.faults.take(kind)
        if fault is not None:
            if fault.kind == CONNECTION_ERROR and not fault.lost_response:
                raise requests.exceptions.ConnectionError(
                    "Connection aborted (emulated fault)", request=prepared
                )
            if fault.kind == UNABLE_TO_LOCK_ROW:
                request.fault = fault
            elif (error := fault.error_response()) is not None:
                return ApiReply.error(error)
        if handler is None:
            reply = ApiReply.error(not_found())
        else:
            try:
                reply = handler(request)
            except ApiError as error:
                reply = ApiReply.error(error)
        if fault is not None and fault.kind == CONNECTION_ERROR:
            raise requests.exceptions.ConnectionError(
                "Connection reset after the request was processed (emulated fault)",
                request=prepared,
            )
        return reply

    def _authorized(self, headers: dict[str, str]) -> bool:
        scheme, _, token = headers.get("authorization", "").partition(" ")
        if scheme.lower() not in ("bearer", "oauth") or not token.strip():
            return False
        return self.accepted_tokens is None or token.strip() in self.accepted_tokens


def _versions() -> list[dict]:
    return [
        {"label": label, "url": f"/services/data/v{version}", "version": version}
        for label, version in (
            ("Winter '24", "59.0"),
            ("Spring '24", "60.0"),
            ("Summer '24", "61.0"),
            ("Winter '25", "62.0"),
        )
    ]


__all__ = ["LOGIN_KIND", "WRITE_KINDS", "SalesforceEmulator"]
