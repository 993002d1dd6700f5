"""The REST API under /services/data/vNN.N/: routing, queries with paging, sObjects, collections,
limits and describe. Each handler takes an ApiRequest and returns an ApiReply; whole-request
failures are raised as ApiError and per-record failures reported in collection results."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import unquote

from .errors import ApiError, RecordError, malformed_query, not_found
from .faults import lock_error
from .ids import QUERY_LOCATOR_PREFIX, to_18
from .org import Org
from .protocol import ApiReply, ApiRequest
from .query import attributes
from .values import BOOLEAN, DATE, DATETIME, NUMBER

Handler = Callable[[ApiRequest], ApiReply]
MAX_COLLECTION_RECORDS = 200
MAX_OPEN_CURSORS = 500
ROLLED_BACK = RecordError(
    "ALL_OR_NONE_OPERATION_ROLLED_BACK",
    "Record rolled back because not all records were valid and the request was using AllOrNone "
    "header",
    [],
)
_DESCRIBE_TYPES = {NUMBER: "double", BOOLEAN: "boolean", DATE: "date", DATETIME: "datetime"}


@dataclass
class _Cursor:
    records: list[dict]
    batch: int
    endpoint: str


@dataclass
class _Op:
    """One record's part of a collection call: `run` returns its success result or raises
    RecordError; `known` holds what a failure result still reports (its id, created: false)."""

    run: Callable[[], dict]
    known: dict = field(default_factory=dict)


class _RolledBack(Exception):
    pass


class RestApi:
    def __init__(self, org: Org) -> None:
        self.org = org
        self._cursors: OrderedDict[str, _Cursor] = OrderedDict()

    @property
    def store(self):
        return self.org.store

    @property
    def schema(self):
        return self.org.schema

    @property
    def access(self):
        return self.org.access

    # -- routing -------------------------------------------------------------------------------
    def route(self, method: str, parts: list[str]) -> tuple[str, Handler] | None:
        """(call kind, handler) for a path below /services/data/vNN.N/, None if unknown."""
        table = self._routes(parts)
        if table is None:
            return None
        if method not in table:
            allowed = ",".join(sorted(table))
            return "unknown", lambda _request: ApiReply(
                405,
                [
                    {
                        "errorCode": "METHOD_NOT_ALLOWED",
                        "message": f"HTTP Method '{method}' not allowed. Allowed are {allowed}",
                    }
                ],
            )
        return table[method]

    def _routes(self, parts: list[str]) -> dict[str, tuple[str, Handler]] | None:
        count = len(parts)
        head = parts[0] if parts else ""
        if count == 0:
            return {"GET": ("resources", self.resources)}
        if head == "limits" and count == 1:
            return {"GET": ("limits", self.limits)}
        if head in ("query", "queryAll"):
            if count == 1:
                return {"GET": ("query", self.query)}
            if count == 2:
                return {"GET": ("query_more", self.query_more)}
        if head == "sobjects":
            if count == 1:
                return {"GET": ("describe", self.describe_global)}
            if count == 2:
                return {
                    "GET": ("describe", self.describe_basic),
                    "POST": ("sobject_create", self.create),
                }
            if count == 3 and parts[2] == "describe":
                return {"GET": ("describe", self.describe)}
            if count == 3:
                return {
                    "GET": ("sobject_get", self.get),
                    "PATCH": ("sobject_update", self.update),
                    "DELETE": ("sobject_delete", self.delete),
                }
            if count == 4:
                return {
                    "GET": ("sobject_get", self.get_by_external_id),
                    "PATCH": ("sobject_upsert", self.upsert),
                }
        if head == "composite" and count >= 2 and parts[1] == "sobjects":
            if count == 2:
                return {
                    "POST": ("composite_create", self.composite_create),
                    "PATCH": ("composite_update", self.composite_update),
                    "DELETE": ("composite_delete", self.composite_delete),
                }
            if count == 3:
                return {"GET": ("composite_retrieve", self.composite_retrieve)}
            if count == 4:
                return {"PATCH": ("composite_upsert", self.composite_upsert)}
        return None

    # -- small helpers -------------------------------------------------------------------------
    def _sobject(self, name: str) -> str:
        sobject = self.schema.object_name(unquote(name))
        if sobject is None or not self.access.can_read_object(sobject):
            raise not_found()  # an object the user cannot read does not exist for it
        return sobject

    def _single_record(self, sobject: str, record_id: str) -> dict:
        try:
            return self.store.require_live(sobject, unquote(record_id))
        except RecordError as error:
            if error.status_code == "ENTITY_IS_DELETED":
                raise ApiError(404, "ENTITY_IS_DELETED", "entity is deleted") from None
            raise not_found() from None

    def _shape(self, sobject: str, record: dict, version: str, fields: str | None) -> dict:
        out = {"attributes": attributes(sobject, record["Id"], version)}
        if fields:
            for name in (f.strip() for f in fields.split(",") if f.strip()):
                canonical = self.schema.field_name(sobject, name)
                unknown = canonical is None and self.schema.is_strict(sobject)
                if unknown or not self.access.can_read_field(sobject, name):
                    raise ApiError(
                        400, "INVALID_FIELD", f"No such column '{name}' on entity '{sobject}'"
                    )
                out[canonical or name] = record.get(canonical) if canonical else None
            return out
        out["Id"] = record["Id"]
        for name in self.schema.fields(sobject):
            out.setdefault(name, record.get(name))
        for name, value in record.items():
            out.setdefault(name, value)
        # fields the user cannot read are left out of the record, as Salesforce does
        hidden = self.access.hidden_columns(sobject, [name for name in out if name != "attributes"])
        for name in hidden:
            del out[name]
        return out

    @staticmethod
    def _check_lock(request: ApiRequest, record: dict, record_id: str | None = None) -> None:
        if request.fault is not None and request.fault.locks(record, record_id):
            raise lock_error()

    @staticmethod
    def _body_object(request: ApiRequest) -> dict:
        body = request.json()
        if not isinstance(body, dict):
            raise ApiError(400, "JSON_PARSER_ERROR", "The request body must be a JSON object")
        return body

    # -- resources and limits ------------------------------------------------------------------
    def resources(self, request: ApiRequest) -> ApiReply:
        base = f"/services/data/v{request.version}"
        names = ("sobjects", "query", "queryAll", "limits", "composite", "jobs")
        return ApiReply(200, {name: f"{base}/{name}" for name in names})

    def limits(self, request: ApiRequest) -> ApiReply:
        daily = self.org.daily_limit
        query_jobs = self.org.bulk.query_jobs_created
        return ApiReply(
            200,
            {
                "DailyApiRequests": {
                    "Max": daily,
                    "Remaining": max(daily - self.org.api_requests, 0),
                },
                "DailyBulkV2QueryJobs": {"Max": 10000, "Remaining": max(10000 - query_jobs, 0)},
                "DailyBulkV2QueryFileStorageMB": {"Max": 976562, "Remaining": 976562},
                "DataStorageMB": {"Max": 1024, "Remaining": 1024},
            },
        )

    # -- queries -------------------------------------------------------------------------------
    def query(self, request: ApiRequest) -> ApiReply:
        text = request.param("q")
        if not text:
            raise malformed_query("A query string has to be specified")
        endpoint = request.parts[0]
        result = self.org.engine.run(text, include_deleted=endpoint == "queryAll")
        if result.query.count_only:
            return ApiReply(200, {"totalSize": result.total_size, "done": True, "records": []})
        records = self.org.engine.to_json(result, request.version)
        batch = self._batch_size(request)
        if len(records) <= batch:
            return ApiReply(200, {"totalSize": len(records), "done": True, "records": records})
        locator = self.org.ids.new_id_with_prefix(QUERY_LOCATOR_PREFIX)
        self._cursors[locator] = _Cursor(records, batch, endpoint)
        while len(self._cursors) > MAX_OPEN_CURSORS:
            self._cursors.popitem(last=False)
        return ApiReply(200, self._page(request.version, locator, 0))

    def query_more(self, request: ApiRequest) -> ApiReply:
        locator, _, offset = request.parts[1].rpartition("-")
        cursor = self._cursors.get(locator)
        if cursor is None or not offset.isdigit() or int(offset) > len(cursor.records):
            raise ApiError(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
        return ApiReply(200, self._page(request.version, locator, int(offset)))

    def _page(self, version: str, locator: str, offset: int) -> dict:
        cursor = self._cursors[locator]
        end = offset + cursor.batch
        page: dict = {"totalSize": len(cursor.records), "done": end >= len(cursor.records)}
        if not page["done"]:
            page["nextRecordsUrl"] = f"/services/data/v{version}/{cursor.endpoint}/{locator}-{end}"
        page["records"] = cursor.records[offset:end]
        return page

    def _batch_size(self, request: ApiRequest) -> int:
        # Sforce-Query-Options: batchSize=N asks for smaller pages (200..2000), as in Salesforce.
        options = request.headers.get("sforce-query-options", "")
        for option in options.split(","):
            name, _, value = option.strip().partition("=")
            if name.strip().lower() == "batchsize" and value.strip().isdigit():
                return min(max(int(value), 200), 2000, self.org.page_size)
        return self.org.page_size

    # -- single sObjects -----------------------------------------------------------------------
    def create(self, request: ApiRequest) -> ApiReply:
        sobject = self._sobject(request.parts[1])
        body = self._body_object(request)
        try:
            self.access.check_create(sobject, body)
            self._check_lock(request, body)
            with self.store.atomic():
                record_id = self.store.create(sobject, body)
        except RecordError as error:
            raise ApiError.from_record_error(error) from None
        return ApiReply(201, {"id": record_id, "success": True, "errors": []})

    def get(self, request: ApiRequest) -> ApiReply:
        sobject = self._sobject(request.parts[1])
        record = self._single_record(sobject, request.parts[2])
        return ApiReply(200, self._shape(sobject, record, request.version, request.param("fields")))

    def update(self, request: ApiRequest) -> ApiReply:
        sobject = self._sobject(request.parts[1])
        record = self._single_record(sobject, request.parts[2])
        body = self._body_object(request)
        if "Id" in body and to_18(str(body["Id"])) == record["Id"]:
            body = {name: value for name, value in body.items() if name != "Id"}
        try:
            self.access.check_update(sobject, body)
            self._check_lock(request, record, record["Id"])
            with self.store.atomic():
                self.store.update(sobject, record["Id"], body)
        except RecordError as error:
            raise ApiError.from_record_error(error) from None
        return ApiReply(204)

    def delete(self, request: ApiRequest) -> ApiReply:
        sobject = self._sobject(request.parts[1])
        record = self._single_record(sobject, request.parts[2])
        try:
            self.access.check_delete(sobject)
            self._check_lock(request, record, record["Id"])
            with self.store.atomic():
                self.store.delete(sobject, record["Id"])
        except RecordError as error:
            raise ApiError.from_record_error(error) from None
        return ApiReply(204)

    def _external_field(self, sobject: str, name: str, status: int) -> str:
        field_name = self.schema.field_name(sobject, name)
        if field_name is None or not self.schema.is_external_id(sobject, field_name):
            if status == 404:
                raise not_found(
                    f"Provided external ID field does not exist or is not accessible: {name}"
                )
            raise ApiError(
                400,
                "INVALID_FIELD",
                f"Field name provided, {name} is not an External ID or indexed field for {sobject}",
            )
        return field_name

    def get_by_external_id(self, request: ApiRequest) -> ApiReply:
        sobject = self._sobject(request.parts[1])
        field_name = self._external_field(sobject, unquote(request.parts[2]), 404)
        matches = self.store.find_by_field(sobject, field_name, unquote(request.parts[3]))
        if not matches:
            raise not_found()
        if len(matches) > 1:
            urls = [attributes(sobject, rid, request.version)["url"] for rid in matches]
            return ApiReply(300, urls)
        record = self.store.get(sobject, matches[0])
        return ApiReply(200, self._shape(sobject, record, request.version, request.param("fields")))

    def upsert(self, request: ApiRequest) -> ApiReply:
        sobject = self._sobject(request.parts[1])
        field_name = self._external_field(sobject, unquote(request.parts[2]), 404)
        value = unquote(request.parts[3])
        body = self._body_object(request)
        body_value = next((v for k, v in body.items() if k.lower() == field_name.lower()), value)
        if str(body_value) != value:
            raise ApiError(
                400,
                "INVALID_FIELD",
                f"The value of {field_name} in the request body does not match the URL",
            )
        matches = self.store.find_by_field(sobject, field_name, value)
        if len(matches) > 1:
            urls = [attributes(sobject, rid, request.version)["url"] for rid in matches]
            return ApiReply(300, urls)
        values = {k: v for k, v in body.items() if k.lower() != field_name.lower()}
        try:
            with self.store.atomic():
                if matches:
                    self.access.check_update(sobject, values)
                    self._check_lock(request, self.store.get(sobject, matches[0]), matches[0])
                    self.store.update(sobject, matches[0], values)
                    record_id, created = matches[0], False
                else:
                    self.access.check_create(sobject, {**values, field_name: value})
                    self._check_lock(request, body)
                    record_id = self.store.create(sobject, {**values, field_name: value})
                    created = True
        except RecordError as error:
            raise ApiError.from_record_error(error) from None
        # From API 46.0 an update answers 200 with a body; before it, 204 with none.
        if not created and float(request.version) < 46.0:
            return ApiReply(204)
        return ApiReply(
            201 if created else 200,
            {"id": record_id, "success": True, "errors": [], "created": created},
        )

    # -- sObject collections -------------------------------------------------------------------
    def _collection(self, request: ApiRequest) -> tuple[bool, list[dict]]:
        body = self._body_object(request)
        records = body.get("records")
        if not isinstance(records, list):
            raise ApiError(400, "JSON_PARSER_ERROR", "The request body must contain records")
        if len(records) > MAX_COLLECTION_RECORDS:
            raise _too_many_records()
        for record in records:
            if not isinstance(record, dict) or not isinstance(record.get("attributes"), dict):
                raise ApiError(400, "INVALID_TYPE", "Must send a concrete entity type.")
            if not record["attributes"].get("type"):
                raise ApiError(400, "INVALID_TYPE", "Must send a concrete entity type.")
        return bool(body.get("allOrNone", False)), records

    def _record_type(self, record: dict) -> str:
        name = record["attributes"]["type"]
        sobject = self.schema.object_name(name)
        if sobject is None or not self.access.can_read_object(sobject):
            raise RecordError("INVALID_TYPE", f"sObject type '{name}' is not supported.", [])
        return sobject

    def _run(self, ops: list[_Op], all_or_none: bool) -> list[dict]:
        results: list[dict] = []
        failed = False

        def attempt(op: _Op) -> dict:
            nonlocal failed
            try:
                with self.store.atomic():
                    return op.run()
            except RecordError as error:
                failed = True
                return {**op.known, "success": False, "errors": [error.as_result_error()]}

        if not all_or_none:
            return [attempt(op) for op in ops]
        try:
            with self.store.atomic():
                results = [attempt(op) for op in ops]
                if failed:
                    raise _RolledBack
        except _RolledBack:
            results = [
                result
                if not result["success"]
                else {**op.known, "success": False, "errors": [ROLLED_BACK.as_result_error()]}
                for op, result in zip(ops, results, strict=True)
            ]
        return results

    def composite_create(self, request: ApiRequest) -> ApiReply:
        all_or_none, records = self._collection(request)

        def creator(record: dict) -> Callable[[], dict]:
            def run() -> dict:
                sobject = self._record_type(record)
                self.access.check_create(sobject, record)
                self._check_lock(request, record)
                return {"id": self.store.create(sobject, record), "success": True, "errors": []}

            return run

        return ApiReply(200, self._run([_Op(creator(r)) for r in records], all_or_none))

    def composite_update(self, request: ApiRequest) -> ApiReply:
        all_or_none, records = self._collection(request)

        def updater(record: dict) -> Callable[[], dict]:
            def run() -> dict:
                sobject = self._record_type(record)
                record_id = record.get("Id")
                if not record_id:
                    raise RecordError("MISSING_ARGUMENT", "Id not specified in an update call", [])
                current = self.store.require_live(sobject, str(record_id))
                values = {k: v for k, v in record.items() if k != "Id"}
                self.access.check_update(sobject, values)
                self._check_lock(request, current, current["Id"])
                self.store.update(sobject, current["Id"], values)
                return {"id": current["Id"], "success": True, "errors": []}

            return run

        ops = [_Op(updater(r), _known_id(r.get("Id"))) for r in records]
        return ApiReply(200, self._run(ops, all_or_none))

    def composite_upsert(self, request: ApiRequest) -> ApiReply:
        sobject = self.schema.object_name(unquote(request.parts[2]))
        if sobject is None or not self.access.can_read_object(sobject):
            raise ApiError(
                400, "INVALID_TYPE", f"sObject type '{request.parts[2]}' is not supported."
            )
        field_name = self._external_field(sobject, unquote(request.parts[3]), 400)
        all_or_none, records = self._collection(request)
        values_seen: dict[object, int] = {}
        for record in records:
            key = _fold(_field_value(record, field_name))
            values_seen[key] = values_seen.get(key, 0) + 1

        def upserter(record: dict) -> Callable[[], dict]:
            def run() -> dict:
                if self._record_type(record) != sobject:
                    raise RecordError(
                        "INVALID_TYPE", f"Record type must be {sobject} for this upsert", []
                    )
                value = _field_value(record, field_name)
                if value in (None, ""):
                    raise RecordError("MISSING_ARGUMENT", f"{field_name} not specified", [])
                if values_seen[_fold(value)] > 1:
                    raise RecordError(
                        "DUPLICATE_EXTERNAL_ID",
                        f"Duplicate external id specified: {value}",
                        [field_name],
                    )
                matches = self.store.find_by_field(sobject, field_name, value)
                if len(matches) > 1:
                    raise RecordError(
                        "DUPLICATE_EXTERNAL_ID",
                        f"{field_name}: more than one record found for external id field: "
                        f"{matches}",
                        [field_name],
                    )
                if matches:
                    current = self.store.get(sobject, matches[0])
                    values = {k: v for k, v in record.items() if k.lower() != field_name.lower()}
                    self.access.check_update(sobject, values)
                    self._check_lock(request, current, matches[0])
                    self.store.update(sobject, matches[0], values)
                    return {"id": matches[0], "success": True, "errors": [], "created": False}
                self.access.check_create(sobject, record)
                self._check_lock(request, record)
                record_id = self.store.create(sobject, record)
                return {"id": record_id, "success": True, "errors": [], "created": True}

            return run

        ops = [_Op(upserter(r), {"created": False}) for r in records]
        return ApiReply(200, self._run(ops, all_or_none))

    def composite_delete(self, request: ApiRequest) -> ApiReply:
        ids = [i for i in (request.param("ids") or "").split(",") if i]
        if not ids:
            raise ApiError(400, "MISSING_ARGUMENT", "ids parameter is required")
        if len(ids) > MAX_COLLECTION_RECORDS:
            raise _too_many_records()
        all_or_none = (request.param("allOrNone") or "false").lower() == "true"

        def deleter(raw_id: str) -> Callable[[], dict]:
            def run() -> dict:
                record_id = to_18(raw_id)
                sobject = self.org.ids.type_for(record_id) if record_id else None
                if sobject is None:
                    raise RecordError("MALFORMED_ID", f"malformed id {raw_id}", [])
                if not self.access.can_read_object(sobject):
                    raise RecordError("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id")
                current = self.store.require_live(sobject, record_id)
                self.access.check_delete(sobject)
                self._check_lock(request, current, record_id)
                self.store.delete(sobject, record_id)
                return {"id": record_id, "success": True, "errors": []}

            return run

        ops = [_Op(deleter(i), _known_id(i)) for i in ids]
        return ApiReply(200, self._run(ops, all_or_none))

    def composite_retrieve(self, request: ApiRequest) -> ApiReply:
        sobject = self._sobject(request.parts[2])
        ids = [i for i in (request.param("ids") or "").split(",") if i]
        fields = request.param("fields")
        if not ids or not fields:
            raise ApiError(400, "MISSING_ARGUMENT", "ids and fields parameters are required")
        if len(ids) > 2000:
            raise _too_many_records()
        out = []
        for raw_id in ids:
            record = self.store.get(sobject, raw_id)
            out.append(self._shape(sobject, record, request.version, fields) if record else None)
        return ApiReply(200, out)

    # -- describe ------------------------------------------------------------------------------
    def _object_summary(self, sobject: str) -> dict:
        prefix = self.org.ids.prefix_for(sobject)
        base = f"/services/data/v{{version}}/sobjects/{sobject}"
        access = self.access.object_access(sobject)
        return {
            "name": sobject,
            "label": sobject.removesuffix("__c").replace("_", " "),
            "keyPrefix": prefix,
            "custom": sobject.endswith("__c"),
            "queryable": True,
            "createable": access.create,
            "updateable": access.edit,
            "deletable": access.delete,
            "urls": {"sobject": base, "describe": base + "/describe"},
        }

    def _with_version(self, summary: dict, version: str) -> dict:
        summary["urls"] = {k: v.format(version=version) for k, v in summary["urls"].items()}
        return summary

    def describe_global(self, request: ApiRequest) -> ApiReply:
        sobjects = [
            self._with_version(self._object_summary(name), request.version)
            for name in self.schema.objects()
            if self.access.can_read_object(name)
        ]
        return ApiReply(200, {"encoding": "UTF-8", "maxBatchSize": 200, "sobjects": sobjects})

    def describe_basic(self, request: ApiRequest) -> ApiReply:
        sobject = self._sobject(request.parts[1])
        summary = self._with_version(self._object_summary(sobject), request.version)
        return ApiReply(200, {"objectDescribe": summary, "recentItems": []})

    def describe(self, request: ApiRequest) -> ApiReply:
        sobject = self._sobject(request.parts[1])
        summary = self._with_version(self._object_summary(sobject), request.version)
        fields = []
        for name, kind in self.schema.fields(sobject).items():
            if not self.access.can_read_field(sobject, name):
                continue  # describe leaves out fields the user cannot see
            editable = self.access.can_edit_field(sobject, name)
            read_only = self.schema.is_read_only(sobject, name, creating=True)
            fields.append(
                {
                    "name": name,
                    "label": name.removesuffix("__c").replace("_", " "),
                    "type": "id" if name == "Id" else _DESCRIBE_TYPES.get(kind, "string"),
                    "externalId": self.schema.is_external_id(sobject, name),
                    "unique": name in self.schema.unique_fields(sobject),
                    "nillable": name != "Id",
                    "createable": editable and not read_only,
                    "updateable": editable
                    and not self.schema.is_read_only(sobject, name, creating=False),
                    "custom": name.endswith("__c"),
                }
            )
        return ApiReply(200, {**summary, "fields": fields})


def _too_many_records() -> ApiError:
    return ApiError(
        400,
        "EXCEEDED_ID_LIMIT",
        "record limit reached. cannot submit more than 200 records into this call",
    )


def _known_id(raw_id: object) -> dict:
    record_id = to_18(raw_id) if isinstance(raw_id, str) else None
    return {"id": record_id} if record_id else {}


def _field_value(record: dict, field_name: str) -> object:
    return next((v for k, v in record.items() if k.lower() == field_name.lower()), None)


def _fold(value: object) -> object:
    return value.casefold() if isinstance(value, str) else value
