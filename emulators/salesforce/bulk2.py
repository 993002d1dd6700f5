"""Bulk API 2.0 under /services/data/vNN.N/jobs/: query jobs with locator-paged CSV results, and
ingest jobs (insert, update, upsert, delete, hardDelete) with CSV upload and per-row results.

Jobs run synchronously: a query job takes its snapshot when it is created and an ingest job
processes its rows when its upload is closed. `query_polls_before_complete` and
`ingest_polls_before_complete` make status polls report InProgress that many times first, so a
client has to wait as it must for Salesforce (`polls_before_complete` sets both).

What a client meets at volume, as Salesforce documents it:
- Rows of a query without ORDER BY come in no guaranteed order ("There's no guarantee of the order
  of results unless you use an ORDER BY clause in a query", SOQL Reference, ORDER BY,
  https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_orderby.htm);
  the emulator returns them in a deterministic shuffle, never in Id order. ORDER BY is honoured,
  but it costs at volume: "Use of ORDER BY in a Bulk 2.0 query disables PKChunking for the query"
  (Bulk API 2.0, Troubleshooting Query Timeouts,
  https://developer.salesforce.com/docs/platform/api-asynch/guide/bulk-api-2-0-troubleshoot-query-timeouts.html).
- Results are read in sets by locator; a set may hold fewer rows than `maxRecords` asks, which "is
  still subject to the size limits" (`max_result_bytes` caps a set by its CSV's size; Get Results
  for a Query Job, below); a locator stays valid as long as its job exists, and a job
  in a terminal state is deleted after seven days (Get Results for a Query Job,
  https://developer.salesforce.com/docs/platform/api-asynch/guide/query-get-job-results.html;
  "Batch and job lifespan" in Bulk API and Bulk API 2.0 Limits and Allocations,
  https://developer.salesforce.com/docs/platform/salesforce-app-limits-cheatsheet/guide/salesforce-app-limits-platform-bulkapi.html).
- One upload per ingest job, of at most 150 MB once base64 encoded (Upload Job Data,
  https://developer.salesforce.com/docs/platform/api-asynch/guide/upload-job-data.html).
- A job may end in state `Failed` instead of `JobComplete` (Job States,
  https://developer.salesforce.com/docs/platform/api-asynch/guide/bulk-api-2-job-states.html):
  `query_jobs_to_fail` makes the next query jobs do so. A job can be gone before its results are
  read (deleted by a user, Delete a Query Job,
  https://developer.salesforce.com/docs/platform/api-asynch/guide/query-delete-job.html: "job
  data stored by Salesforce is deleted"; or expired after seven days): `query_jobs_to_lose` deletes the next query jobs as they complete.
"""

from __future__ import annotations

import base64
import csv
import io
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from .errors import ApiError, RecordError, not_found
from .faults import lock_error
from .ids import BULK_JOB_PREFIX, to_18
from .org import Org
from .protocol import ApiReply, ApiRequest
from .values import BOOLEAN, DATE, DATETIME, NUMBER, format_datetime

Handler = Callable[[ApiRequest], ApiReply]
CSV_TYPE = "text/csv"
DELIMITERS = {
    "COMMA": ",",
    "TAB": "\t",
    "PIPE": "|",
    "SEMICOLON": ";",
    "CARET": "^",
    "BACKQUOTE": "`",
}
LINE_ENDINGS = {"LF": "\n", "CRLF": "\r\n"}
INGEST_OPERATIONS = ("insert", "update", "upsert", "delete", "hardDelete")
INGEST_RESULTS = ("successfulresults", "failedresults", "unprocessedrecords")
NULL_MARKER = "#N/A"  # the ingest value that sets a field to null; an empty value is ignored
TERMINAL_STATES = ("JobComplete", "Failed", "Aborted")
# "A request can provide CSV data that does not in total exceed 150 MB of base64 encoded content."
MAX_UPLOAD_BASE64_BYTES = 150 * 1024 * 1024
# "Jobs that are older than 7 days are deleted if they are in a terminal state"
JOB_LIFESPAN = timedelta(days=7)


@dataclass
class Job:
    id: str
    kind: str  # "query" or "ingest"
    operation: str
    sobject: str
    created: str
    version: str
    line_ending: str = "LF"
    delimiter: str = "COMMA"
    external_id: str | None = None
    state: str = "Open"
    modstamp: str = ""
    polls_left: int = 0
    error_message: str | None = None
    finished_at: datetime | None = None  # when the job reached a terminal state
    # query jobs
    query: str = ""
    columns: list[str] = field(default_factory=list)
    rows: list[list[object]] = field(default_factory=list)
    # ingest jobs
    uploads: list[str] = field(default_factory=list)
    header: list[str] = field(default_factory=list)
    successes: list[tuple[str, bool, list[str]]] = field(default_factory=list)
    failures: list[tuple[str, str, list[str]]] = field(default_factory=list)

    def info(self, created_by: str) -> dict:
        info = {
            "id": self.id,
            "operation": self.operation,
            "object": self.sobject,
            "createdById": created_by,
            "createdDate": self.created,
            "systemModstamp": self.modstamp or self.created,
            "state": self.state,
            "concurrencyMode": "Parallel",
            "contentType": "CSV",
            "apiVersion": float(self.version),
            "lineEnding": self.line_ending,
            "columnDelimiter": self.delimiter,
        }
        if self.kind == "ingest":
            if self.external_id:
                info["externalIdFieldName"] = self.external_id
            info["contentUrl"] = f"services/data/v{self.version}/jobs/ingest/{self.id}/batches"
            info["jobType"] = "V2Ingest"
        else:
            info["jobType"] = "V2Query"
        if self.state in TERMINAL_STATES or self.kind == "query":
            processed = len(self.rows) if self.kind == "query" else self._processed()
            info["numberRecordsProcessed"] = processed if self.state == "JobComplete" else 0
            if self.kind == "ingest":
                info["numberRecordsFailed"] = len(self.failures)
            info["retries"] = 0
            info["totalProcessingTime"] = 0
        if self.error_message:
            info["errorMessage"] = self.error_message
        return info

    def _processed(self) -> int:
        return len(self.successes) + len(self.failures)


def _invalid_job(message: str) -> ApiError:
    return ApiError(400, "INVALIDJOB", message)


class Bulk2Api:
    def __init__(self, org: Org) -> None:
        self.org = org
        self.jobs: dict[str, Job] = {}
        self.query_polls_before_complete = 0
        self.ingest_polls_before_complete = 0
        self.max_upload_base64_bytes = MAX_UPLOAD_BASE64_BYTES
        # A set of query results is "still subject to the size limits" whatever maxRecords asks:
        # with this set, a set holds the rows that fit in this many bytes of CSV (at least one).
        self.max_result_bytes: int | None = None
        self.query_jobs_created = 0
        self.query_jobs_to_fail = 0  # the next query jobs end Failed instead of JobComplete
        self.query_jobs_to_lose = 0  # the next query jobs are deleted as they complete
        self._user_id = to_18("0055g00000APIUS")  # the integration user the jobs run as

    @property
    def polls_before_complete(self) -> int:
        """Status polls that answer InProgress before JobComplete, for query and ingest jobs."""
        return max(self.query_polls_before_complete, self.ingest_polls_before_complete)

    @polls_before_complete.setter
    def polls_before_complete(self, polls: int) -> None:
        self.query_polls_before_complete = self.ingest_polls_before_complete = polls

    # -- routing -------------------------------------------------------------------------------
    def route(self, method: str, parts: list[str]) -> tuple[str, Handler] | None:
        if len(parts) < 2 or parts[0] != "jobs" or parts[1] not in ("query", "ingest"):
            return None
        table = self._routes(parts[1], parts[2:])
        if table is None or method not in table:
            return None
        return table[method]

    def _routes(self, kind: str, rest: list[str]) -> dict[str, tuple[str, Handler]] | None:
        if not rest:
            return {
                "POST": ("bulk2_create_job", self.create_job),
                "GET": ("bulk2_list_jobs", self.list_jobs),
            }
        if len(rest) == 1:
            return {
                "GET": ("bulk2_poll", self.get_job),
                "PATCH": ("bulk2_close", self.set_state),
                "DELETE": ("bulk2_delete_job", self.delete_job),
            }
        if len(rest) != 2:
            return None
        if kind == "query" and rest[1] == "results":
            return {"GET": ("bulk2_results", self.query_results)}
        if kind == "ingest" and rest[1] == "batches":
            return {"PUT": ("bulk2_upload", self.upload)}
        # Salesforce matches these path names case-insensitively (unprocessedrecords is
        # documented in lower case; simple-salesforce asks for unprocessedRecords)
        if kind == "ingest" and rest[1].lower() in INGEST_RESULTS:
            return {"GET": ("bulk2_ingest_results", self.ingest_results)}
        return None

    @staticmethod
    def is_abort(request: ApiRequest) -> bool:
        """A PATCH to a job either closes or aborts it; an abort is counted as bulk2_abort."""
        try:
            body = request.json()
        except ApiError:
            return False
        return isinstance(body, dict) and body.get("state") == "Aborted"

    def _job(self, request: ApiRequest) -> Job:
        self._forget_expired_jobs()
        job = self.jobs.get(to_18(request.parts[2]) or request.parts[2])
        if job is None or job.kind != request.parts[1]:
            raise not_found("The requested resource does not exist")
        return job

    def _forget_expired_jobs(self) -> None:
        now = self.org.clock()
        for job in list(self.jobs.values()):
            if job.finished_at is not None and now - job.finished_at > JOB_LIFESPAN:
                del self.jobs[job.id]

    def _finish(self, job: Job, state: str) -> None:
        job.state = state
        job.finished_at = self.org.clock()

    def _now(self) -> str:
        return format_datetime(self.org.clock())

    # -- job lifecycle -------------------------------------------------------------------------
    def create_job(self, request: ApiRequest) -> ApiReply:
        body = request.json()
        if not isinstance(body, dict):
            raise ApiError(400, "JSON_PARSER_ERROR", "The request body must be a JSON object")
        kind = request.parts[1]
        delimiter = body.get("columnDelimiter") or "COMMA"
        line_ending = body.get("lineEnding") or "LF"
        if delimiter not in DELIMITERS or line_ending not in LINE_ENDINGS:
            raise _invalid_job("InvalidJob : invalid columnDelimiter or lineEnding")
        job_id = self.org.ids.new_id_with_prefix(BULK_JOB_PREFIX)
        common = {
            "id": job_id,
            "kind": kind,
            "created": self._now(),
            "version": request.version,
            "line_ending": line_ending,
            "delimiter": delimiter,
        }
        if kind == "query":
            job = self._create_query_job(body, common)
        else:
            job = self._create_ingest_job(body, common)
        self.jobs[job_id] = job
        return ApiReply(200, job.info(self._user_id))

    def _create_query_job(self, body: dict, common: dict) -> Job:
        operation = body.get("operation")
        if operation not in ("query", "queryAll"):
            raise _invalid_job(f"InvalidJob : Invalid operation for a query job: {operation}")
        text = body.get("query")
        if not isinstance(text, str) or not text.strip():
            raise _invalid_job("InvalidJob : A query must be specified")
        engine = self.org.engine
        result = engine.run(text, include_deleted=operation == "queryAll")
        if result.query.count_only or result.query.offset is not None:
            raise ApiError(
                400, "API_ERROR", "Bulk API 2.0 query jobs do not support COUNT() or OFFSET"
            )
        self.query_jobs_created += 1
        rows = engine.to_rows(result)
        if not result.query.order_by:
            rows = _in_no_particular_order(rows, common["id"])
        return Job(
            operation=operation,
            sobject=result.sobject,
            query=text,
            columns=engine.column_names(result),
            rows=rows,
            state="UploadComplete",
            polls_left=self.query_polls_before_complete,
            **common,
        )

    def _create_ingest_job(self, body: dict, common: dict) -> Job:
        operation = body.get("operation")
        if operation not in INGEST_OPERATIONS:
            raise _invalid_job(f"InvalidJob : Invalid operation: {operation}")
        sobject = self.org.schema.object_name(str(body.get("object") or ""))
        if sobject is None or not self.org.access.can_read_object(sobject):
            raise _invalid_job(f"InvalidJob : Unable to find object: {body.get('object')}")
        external_id = body.get("externalIdFieldName")
        if operation == "upsert":
            if not external_id:
                raise _invalid_job(
                    f"InvalidJob : External ID was blank for {sobject}. An External ID must be "
                    "specified for upsert."
                )
            canonical = self.org.schema.field_name(sobject, external_id)
            if external_id != "Id" and (
                canonical is None or not self.org.schema.is_external_id(sobject, canonical)
            ):
                raise _invalid_job(
                    f"InvalidJob : Field name provided, {external_id} is not an External ID or "
                    f"indexed field for {sobject}"
                )
            external_id = "Id" if external_id == "Id" else canonical
        return Job(operation=operation, sobject=sobject, external_id=external_id, **common)

    def list_jobs(self, request: ApiRequest) -> ApiReply:
        self._forget_expired_jobs()
        kind = request.parts[1]
        records = [job.info(self._user_id) for job in self.jobs.values() if job.kind == kind]
        return ApiReply(200, {"done": True, "records": records, "nextRecordsUrl": None})

    def get_job(self, request: ApiRequest) -> ApiReply:
        job = self._job(request)
        if job.state in ("UploadComplete", "InProgress"):
            if job.polls_left > 0:
                job.state = "InProgress"
            else:
                self._complete(job)
            job.polls_left -= 1
        return ApiReply(200, job.info(self._user_id))

    def _complete(self, job: Job) -> None:
        """The poll that ends a job: JobComplete, unless a query job is set to fail (its error
        in `errorMessage`) or to be lost (it answers this poll, then is gone: 404)."""
        if job.kind == "query" and self.query_jobs_to_fail > 0:
            self.query_jobs_to_fail -= 1
            job.error_message = "InternalServerError : the query job failed; submit it again"
            self._finish(job, "Failed")
            return
        self._finish(job, "JobComplete")
        if job.kind == "query" and self.query_jobs_to_lose > 0:
            self.query_jobs_to_lose -= 1
            del self.jobs[job.id]

    def set_state(self, request: ApiRequest) -> ApiReply:
        job = self._job(request)
        body = request.json()
        state = body.get("state") if isinstance(body, dict) else None
        if state == "Aborted":
            if job.state in TERMINAL_STATES:
                raise _invalid_job(f"InvalidJob : Job {job.id} is already {job.state}")
            self._finish(job, "Aborted")
        elif state == "UploadComplete" and job.kind == "ingest":
            if job.state != "Open":
                raise _invalid_job(f"InvalidJob : Job {job.id} is not Open")
            if len(job.uploads) > 1:
                # Salesforce takes a second PUT and refuses the close (the job stays Open)
                raise _invalid_job(
                    f"Found multiple contents for job: <{job.id}>, please 'Close' / 'Abort' / "
                    "'Delete' the current Job then create a new Job and make sure you only do "
                    "'PUT' once on a given Job."
                )
            self._process(job, request)
        else:
            raise _invalid_job(f"InvalidJob : Invalid state for this job: {state}")
        job.modstamp = self._now()
        reply = job.info(self._user_id)
        if job.state == "JobComplete":
            reply["state"] = "UploadComplete"  # the close itself answers UploadComplete
        return ApiReply(200, reply)

    def delete_job(self, request: ApiRequest) -> ApiReply:
        job = self._job(request)
        if job.state in ("Open", "UploadComplete", "InProgress"):
            raise _invalid_job(f"InvalidJob : Job {job.id} must be closed or aborted first")
        del self.jobs[job.id]
        return ApiReply(204)

    # -- query results -------------------------------------------------------------------------
    def query_results(self, request: ApiRequest) -> ApiReply:
        job = self._job(request)
        if job.state != "JobComplete":
            raise _invalid_job(f"InvalidJob : Job {job.id} is not complete: {job.state}")
        if request.version != job.version:
            raise ApiError(
                409,
                "INVALIDJOB",
                f"InvalidJob : Job {job.id} was created in API version {job.version}; "
                f"get its results with that version, not {request.version}",
            )
        start = _decode_locator(request.param("locator"), len(job.rows))
        max_records = request.param("maxRecords")
        if max_records is not None and (not max_records.isdigit() or int(max_records) < 1):
            raise ApiError(400, "INVALIDJOB", f"Invalid maxRecords: {max_records}")
        end = start + int(max_records) if max_records else len(job.rows)
        page = [[_csv_value(v) for v in row] for row in job.rows[start:end]]
        text = _write_csv(job, job.columns, page)
        if self.max_result_bytes is not None and len(text.encode()) > self.max_result_bytes:
            text, kept = _write_csv_within(job, job.columns, page, self.max_result_bytes)
            end = start + kept
            page = page[:kept]
        next_locator = _encode_locator(end) if end < len(job.rows) else "null"
        return ApiReply(
            200,
            text,
            {"Sforce-Locator": next_locator, "Sforce-NumberOfRecords": str(len(page))},
            content_type=CSV_TYPE,
        )

    # -- ingest --------------------------------------------------------------------------------
    def upload(self, request: ApiRequest) -> ApiReply:
        job = self._job(request)
        if job.state != "Open":
            raise _invalid_job(f"InvalidJob : Job {job.id} is not Open")
        encoded_size = 4 * -(-len(request.body) // 3)  # the body's size once base64 encoded
        if encoded_size > self.max_upload_base64_bytes:
            raise ApiError(
                413,
                "REQUEST_ENTITY_TOO_LARGE",
                f"The job data is {encoded_size} bytes once base64 encoded; a request can provide "
                f"at most {self.max_upload_base64_bytes} (upload at most 100 MB of CSV data)",
            )
        job.uploads.append(request.text())
        return ApiReply(201)

    def _process(self, job: Job, request: ApiRequest) -> None:
        rows = _read_csv(job)
        if not rows:
            self._finish(job, "Failed")
            job.error_message = "InvalidBatch : No data found for upload"
            return
        job.header, data = rows[0], rows[1:]
        problem = self._header_problem(job)
        if problem:
            self._finish(job, "Failed")
            job.error_message = problem
            return
        for row in data:
            self._process_row(job, row, request)
        job.polls_left = self.ingest_polls_before_complete
        if job.polls_left:
            job.state = "InProgress"
        else:
            self._finish(job, "JobComplete")

    def _header_problem(self, job: Job) -> str | None:
        lowered = [name.lower() for name in job.header]
        if job.operation in ("delete", "hardDelete") and lowered != ["id"]:
            return "InvalidBatch : The 'delete/hardDelete' batch must contain only 'Id'"
        if job.operation == "update" and "id" not in lowered:
            return "InvalidBatch : Field name not found : Id"
        if job.operation == "upsert" and job.external_id.lower() not in lowered:
            return f"InvalidBatch : Field name not found : {job.external_id}"
        if any("." in name for name in job.header):
            return "InvalidBatch : relationship columns are not supported by the emulator"
        if len(set(lowered)) != len(lowered):
            return "InvalidBatch : Duplicate field name in the header"
        # a column the user cannot read is a field the job cannot find
        hidden = self.org.access.hidden_columns(job.sobject, job.header)
        if hidden:
            return f"InvalidBatch : Field name not found : {hidden[0]}"
        return None

    def _process_row(self, job: Job, row: list[str], request: ApiRequest) -> None:
        store = self.org.store
        if len(row) != len(job.header):
            job.failures.append(
                ("", "INVALID_INPUT:Row has a different number of columns than the header:--", row)
            )
            return
        values = dict(zip(job.header, row, strict=True))
        record_id = next((v for k, v in values.items() if k.lower() == "id"), "") or ""
        try:
            fields = self._convert(job.sobject, values)
            with store.atomic():
                if request.fault is not None and request.fault.locks(fields, record_id or None):
                    raise lock_error()
                record_id, created = self._apply(job, fields, record_id)
            job.successes.append((record_id, created, row))
        except RecordError as error:
            fields_text = ";".join(error.fields)
            message = (
                f"{error.status_code}:{error.message}:{fields_text + ' ' if fields_text else ''}--"
            )
            job.failures.append((to_18(record_id) or "" if record_id else "", message, row))

    def _convert(self, sobject: str, values: dict[str, str]) -> dict:
        schema = self.org.schema
        fields: dict = {}
        for name, text in values.items():
            if name.lower() == "id" or text == "":
                continue  # an empty value leaves the field as it is
            if text == NULL_MARKER:
                fields[name] = None
                continue
            kind = schema.field_kind(sobject, name)
            fields[name] = _from_csv(name, text, kind)
        return fields

    def _apply(self, job: Job, fields: dict, record_id: str) -> tuple[str, bool]:
        store, sobject, access = self.org.store, job.sobject, self.org.access
        if job.operation == "insert":
            access.check_create(sobject, fields)
            return store.create(sobject, fields), True
        if job.operation in ("update", "delete", "hardDelete"):
            if not record_id:
                raise RecordError("MISSING_ARGUMENT", "Id not specified", ["Id"])
            current = store.require_live(sobject, record_id)
            if job.operation == "update":
                access.check_update(sobject, fields)
                store.update(sobject, current["Id"], fields)
            else:
                access.check_delete(sobject)
                store.delete(sobject, current["Id"])
            return current["Id"], False
        # upsert
        if job.external_id == "Id":
            if record_id:
                current = store.require_live(sobject, record_id)
                access.check_update(sobject, fields)
                store.update(sobject, current["Id"], fields)
                return current["Id"], False
            access.check_create(sobject, fields)
            return store.create(sobject, fields), True
        key = next((v for k, v in fields.items() if k.lower() == job.external_id.lower()), None)
        if key in (None, ""):
            raise RecordError("MISSING_ARGUMENT", f"{job.external_id} not specified", [])
        matches = store.find_by_field(sobject, job.external_id, key)
        if len(matches) > 1:
            raise RecordError(
                "DUPLICATE_EXTERNAL_ID",
                f"{job.external_id}: more than one record found for external id field: {matches}",
                [job.external_id],
            )
        if matches:
            rest = {k: v for k, v in fields.items() if k.lower() != job.external_id.lower()}
            access.check_update(sobject, rest)
            store.update(sobject, matches[0], rest)
            return matches[0], False
        access.check_create(sobject, fields)
        return store.create(sobject, fields), True

    def ingest_results(self, request: ApiRequest) -> ApiReply:
        job = self._job(request)
        which = request.parts[3].lower()
        if which == "successfulresults":
            header = ["sf__Id", "sf__Created", *job.header]
            rows = [
                [rid, "true" if created else "false", *row] for rid, created, row in job.successes
            ]
        elif which == "failedresults":
            header = ["sf__Id", "sf__Error", *job.header]
            rows = [[rid, error, *row] for rid, error, row in job.failures]
        else:
            # rows uploaded to a job that was aborted (or failed) before they were processed
            processed = job.successes or job.failures
            uploaded = [] if processed else _read_csv(job)
            header, rows = (uploaded[0], uploaded[1:]) if uploaded else (list(job.header), [])
        return ApiReply(200, _write_csv(job, header, rows), content_type=CSV_TYPE)


def _read_csv(job: Job) -> list[list[str]]:
    """The header of the first upload, then the data rows of every upload."""
    rows: list[list[str]] = []
    for upload in job.uploads:
        text = io.StringIO(upload, newline="")
        read = [row for row in csv.reader(text, delimiter=DELIMITERS[job.delimiter]) if row]
        rows.extend(read if not rows else read[1:])
    return rows


def _in_no_particular_order(rows: list[list[object]], job_id: str) -> list[list[object]]:
    """Rows of a query without ORDER BY, in a shuffle seeded by the job id: deterministic for a
    test, never the Id (creation) order a client must not rely on."""
    shuffled = list(rows)
    random.Random(job_id).shuffle(shuffled)  # noqa: S311 (an order, not a secret)
    if len(shuffled) > 1 and shuffled == rows:
        shuffled.reverse()
    return shuffled


def _from_csv(name: str, text: str, kind: str | None) -> object:
    """A CSV cell as the field's type; unknown fields stay text."""
    if kind == BOOLEAN:
        lowered = text.strip().lower()
        if lowered in ("true", "1", "yes"):
            return True
        if lowered in ("false", "0", "no"):
            return False
        raise RecordError("INVALID_FIELD", f"Invalid boolean value for {name}: {text}", [name])
    if kind == NUMBER:
        try:
            number = float(text)
        except ValueError:
            raise RecordError(
                "INVALID_FIELD", f"Invalid number value for {name}: {text}", [name]
            ) from None
        return int(number) if number.is_integer() and "." not in text else number
    if kind in (DATE, DATETIME):
        return text.strip()
    return text


def _csv_value(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value)) if abs(value) < 1e15 else str(value)
    return str(value)


def _write_csv(job: Job, header: list[str], rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(
        buffer,
        delimiter=DELIMITERS[job.delimiter],
        lineterminator=LINE_ENDINGS[job.line_ending],
        quoting=csv.QUOTE_ALL,
    )
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def _write_csv_within(
    job: Job, header: list[str], rows: list[list[str]], max_bytes: int
) -> tuple[str, int]:
    """The CSV of as many leading rows as fit in `max_bytes` (at least one), and their count."""
    buffer = io.StringIO()
    writer = csv.writer(
        buffer,
        delimiter=DELIMITERS[job.delimiter],
        lineterminator=LINE_ENDINGS[job.line_ending],
        quoting=csv.QUOTE_ALL,
    )
    writer.writerow(header)
    size, kept = len(buffer.getvalue().encode()), 0
    for row in rows:
        line = io.StringIO()
        csv.writer(
            line,
            delimiter=DELIMITERS[job.delimiter],
            lineterminator=LINE_ENDINGS[job.line_ending],
            quoting=csv.QUOTE_ALL,
        ).writerow(row)
        size += len(line.getvalue().encode())
        if kept and size > max_bytes:
            break
        buffer.write(line.getvalue())
        kept += 1
    return buffer.getvalue(), kept


def _encode_locator(offset: int) -> str:
    # Salesforce's locators are opaque; these are base64 offsets, which is what real ones look like.
    return base64.b64encode(str(offset).encode()).decode().rstrip("=")


def _decode_locator(locator: str | None, total: int) -> int:
    if not locator:
        return 0
    try:
        padded = locator + "=" * (-len(locator) % 4)
        offset = int(base64.b64decode(padded, validate=True).decode())
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "INVALIDJOB", f"Invalid locator: {locator}") from None
    if not 0 <= offset <= total:
        raise ApiError(400, "INVALIDJOB", f"Invalid locator: {locator}")
    return offset
