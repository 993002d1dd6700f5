"""The walk over a campaign's members in Id order, a chunk at a time (REST pages, or a Bulk
query's sorted rows), and what Salesforce holds beside it."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from touchpoints.ports.salesforce import BulkJob, RecomputeSalesforcePort
from touchpoints.rules.keys import touchpoint_key
from touchpoints.rules.models import Member, Touchpoint

REST_CHUNK = 2000  # one REST query page; also the chunk a Bulk query's sorted rows are walked in


class MemberOrderError(RuntimeError):
    """Members came out of Id order; the range merge would misread removals."""


class HeldTouchpoints:
    """Our touchpoints on the campaign as Salesforce holds them, in key order (a key is the
    member id behind a prefix, so key order is Id order), taken a member range at a time beside
    the walk; one in no member's range (a stray) falls in the range around its key."""

    def __init__(self, touchpoints: Iterator[tuple[Touchpoint, str]]) -> None:
        self._touchpoints = touchpoints
        self._next = next(touchpoints, None)

    def upto(self, member_id: str | None) -> dict[str, tuple[Touchpoint, str | None]]:
        """Those up to the member's key (all the rest when None), by key."""
        limit = touchpoint_key(member_id) if member_id else None
        found: dict[str, tuple[Touchpoint, str | None]] = {}
        while self._next is not None and (limit is None or self._next[0].key <= limit):
            touchpoint, record_id = self._next
            found[touchpoint.key] = (touchpoint, record_id)
            self._next = next(self._touchpoints, None)
        return found


def with_last[T](items: Iterable[list[T]]) -> Iterator[tuple[list[T], bool]]:
    """Each chunk with whether it is the last; no chunks at all reads as one empty last chunk."""
    iterator = iter(items)
    previous = next(iterator, None)
    if previous is None:
        yield [], True
        return
    for item in iterator:
        yield previous, False
        previous = item
    yield previous, True


def check_order(members: list[Member], after_id: str) -> None:
    last = after_id[:15]
    for member in members:
        if member.id[:15] <= last:
            raise MemberOrderError(f"member {member.id} came after {last} in an Id-ordered read")
        last = member.id[:15]


def member_chunks(
    salesforce: RecomputeSalesforcePort,
    campaign_id: str,
    after_id: str,
    chunk_size: int,
    query_job: BulkJob | None,
) -> Iterator[list[Member]]:
    """The members after `after_id`, a chunk at a time: from the Bulk query job's sorted rows
    when the run read them through Bulk, else REST page by page."""
    if query_job is not None:
        yield from salesforce.sorted_member_chunks(query_job, after_id, chunk_size)
        return
    while True:
        chunk = salesforce.member_chunk(campaign_id, after_id, chunk_size)
        yield chunk
        if len(chunk) < chunk_size:
            return
        after_id = chunk[-1].id
