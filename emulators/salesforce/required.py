"""Fields the org requires on writes through the API, as a real org requires LastName and Company
on a Lead. Opt-in per object (`SalesforceEmulator.require_fields`), so existing tests keep their
data; seeding (trusted inserts) is exempt, as data loaded by an admin would be."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from .errors import RecordError


class RequiredFields:
    def __init__(self) -> None:
        self._fields: dict[str, tuple[str, ...]] = {}

    def require(self, sobject: str, fields: Iterable[str]) -> None:
        known = self._fields.get(sobject.lower(), ())
        self._fields[sobject.lower()] = tuple(dict.fromkeys([*known, *fields]))

    def check(self, sobject: str, record: Mapping[str, object]) -> None:
        """REQUIRED_FIELD_MISSING when a required field is absent or blank after the write."""
        required = self._fields.get(sobject.lower(), ())
        if not required:
            return
        values = {name.lower(): value for name, value in record.items()}
        missing = [field for field in required if values.get(field.lower()) in (None, "")]
        if missing:
            raise RecordError(
                "REQUIRED_FIELD_MISSING",
                f"Required fields are missing: [{', '.join(missing)}]",
                missing,
            )
