import csv
import io
from itertools import batched

from hypothesis import given
from hypothesis import strategies as st

from touchpoints.adapters import salesforce_bulk
from touchpoints.adapters.salesforce_bulk import (
    NULL,
    IngestStage,
    _run_blocks,
    _write_run,
    csv_rows,
    merge_blocks,
)


def _parts(stage: IngestStage) -> list[bytes]:
    contents = []
    for part in stage.parts():
        part.seek(0)
        contents.append(part.read())
    return contents


def test_staged_rows_are_cut_into_parts_no_larger_than_allowed_each_with_the_header():
    stage = IngestStage(["Key__c", "Email__c"], max_bytes=60)
    rows = [(f"OCT-{n:03d}", f"p{n}@example.com" if n % 3 else None) for n in range(10)]
    for row in rows:
        stage.add(row)

    parts = _parts(stage)

    assert len(parts) > 1
    assert all(len(part) <= 60 for part in parts)
    read = [list(csv.reader(io.StringIO(part.decode()))) for part in parts]
    assert all(lines[0] == ["Key__c", "Email__c"] for lines in read)
    assert [tuple(line) for lines in read for line in lines[1:]] == [
        (key, email or NULL) for key, email in rows
    ]
    assert stage.rows == 10
    stage.close()


def test_a_value_needing_quotes_is_quoted():
    stage = IngestStage(["Key__c", "Medium__c"])
    stage.add(("OCT-1", 'Trade show, "Expo"'))

    (part,) = _parts(stage)

    assert part == b'Key__c,Medium__c\nOCT-1,"Trade show, ""Expo"""\n'
    stage.close()


cells = st.none() | st.text(max_size=8) | st.sampled_from([",", '"', "\n", "\r", "", " "])


@given(st.lists(st.lists(cells, min_size=1, max_size=4), min_size=1, max_size=5))
def test_a_staged_row_is_the_line_csv_writes_for_it(rows):
    """Rows written without the csv module when no cell needs quoting must be the same bytes."""
    width = max(len(row) for row in rows)
    rows = [row + [None] * (width - len(row)) for row in rows]
    stage = IngestStage([f"F{n}" for n in range(width)])
    for row in rows:
        stage.add(row)
    expected = io.StringIO()
    writer = csv.writer(expected, lineterminator="\n")
    writer.writerow([f"F{n}" for n in range(width)])
    writer.writerows([NULL if cell is None else cell for cell in row] for row in rows)

    (part,) = _parts(stage)

    assert part == expected.getvalue().encode()
    stage.close()


def test_a_row_with_a_number_is_written_by_csv():
    stage = IngestStage(["Id", "Count__c"])
    stage.add(("a0B000000000001AAA", 3))

    (part,) = _parts(stage)

    assert part == b"Id,Count__c\na0B000000000001AAA,3\n"
    stage.close()


def test_a_sort_run_reads_back_block_by_block_exactly_as_written(monkeypatch, tmp_path):
    """Cells CSV would quote (commas, quotes, line breaks) and any text come back unchanged,
    over several blocks and a last short one."""
    monkeypatch.setattr(salesforce_bulk, "RUN_BLOCK_ROWS", 2)
    rows = [
        ["00v000000000001AAA", 'a "quoted", cell'],
        ["00v000000000002AAA", "two\nlines"],
        ["00v000000000003AAA", "Zoë Ærø 会议"],
        ["00v000000000004AAA", ""],
        ["00v000000000005AAA", "#N/A"],
    ]

    path = _write_run(rows, str(tmp_path), 0)
    with open(path, "rb") as run:
        blocks = list(_run_blocks(run))

    assert [len(block) for block in blocks] == [2, 2, 1]
    assert [row for block in blocks for row in block] == rows


def _read_both(text: str) -> tuple[list[list[str]], list[list[str]]]:
    return (
        list(csv_rows(io.StringIO(text, newline=""))),
        list(csv.reader(io.StringIO(text, newline=""))),
    )


@given(
    st.lists(st.lists(cells.filter(lambda cell: cell is not None), max_size=4), max_size=5),
    st.sampled_from(["\n", "\r\n"]),
    st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]),
)
def test_rows_are_read_as_csv_reads_them(rows, line_ending, quoting):
    """What Salesforce writes (CSV, LF or CRLF line endings, every cell quoted in Bulk results,
    quoted cells spanning lines): the split read and csv's agree row for row."""
    text = io.StringIO()
    csv.writer(text, lineterminator=line_ending, quoting=quoting).writerows(rows)

    fast, expected = _read_both(text.getvalue())

    assert fast == expected


@given(st.text(alphabet='ab,"\r\n ', max_size=40))
def test_any_text_is_read_as_csv_reads_it(text):
    """Even text no CSV writer makes (a stray quote, a bare CR, blank lines)."""
    fast, expected = _read_both(text)

    assert fast == expected


@given(
    st.lists(st.text(max_size=6), unique=True, max_size=60).flatmap(
        lambda keys: st.tuples(
            st.just(keys),
            st.lists(st.integers(0, 5), min_size=len(keys), max_size=len(keys)),
            st.integers(1, 7),
        )
    )
)
def test_merged_runs_give_every_row_once_in_key_order(case):
    """Rows (unique keys) dealt to up to six sorted runs, each read in blocks of any size."""
    keys, runs_of, block_rows = case
    runs: list[list[list[str]]] = [[] for _ in range(6)]
    for key, run in zip(keys, runs_of, strict=True):
        runs[run].append(["row", key])
    blocked = [
        iter(
            [
                tuple(block)
                for block in batched(sorted(run, key=lambda row: row[1]), block_rows, strict=False)
            ]
        )
        for run in runs
    ]

    merged = list(merge_blocks(blocked, 1))

    assert merged == sorted((row for run in runs for row in run), key=lambda row: row[1])
