"""Salesforce-shaped record ids: key prefixes, sequential 15-char ids, the 18-char case-safe suffix."""

from __future__ import annotations

import string
import zlib
from functools import lru_cache

# Real key prefixes for the standard objects the project touches; others get a stable made-up one.
STANDARD_KEY_PREFIXES = {
    "Account": "001",
    "Contact": "003",
    "Opportunity": "006",
    "OpportunityContactRole": "00K",
    "User": "005",
    "Organization": "00D",
    "Group": "00G",
    "Lead": "00Q",
    "Task": "00T",
    "Event": "00U",
    "CampaignMember": "00v",
    "CampaignMemberStatus": "01Y",
    "Case": "500",
    "Campaign": "701",
}
QUERY_LOCATOR_PREFIX = "01g"
BULK_JOB_PREFIX = "750"  # Bulk API 2.0 query and ingest jobs

BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
_SUFFIX_ALPHABET = string.ascii_uppercase + "012345"
# Pod/instance part of the id; real ids carry the org's pod here.
_POD = "5g0"
_COUNTER_WIDTH = 9


def checksum_suffix(id15: str) -> str:
    """The 3-character suffix Salesforce appends: one char per 5-char chunk, encoding which
    characters of the chunk are upper case, so the 18-char id survives case-insensitive systems."""
    suffix = []
    for start in (0, 5, 10):
        flags = 0
        for bit, char in enumerate(id15[start : start + 5]):
            if "A" <= char <= "Z":
                flags |= 1 << bit
        suffix.append(_SUFFIX_ALPHABET[flags])
    return "".join(suffix)


@lru_cache(maxsize=1 << 21)  # every query compares ids; at a million members this is most of it
def to_18(record_id: str) -> str | None:
    """The canonical 18-char form of a 15- or 18-char id (restoring case from the suffix, as
    Salesforce does), or None when the text is not id-shaped."""
    if not isinstance(record_id, str) or not record_id.isalnum() or not record_id.isascii():
        return None
    if len(record_id) == 15:
        return record_id + checksum_suffix(record_id)
    if len(record_id) != 18:
        return None
    suffix = record_id[15:].upper()
    if any(char not in _SUFFIX_ALPHABET for char in suffix):
        return None
    chars = list(record_id[:15])
    for chunk, code in enumerate(suffix):
        flags = _SUFFIX_ALPHABET.index(code)
        for bit in range(5):
            position = chunk * 5 + bit
            upper = bool(flags & (1 << bit))
            if chars[position].isalpha():
                chars[position] = chars[position].upper() if upper else chars[position].lower()
            elif upper:
                return None  # the suffix claims an upper-case letter where there is a digit
    id15 = "".join(chars)
    return id15 + checksum_suffix(id15)


def is_valid_id(record_id: object) -> bool:
    return isinstance(record_id, str) and to_18(record_id) is not None


class IdFactory:
    """Hands out sequential ids per key prefix and remembers which prefix belongs to which type."""

    def __init__(self) -> None:
        self._prefix_by_type: dict[str, str] = dict(STANDARD_KEY_PREFIXES)
        self._type_by_prefix: dict[str, str] = {p: t for t, p in STANDARD_KEY_PREFIXES.items()}
        self._counters: dict[str, int] = {}

    def prefix_for(self, sobject: str) -> str:
        prefix = self._prefix_by_type.get(sobject)
        if prefix is None:
            prefix = self._invent_prefix(sobject)
            self._prefix_by_type[sobject] = prefix
            self._type_by_prefix[prefix] = sobject
        return prefix

    def type_for(self, record_id: str) -> str | None:
        return self._type_by_prefix.get(record_id[:3]) if isinstance(record_id, str) else None

    def new_id(self, sobject: str) -> str:
        return self.new_id_with_prefix(self.prefix_for(sobject))

    def new_id_with_prefix(self, prefix: str) -> str:
        count = self._counters.get(prefix, 0) + 1
        self._counters[prefix] = count
        digits = []
        for _ in range(_COUNTER_WIDTH):
            count, remainder = divmod(count, 62)
            digits.append(BASE62[remainder])
        id15 = prefix + _POD + "".join(reversed(digits))
        return id15 + checksum_suffix(id15)

    def _invent_prefix(self, sobject: str) -> str:
        # Custom objects get "a" + 2 chars (a0X-like), others "0" + 2 chars; the hash keeps a type's
        # prefix the same from run to run, probing past collisions.
        lead = "a" if sobject.lower().endswith("__c") else "0"
        slot = zlib.crc32(sobject.lower().encode()) % (62 * 62)
        while True:
            prefix = lead + BASE62[slot // 62] + BASE62[slot % 62]
            if prefix not in self._type_by_prefix and prefix not in (
                QUERY_LOCATOR_PREFIX,
                BULK_JOB_PREFIX,
            ):
                return prefix
            slot = (slot + 1) % (62 * 62)
