"""Runs a parsed SOQL query against the store and shapes the rows the way the APIs return them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, timedelta

from . import soql
from .errors import ApiError, malformed_query
from .ids import is_valid_id, to_18
from .permissions import UnrestrictedAccess
from .schema import Schema, relationship_field, relationship_name
from .store import Store
from .values import BOOLEAN, DATE, DATETIME, NUMBER, STRING, kind_of_value, parse_date
from .values import parse_datetime as _parse_dt

_TYPE_WORDS = {DATE: "date", DATETIME: "dateTime", BOOLEAN: "boolean", NUMBER: "double"}
_LITERAL_KINDS = {"string": STRING, "number": NUMBER, "boolean": BOOLEAN, "date": DATE}


@dataclass
class QueryResult:
    query: soql.Query
    sobject: str
    records: list[dict]  # the matching store records, in result order

    @property
    def total_size(self) -> int:
        return len(self.records)


class QueryEngine:
    def __init__(self, store: Store, schema: Schema) -> None:
        self.store = store
        self.schema = schema
        self.access = UnrestrictedAccess()  # what the API user may see

    def run(self, text: str, include_deleted: bool = False) -> QueryResult:
        try:
            query = soql.parse(text)
        except soql.SoqlSyntaxError as error:
            raise malformed_query(str(error)) from None
        sobject = self.schema.object_name(query.sobject)
        if sobject is None or not self.access.can_read_object(sobject):
            raise ApiError(
                400,
                "INVALID_TYPE",
                f"\n{_excerpt(text, query.sobject_pos)}sObject type '{query.sobject}' is not "
                "supported. If you are attempting to use a custom object, be sure to append the "
                "'__c' after the entity name. Please reference your WSDL or the describe call for "
                "the appropriate names.",
            )
        self._check_fields(text, sobject, query)
        records = [
            record
            for record in self.store.records(sobject, include_deleted)
            if query.where is None or self._matches(sobject, record, query.where)
        ]
        for item in reversed(query.order_by):
            records = self._sorted(sobject, records, item)
        start = query.offset or 0
        end = start + query.limit if query.limit is not None else None
        return QueryResult(query, sobject, records[start:end])

    # -- field checks --------------------------------------------------------------------------
    def _check_fields(self, text: str, sobject: str, query: soql.Query) -> None:
        seen = set()
        refs = list(query.fields) + [item.field for item in query.order_by]
        refs += list(_condition_fields(query.where))
        for ref in query.fields:
            key = ref.text.lower()
            if key in seen:
                raise malformed_query(f"duplicate field selected: {ref.text}")
            seen.add(key)
        for ref in refs:
            self._check_path(text, sobject, ref)
            self._check_access(text, sobject, ref)

    def _check_path(self, text: str, sobject: str, ref: soql.FieldRef) -> None:
        # Only objects whose fields were declared are checked; others accept any field name.
        if not self.schema.is_strict(sobject):
            return
        if len(ref.parts) > 1:
            lookup = relationship_field(ref.parts[0])
            if self.schema.field_name(sobject, lookup) is None:
                raise _no_relationship(text, ref, ref.parts[0])
        elif self.schema.field_name(sobject, ref.parts[0]) is None:
            raise _no_such_column(text, ref, ref.parts[0], sobject)

    def _check_access(self, text: str, sobject: str, ref: soql.FieldRef) -> None:
        """A field the user cannot read, or a relationship to an object it cannot read, is
        unknown to the API: the same errors as for names that do not exist."""
        if not self.access.enforced:
            return
        owner = sobject
        for relationship in ref.parts[:-1]:
            if not self.access.can_read_field(owner, relationship_field(relationship)):
                raise _no_relationship(text, ref, relationship)
            target = self.access.relationship_target(owner, relationship)
            if target is None:
                return  # a lookup whose target the metadata does not name: not checked further
            if not self.access.can_read_object(target):
                raise _no_relationship(text, ref, relationship)
            owner = target
        if not self.access.can_read_field(owner, ref.parts[-1]):
            raise _no_such_column(text, ref, ref.parts[-1], owner)

    # -- values along a path -------------------------------------------------------------------
    def resolve(self, sobject: str, record: dict | None, parts: tuple[str, ...]):
        """(object type, field name, value) at the end of a relationship path; value None when
        a lookup on the way is empty."""
        for relationship in parts[:-1]:
            if record is None:
                return None, parts[-1], None
            lookup = self.schema.field_name(sobject, relationship_field(relationship))
            target = self.store.follow(record.get(lookup)) if lookup else None
            sobject, record = target if target else (None, None)
        if record is None:
            return sobject, parts[-1], None
        name = self.schema.field_name(sobject, parts[-1])
        return sobject, name or parts[-1], record.get(name) if name else None

    # -- WHERE ---------------------------------------------------------------------------------
    def _matches(self, sobject: str, record: dict, node: object) -> bool:
        if isinstance(node, soql.BoolOp):
            check = all if node.op == "AND" else any
            return check(self._matches(sobject, record, operand) for operand in node.operands)
        if isinstance(node, soql.Not):
            return not self._matches(sobject, record, node.operand)
        owner, name, value = self.resolve(sobject, record, node.field.parts)
        kind = (self.schema.field_kind(owner, name) if owner else None) or kind_of_value(value)
        if isinstance(node, soql.Like):
            if kind not in (STRING, None):
                raise _type_error(node.field.text, kind)
            return isinstance(value, str) and bool(_like_regex(node.pattern).fullmatch(value))
        if isinstance(node, soql.InList):
            found = any(self._equal(node.field.text, kind, value, lit) for lit in node.literals)
            return found != node.negated
        if node.op == "=":
            return self._equal(node.field.text, kind, value, node.literal)
        if node.op == "!=":
            return not self._equal(node.field.text, kind, value, node.literal)
        return self._ordered(node.field.text, kind, value, node.op, node.literal)

    def _equal(self, field: str, kind: str | None, value: object, literal: soql.Literal) -> bool:
        if literal.kind == "null":
            return value is None
        _check_kind(field, kind, literal)
        if value is None:
            return False
        if literal.kind == "relative":
            return self._in_range(value, literal, "=")
        left, right = _comparable(value, literal, field)
        return left is not None and left == right

    def _ordered(
        self, field: str, kind: str | None, value: object, op: str, literal: soql.Literal
    ) -> bool:
        if literal.kind in ("null", "boolean"):
            raise malformed_query(
                f"invalid operator on {literal.kind} value: {field} {op} {literal.text}"
            )
        _check_kind(field, kind, literal)
        if value is None:
            return False
        if literal.kind == "relative":
            return self._in_range(value, literal, op)
        left, right = _comparable(value, literal, field)
        if left is None:
            return False
        return {"<": left < right, "<=": left <= right, ">": left > right, ">=": left >= right}[op]

    def _in_range(self, value: object, literal: soql.Literal, op: str) -> bool:
        # Relative date literals are whole-day ranges (in UTC here; Salesforce uses the user's
        # time zone); a DateTime is compared by the day it falls on.
        day = parse_date(value) or (
            _parse_dt(value).astimezone(UTC).date() if _parse_dt(value) else None
        )
        if day is None:
            return False
        first, last = _relative_range(literal.value, self.store.clock().astimezone(UTC).date())
        return {
            "=": first <= day <= last,
            "<": day < first,
            "<=": day <= last,
            ">": day > last,
            ">=": day >= first,
        }[op]

    # -- ORDER BY ------------------------------------------------------------------------------
    def _sorted(self, sobject: str, records: list[dict], item: soql.OrderItem) -> list[dict]:
        keyed = [(self.resolve(sobject, record, item.field.parts)[2], record) for record in records]
        present = [(value, record) for value, record in keyed if value is not None]
        missing = [record for value, record in keyed if value is None]
        is_id = _is_id_field(item.field.parts[-1])
        present.sort(key=lambda pair: _sort_key(pair[0], is_id), reverse=item.descending)
        ordered = [record for _, record in present]
        return missing + ordered if item.nulls_first else ordered + missing

    # -- shaping -------------------------------------------------------------------------------
    def to_json(self, result: QueryResult, version: str) -> list[dict]:
        return [
            self._shape(result.sobject, record, [ref.parts for ref in result.query.fields], version)
            for record in result.records
        ]

    def _shape(self, sobject: str, record: dict, paths: list[tuple], version: str) -> dict:
        out: dict = {"attributes": attributes(sobject, record["Id"], version)}
        done: set[str] = set()
        for parts in paths:
            if len(parts) == 1:
                name = self.schema.field_name(sobject, parts[0])
                out[name or parts[0]] = record.get(name) if name else None
                continue
            relationship = parts[0]
            if relationship.lower() in done:
                continue
            done.add(relationship.lower())
            lookup = self.schema.field_name(sobject, relationship_field(relationship))
            key = relationship_name(lookup) if lookup else relationship
            target = self.store.follow(record.get(lookup)) if lookup else None
            children = [p[1:] for p in paths if len(p) > 1 and p[0].lower() == relationship.lower()]
            out[key] = self._shape(target[0], target[1], children, version) if target else None
        return out

    def column_names(self, result: QueryResult) -> list[str]:
        """CSV headers as Bulk API 2.0 writes them (Lead.Email), in the org's spelling."""
        return [self._spelling(result, ref.parts) for ref in result.query.fields]

    def _spelling(self, result: QueryResult, parts: tuple[str, ...]) -> str:
        sobject, spelled = result.sobject, []
        records: list = list(result.records)
        for relationship in parts[:-1]:
            lookup = self.schema.field_name(sobject, relationship_field(relationship))
            spelled.append(relationship_name(lookup) if lookup else relationship)
            # the parent type is whatever the lookups of these rows point at
            targets = [self.store.follow(r.get(lookup)) for r in records] if lookup else []
            targets = [t for t in targets if t]
            sobject = targets[0][0] if targets else ""
            records = [t[1] for t in targets]
        spelled.append(
            (self.schema.field_name(sobject, parts[-1]) if sobject else None) or parts[-1]
        )
        return ".".join(spelled)

    def to_rows(self, result: QueryResult) -> list[list[object]]:
        """The selected values of each record, as `resolve` finds them (field names are looked up
        once per object type, not once per row: a Bulk job shapes up to millions of rows)."""
        names: dict[tuple[str, str], str | None] = {}

        def name(sobject: str, field: str) -> str | None:
            key = (sobject, field)
            if key not in names:
                names[key] = self.schema.field_name(sobject, field)
            return names[key]

        def value(record: dict, parts: tuple[str, ...]) -> object:
            sobject = result.sobject
            for relationship in parts[:-1]:
                lookup = name(sobject, relationship_field(relationship))
                target = self.store.follow(record.get(lookup)) if lookup else None
                if target is None:
                    return None
                sobject, record = target
            field = name(sobject, parts[-1])
            return record.get(field) if field else None

        paths = [ref.parts for ref in result.query.fields]
        return [[value(record, parts) for parts in paths] for record in result.records]


def attributes(sobject: str, record_id: str, version: str) -> dict:
    return {"type": sobject, "url": f"/services/data/v{version}/sobjects/{sobject}/{record_id}"}


def _condition_fields(node: object):
    if isinstance(node, soql.BoolOp):
        for operand in node.operands:
            yield from _condition_fields(operand)
    elif isinstance(node, soql.Not):
        yield from _condition_fields(node.operand)
    elif node is not None:
        yield node.field


def _no_relationship(text: str, ref: soql.FieldRef, relationship: str) -> ApiError:
    return ApiError(
        400,
        "INVALID_FIELD",
        f"\n{_excerpt(text, ref.pos)}Didn't understand relationship '{relationship}' in field "
        "path.",
    )


def _no_such_column(text: str, ref: soql.FieldRef, field: str, sobject: str) -> ApiError:
    return ApiError(
        400,
        "INVALID_FIELD",
        f"\n{_excerpt(text, ref.pos)}No such column '{field}' on entity '{sobject}'. If you are "
        "attempting to use a custom field, be sure to append the '__c' after the custom field "
        "name. Please reference your WSDL or the describe call for the appropriate names.",
    )


def _excerpt(text: str, pos: int) -> str:
    line_start = text.rfind("\n", 0, pos) + 1
    line_end = text.find("\n", pos)
    line = text[line_start : line_end if line_end != -1 else len(text)]
    column = pos - line_start
    return f"{line}\n{' ' * column}^\nERROR at Row:1:Column:{column + 1}\n"


def _type_error(field: str, kind: str | None) -> ApiError:
    if kind == STRING:
        return ApiError(
            400,
            "INVALID_FIELD",
            f"value of filter criterion for field '{field}' must be of type string and should "
            "be enclosed in quotes",
        )
    return ApiError(
        400,
        "INVALID_FIELD",
        f"value of filter criterion for field '{field}' must be of type "
        f"{_TYPE_WORDS.get(kind, kind)} and should not be enclosed in quotes",
    )


def _check_kind(field: str, kind: str | None, literal: soql.Literal) -> None:
    """Salesforce checks a literal against the field's type; a mismatch is an error, not a miss."""
    if kind is None or literal.kind == "null":
        return
    if literal.kind == "relative":
        if kind not in (DATE, DATETIME):
            raise _type_error(field, kind)
        return
    expected = DATETIME if literal.kind == "datetime" else _LITERAL_KINDS[literal.kind]
    if expected != kind:
        raise _type_error(field, kind)


def _is_id_field(field: str) -> bool:
    """Id and standard lookup fields (CampaignId, LeadId) hold record ids."""
    return field.lower() == "id" or (field.endswith("Id") and not field.endswith("__c"))


def _id_key(value: str) -> str:
    """Ids order by their case-sensitive 15-character form (base62: 0-9 < A-Z < a-z), which is
    how `WHERE Id > :last ORDER BY Id` keyset paging walks a table in Salesforce."""
    return (to_18(value) or value)[:15]


def _comparable(value: object, literal: soql.Literal, field: str = "") -> tuple[object, object]:
    if literal.kind == "datetime":
        moment = _parse_dt(value)
        return moment, literal.value
    if literal.kind == "date":
        return parse_date(value), literal.value
    if literal.kind == "number":
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None, None
        return float(value), float(literal.value)
    if literal.kind == "boolean":
        return (value if isinstance(value, bool) else None), literal.value
    # strings compare case-insensitively, as in Salesforce; a 15-char id literal matches the
    # stored 18-char id (the suffix encodes the case, so folding stays exact for ids)
    if not isinstance(value, str):
        return None, None
    right = literal.value
    if _is_id_field(field) and is_valid_id(value) and is_valid_id(right):
        return _id_key(value), _id_key(right)
    if len(right) == 15 and len(value) == 18 and to_18(right):
        right = to_18(right)
    return value.casefold(), right.casefold()


def _relative_range(spec: tuple[str, int], today: date) -> tuple[date, date]:
    word, count = spec
    if word == "TODAY":
        return today, today
    if word == "YESTERDAY":
        return today - timedelta(days=1), today - timedelta(days=1)
    if word == "TOMORROW":
        return today + timedelta(days=1), today + timedelta(days=1)
    if word == "LAST_N_DAYS":
        return today - timedelta(days=count), today
    return today + timedelta(days=1), today + timedelta(days=count)  # NEXT_N_DAYS


def _like_regex(pattern: str) -> re.Pattern:
    out, index = [], 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\" and pattern[index + 1 : index + 2] in ("%", "_"):
            out.append(re.escape(pattern[index + 1]))
            index += 2
            continue
        out.append(".*" if char == "%" else "." if char == "_" else re.escape(char))
        index += 1
    return re.compile("".join(out), re.IGNORECASE | re.DOTALL)


def _sort_key(value: object, is_id: bool = False) -> tuple:
    if is_id and is_valid_id(value):
        return (3, _id_key(value))
    if isinstance(value, bool):
        return (0, int(value))
    if isinstance(value, int | float):
        return (1, float(value))
    moment = _parse_dt(value)
    if moment is not None:
        return (2, moment.astimezone(UTC).replace(tzinfo=None).isoformat())
    return (3, str(value).casefold())
