"""Bulk API 2.0 for the recompute, one HTTP call at a time, never waiting: a query job is
submitted and polled later; its results are sorted on ephemeral storage; touchpoint writes are
staged in CSV files and submitted as few ingest jobs as their size allows.

simple-salesforce's `query()`/`upsert()` wait for the job inside the call (up to hours, in a
Lambda that lives 15 minutes) and Bulk queries with `ORDER BY` lose PK chunking, so the client's
steps are driven one by one here and every request is counted as it is made.
"""

from __future__ import annotations

import csv
import io
import marshal
import os
import tempfile
from bisect import bisect_right
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from itertools import batched, chain, dropwhile
from operator import itemgetter
from typing import IO, Any

from simple_salesforce.exceptions import SalesforceResourceNotFound
from simple_salesforce.util import call_salesforce

from touchpoints.adapters.salesforce_transport import SalesforceTransport
from touchpoints.errors import SalesforceBulkJobGoneError
from touchpoints.ports.salesforce import BulkJob, BulkJobStatus, RecordResult

# "Each job can contain up to 150,000,000 characters" of CSV, "100 MB" before base64 being the
# safe size (Bulk API 2.0 and Bulk API Developer Guide, Limits: "Bulk API 2.0 Ingest Limits").
MAX_UPLOAD_BYTES = 100 * 1024 * 1024
# A results page (or an ingest job's results) is written to ephemeral storage in chunks of this
# size (simple-salesforce's default, 1 KiB, costs a Python round per KiB); a query's page is then
# sorted this many rows at a time: memory stays bounded whatever page size Salesforce returns.
DOWNLOAD_CHUNK_BYTES = 1024 * 1024
SORT_RUN_ROWS = 20_000
RUN_BLOCK_ROWS = 500  # rows read back at a time from each run while they are merged
RUN_BLOCK_LENGTH_BYTES = 4
WRITE_BLOCK_LINES = 1000  # staged CSV lines written to ephemeral storage at a time
NULL = "#N/A"  # Bulk API's null: an empty cell would leave the field as it was
RUNNING = frozenset({"Open", "UploadComplete", "InProgress"})


def _client(sf: Any, sobject: str) -> Any:
    """simple-salesforce's Bulk 2.0 client for one object, driven step by step."""
    return getattr(sf.bulk2, sobject)._client


def _download_page(
    sf: Any, job: BulkJob, locator: str, page_size: int, workdir: str
) -> dict[str, Any]:
    """One results page streamed into a file of `workdir`: `file`, the next `locator`."""
    return dict(
        _client(sf, job.sobject).download_job_data(
            workdir, job.id, locator, page_size, DOWNLOAD_CHUNK_BYTES
        )
    )


def _write_run(rows: list[list[str]], workdir: str, number: int) -> str:
    """A sorted run in blocks of `RUN_BLOCK_ROWS` rows, each marshalled behind its length: this
    process writes and reads them back, and marshal does both several times faster than CSV."""
    path = os.path.join(workdir, f"run-{number:05d}.bin")
    with open(path, "wb") as run:
        for block in batched(rows, RUN_BLOCK_ROWS, strict=False):
            data = marshal.dumps(block)
            run.write(len(data).to_bytes(RUN_BLOCK_LENGTH_BYTES))
            run.write(data)
    return path


def csv_rows(lines: Iterator[str]) -> Iterator[list[str]]:
    """The rows `csv.reader` reads from a file opened with `newline=""`, a quarter to a half
    faster for the lines Salesforce writes: a line with no quote is its cells split at the
    commas; a line of quoted cells none of which holds a quote (Bulk results quote every cell)
    is split at the `","` between them; csv reads any other record, over as many lines as its
    quoted cells span."""
    for line in lines:
        body = line[:-2] if line.endswith("\r\n") else line[:-1] if line.endswith("\n") else line
        if "\r" not in body:
            if '"' not in body:
                yield body.split(",") if body else []
                continue
            if body[0] == '"' and body[-1] == '"':
                cells = body[1:-1].split('","')
                if body.count('"') == 2 * len(cells):  # every quote opens or closes a cell
                    yield cells
                    continue
        yield next(csv.reader(chain((line,), lines)))


def merge_blocks(runs: list[Iterator[Sequence[list[str]]]], key_index: int) -> Iterator[list[str]]:
    """The rows of sorted runs, each read a block at a time, in the order of their cells at
    `key_index` (unique keys: among equal keys the order is not kept). heapq.merge steps through
    Python for every row; here each round takes, from every run's current block, the rows up to
    the smallest of the blocks' last keys (one block whole, at least) and sorts them together,
    which Python's sort does in C for rows already in sorted runs: half of heapq.merge's time
    at 5 runs (100,000 members), 60% at 50 (a million)."""
    key = itemgetter(key_index)
    current: list[tuple[Sequence[list[str]], int, Iterator[Sequence[list[str]]]]] = []
    for blocks in runs:
        if block := next(blocks, None):
            current.append((block, 0, blocks))
    while current:
        frontier = min(key(block[-1]) for block, _, _ in current)
        taken: list[list[str]] = []
        left = []
        for block, start, blocks in current:
            end = bisect_right(block, frontier, start, key=key)
            taken.extend(block[start:end])
            if end < len(block):
                left.append((block, end, blocks))
            elif following := next(blocks, None):
                left.append((following, 0, blocks))
        taken.sort(key=key)
        yield from taken
        current = left


def _run_blocks(run: IO[bytes]) -> Iterator[tuple[list[str], ...]]:
    while length := run.read(RUN_BLOCK_LENGTH_BYTES):
        # only runs this process wrote, in its own private temporary directory
        yield marshal.loads(run.read(int.from_bytes(length)))  # noqa: S302


class BulkRequests:
    """The Bulk 2.0 calls the recompute makes, each counted under its own kind."""

    def __init__(self, transport: SalesforceTransport) -> None:
        self._sf = transport

    def submit_query(self, sobject: str, soql: str) -> str:
        job = self._sf.call(
            "bulk2_create_job", lambda sf: _client(sf, sobject).create_job("query", query=soql)
        )
        return str(job["id"])

    def _on_job[T](self, job: BulkJob, kind: str, send: Callable[[Any], T]) -> T:
        """One call about an existing job; a job Salesforce no longer has (404) is an error of
        its own, so the caller can start over instead of asking again."""
        try:
            return self._sf.call(kind, send)
        except SalesforceResourceNotFound as error:
            raise SalesforceBulkJobGoneError(
                f"Bulk {job.operation} job {job.id} is gone (deleted or expired)"
            ) from error

    def status(self, job: BulkJob) -> BulkJobStatus:
        is_query = job.operation == "query"
        info = self._on_job(
            job, "bulk2_poll", lambda sf: _client(sf, job.sobject).get_job(job.id, is_query)
        )
        state = info["state"]
        return BulkJobStatus(
            job=job,
            running=state in RUNNING,
            succeeded=state == "JobComplete",
            processed=int(info.get("numberRecordsProcessed") or 0),
            failed=int(info.get("numberRecordsFailed") or 0),
            message=info.get("errorMessage"),
        )

    def sorted_rows[T](
        self,
        job: BulkJob,
        key_column: str,
        after_key: str,
        page_size: int,
        reader: Callable[[list[str]], Callable[[list[str]], T]],
    ) -> Iterator[T]:
        """The query job's rows in `key_column` order after `after_key`, each read by what
        `reader(header)` returns (rows are lists of cells: a dict per row costs more than most
        readers): each results page is streamed to ephemeral storage, cut into runs of
        `SORT_RUN_ROWS` rows sorted on their own (`_write_run`), and the runs are merged a block
        at a time; memory holds one run, however large a page is."""
        with tempfile.TemporaryDirectory(prefix="bulk-query-") as workdir:
            runs, header = self._sorted_pages(job, key_column, page_size, workdir)
            if not header:
                return
            key_index = header.index(key_column)
            read = reader(header)
            files = [open(path, "rb") for path in runs]  # noqa: SIM115
            try:
                merged = merge_blocks([_run_blocks(file) for file in files], key_index)
                # in key order: those up to `after_key` come first (a continuation's done part)
                yield from map(read, dropwhile(lambda row: row[key_index] <= after_key, merged))
            finally:
                for file in files:
                    file.close()

    def _sorted_pages(
        self, job: BulkJob, key_column: str, page_size: int, workdir: str
    ) -> tuple[list[str], list[str]]:
        """Follows `Sforce-Locator` until it is null: a page may hold fewer rows than asked."""
        runs: list[str] = []
        header: list[str] = []
        locator = ""
        while True:
            page = self._on_job(
                job,
                "bulk2_results",
                partial(
                    _download_page, job=job, locator=locator, page_size=page_size, workdir=workdir
                ),
            )
            try:
                with open(page["file"], newline="", encoding="utf-8") as downloaded:
                    reader = csv_rows(downloaded)
                    header = next(reader, []) or header
                    key = itemgetter(header.index(key_column)) if header else itemgetter(0)
                    for piece in batched(reader, SORT_RUN_ROWS, strict=False):
                        runs.append(_write_run(sorted(piece, key=key), workdir, len(runs)))
            finally:
                os.remove(page["file"])
            locator = page["locator"]
            if not locator:
                return runs, header

    def submit_ingest(
        self, sobject: str, operation: str, data: IO[bytes], external_id: str | None
    ) -> str:
        """Create, upload (streamed from `data`) and close one ingest job; returns its id."""
        options = {"external_id_field": external_id} if external_id else {}
        job_id = self._sf.call(
            "bulk2_create_job",
            lambda sf: str(_client(sf, sobject).create_job(operation, **options)["id"]),
        )

        def upload(sf: Any) -> None:
            client = _client(sf, sobject)
            data.seek(0)
            result = call_salesforce(
                url=client._construct_request_url(job_id, False) + "/batches",
                method="PUT",
                session=client.session,
                headers=client._get_headers(client.CSV_CONTENT_TYPE, client.JSON_CONTENT_TYPE),
                data=data,
            )
            if result.status_code != 201:
                raise RuntimeError(f"Bulk upload refused with HTTP {result.status_code}")

        self._sf.call("bulk2_upload", upload)
        self._sf.call("bulk2_close", lambda sf: _client(sf, sobject).close_job(job_id))
        return job_id

    def successful_rows[T](
        self, job: BulkJob, reader: Callable[[list[str]], Callable[[list[str]], T]]
    ) -> Iterator[T]:
        """An ingest job's successful rows (`sf__Id`, `sf__Created` and the uploaded columns),
        streamed to ephemeral storage and read a row at a time by what `reader(header)`
        returns (blank lines skipped)."""
        with tempfile.NamedTemporaryFile(prefix="bulk-results-", suffix=".csv") as file:
            self._sf.call(
                "bulk2_ingest_results",
                lambda sf: _client(sf, job.sobject).download_ingest_results(
                    file.name, job.id, "successfulResults", DOWNLOAD_CHUNK_BYTES
                ),
            )
            with open(file.name, newline="", encoding="utf-8") as results:
                rows = csv_rows(results)
                header = next(rows, None)
                if header is None:
                    return
                yield from map(reader(header), filter(None, rows))

    def ingest_failures(
        self, status: BulkJobStatus, ref_column: str
    ) -> list[tuple[RecordResult, dict[str, str]]]:
        """The rows an ingest job refused (read only when it says there are some), and, when the
        job itself failed, the rows it never processed: each outcome with the row as uploaded."""
        job = status.job
        failures: list[tuple[RecordResult, dict[str, str]]] = []
        if status.failed:
            text = self._sf.call(
                "bulk2_ingest_results",
                lambda sf: _client(sf, job.sobject).get_ingest_results(job.id, "failedResults"),
            )
            for row in csv.DictReader(io.StringIO(text)):
                code, _, message = (row.get("sf__Error") or "UNKNOWN_EXCEPTION").partition(":")
                failures.append(
                    (
                        RecordResult(
                            row[ref_column], False, row.get("sf__Id") or None, code, message
                        ),
                        row,
                    )
                )
        if not status.succeeded:
            text = self._sf.call(
                "bulk2_ingest_results",
                lambda sf: _client(sf, job.sobject).get_ingest_results(
                    job.id, "unprocessedrecords"
                ),
            )
            for row in csv.DictReader(io.StringIO(text)):
                failures.append(
                    (RecordResult(row[ref_column], False, None, "UNPROCESSED", status.message), row)
                )
        return failures


@dataclass
class _Part:
    """One ingest job's CSV: its lines are kept until `WRITE_BLOCK_LINES` of them are written
    to the file at once (a `write` per line was a tenth of staging's time)."""

    file: IO[bytes]
    rows: int = 0
    size: int = 0  # bytes, counted here: asking the file costs a system call per row
    lines: list[str] = field(default_factory=list)

    def add(self, line: str, size: int) -> None:
        self.lines.append(line)
        self.size += size
        self.rows += 1
        if len(self.lines) == WRITE_BLOCK_LINES:
            self.write()

    def write(self) -> None:
        self.file.write("".join(self.lines).encode("utf-8"))
        self.lines.clear()


class _Lines:
    """Where the stage's CSV writer puts each row's line (one `write` per row), to be taken."""

    def __init__(self) -> None:
        self.written: list[str] = []
        self.write = self.written.append


class IngestStage:
    """Rows of one ingest operation, written to ephemeral storage as they come and cut into
    parts of at most `max_bytes` of CSV (one ingest job each)."""

    def __init__(self, header: list[str], max_bytes: int = MAX_UPLOAD_BYTES) -> None:
        self._header = header
        self._max_bytes = max_bytes
        self._parts: list[_Part] = []
        self.rows = 0
        self._lines = _Lines()  # one writer for every row: a writer per row costs more than the row
        self._writer = csv.writer(self._lines, lineterminator="\n")

    def add(self, values: Sequence[Any]) -> None:
        cells = [NULL if value is None else value for value in values]
        text = _unquoted_line(cells)
        if text is None:
            self._writer.writerow(cells)
            text = self._lines.written.pop()
        size = len(text) if text.isascii() else len(text.encode("utf-8"))
        part = self._parts[-1] if self._parts else None
        if part is None or part.size + size > self._max_bytes:
            if part is not None:
                part.write()
            part = _Part(tempfile.TemporaryFile(prefix="bulk-ingest-"))  # noqa: SIM115
            part.size = part.file.write(_csv_line(self._header))
            self._parts.append(part)
        part.add(text, size)
        self.rows += 1

    def parts(self) -> Iterator[IO[bytes]]:
        for part in self._parts:
            part.write()
            part.file.flush()
            yield part.file

    def close(self) -> None:
        for part in self._parts:
            part.file.close()
        self._parts.clear()
        self.rows = 0


def _unquoted_line(cells: list[Any]) -> str | None:
    """The row's CSV line when no cell needs quoting (most rows): its cells joined by commas,
    as csv writes them, several times faster. None for any other row: a cell holding a comma, a
    quote or a line break, a cell that is not text, or one empty cell (csv writes it `""`)."""
    try:
        text = ",".join(cells)
    except TypeError:
        return None
    if not text or text.count(",") != len(cells) - 1 or '"' in text or "\n" in text or "\r" in text:
        return None
    return text + "\n"


def _csv_line(values: list[Any]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(values)
    return buffer.getvalue().encode("utf-8")
