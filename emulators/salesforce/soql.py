"""A tokenizer and recursive-descent parser for the subset of SOQL the emulator runs.

Grammar (keywords case-insensitive; AND and OR may not be mixed at one level without parentheses,
as in Salesforce):

    query      := SELECT select_list FROM name [WHERE condition]
                  [ORDER BY order_item ("," order_item)*] [LIMIT int] [OFFSET int]
    select_list:= "COUNT" "(" ")" | field ("," field)*
    condition  := unary (AND unary)* | unary (OR unary)*
    unary      := NOT unary | "(" condition ")" | field comparison
    comparison := op literal | [NOT] IN "(" literal ("," literal)* ")" | LIKE string
    op         := "=" | "!=" | "<>" | "<" | "<=" | ">" | ">="
    literal    := string | number | date | datetime | NULL | TRUE | FALSE
                | TODAY | YESTERDAY | TOMORROW | LAST_N_DAYS:n | NEXT_N_DAYS:n
    order_item := field [ASC | DESC] [NULLS (FIRST | LAST)]

Anything else (subqueries, GROUP BY, aggregates other than COUNT(), bind variables...) is refused
with MALFORMED_QUERY, the way Salesforce refuses a query it cannot parse.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .values import parse_date, parse_datetime


class SoqlSyntaxError(Exception):
    """A malformed query; the message is formatted like Salesforce's MALFORMED_QUERY text."""


# -- tokens ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Token:
    kind: str  # IDENT, STRING, NUMBER, DATE, DATETIME, RELATIVE, OP, "(", ")", ",", EOF
    text: str
    value: object
    pos: int

    def is_keyword(self, *words: str) -> bool:
        return self.kind == "IDENT" and self.text.upper() in words


_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:?\d{2})")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?![\w:])")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?![\w.])")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")
_RELATIVE = re.compile(r"(LAST_N_DAYS|NEXT_N_DAYS):(\d+)", re.IGNORECASE)
_OPERATORS = ("!=", "<>", "<=", ">=", "=", "<", ">")
_ESCAPES = {
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "b": "\b",
    "f": "\f",
    '"': '"',
    "'": "'",
    "\\": "\\",
    # kept escaped: only LIKE gives \_ and \% a meaning (a literal _ or %)
    "_": "\\_",
    "%": "\\%",
}


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    pos = 0
    while pos < len(text):
        char = text[pos]
        if char.isspace():
            pos += 1
            continue
        if char == "'":
            value, end = _read_string(text, pos)
            tokens.append(Token("STRING", text[pos:end], value, pos))
            pos = end
            continue
        if char in "(),":
            tokens.append(Token(char, char, char, pos))
            pos += 1
            continue
        operator = next((op for op in _OPERATORS if text.startswith(op, pos)), None)
        if operator:
            tokens.append(Token("OP", operator, "!=" if operator == "<>" else operator, pos))
            pos += len(operator)
            continue
        if match := _DATETIME.match(text, pos):
            moment = parse_datetime(match.group())
            if moment is None:
                raise _error(text, pos, match.group())
            tokens.append(Token("DATETIME", match.group(), moment, pos))
        elif match := _DATE.match(text, pos):
            day = parse_date(match.group())
            if day is None:
                raise _error(text, pos, match.group())
            tokens.append(Token("DATE", match.group(), day, pos))
        elif match := _NUMBER.match(text, pos):
            literal = match.group()
            number = float(literal) if "." in literal else int(literal)
            tokens.append(Token("NUMBER", literal, number, pos))
        elif match := _RELATIVE.match(text, pos):
            tokens.append(
                Token("RELATIVE", match.group(), (match.group(1).upper(), int(match.group(2))), pos)
            )
        elif match := _IDENT.match(text, pos):
            tokens.append(Token("IDENT", match.group(), match.group(), pos))
        else:
            hint = " (bind variables are not supported)" if char == ":" else ""
            raise _error(text, pos, char, hint)
        pos = match.end()
    tokens.append(Token("EOF", "<EOF>", None, len(text)))
    return tokens


def _read_string(text: str, start: int) -> tuple[str, int]:
    out = []
    pos = start + 1
    while pos < len(text):
        char = text[pos]
        if char == "'":
            return "".join(out), pos + 1
        if char == "\\":
            escaped = text[pos + 1 : pos + 2]
            if escaped not in _ESCAPES:
                raise SoqlSyntaxError(
                    f"Invalid string literal '{text[start:]}'. Illegal character sequence "
                    f"'\\{escaped}' in string literal."
                )
            out.append(_ESCAPES[escaped])
            pos += 2
            continue
        out.append(char)
        pos += 1
    raise SoqlSyntaxError(f"Invalid string literal '{text[start:]}'. Missing closing quote.")


def _error(text: str, pos: int, found: str, hint: str = "") -> SoqlSyntaxError:
    """Salesforce's MALFORMED_QUERY layout: the line, a caret, the row/column, the token."""
    line_start = text.rfind("\n", 0, pos) + 1
    line_end = text.find("\n", pos)
    line = text[line_start : line_end if line_end != -1 else len(text)]
    row = text.count("\n", 0, pos) + 1
    column = pos - line_start
    return SoqlSyntaxError(
        f"\n{line}\n{' ' * column}^\nERROR at Row:{row}:Column:{column + 1}\n"
        f"unexpected token: {found}{hint}"
    )


# -- syntax tree -------------------------------------------------------------------------------
@dataclass(frozen=True)
class FieldRef:
    parts: tuple[str, ...]
    pos: int

    @property
    def text(self) -> str:
        return ".".join(self.parts)


@dataclass(frozen=True)
class Literal:
    kind: str  # string, number, boolean, null, date, datetime, relative
    value: object
    text: str


@dataclass(frozen=True)
class Compare:
    field: FieldRef
    op: str
    literal: Literal


@dataclass(frozen=True)
class InList:
    field: FieldRef
    literals: tuple[Literal, ...]
    negated: bool


@dataclass(frozen=True)
class Like:
    field: FieldRef
    pattern: str


@dataclass(frozen=True)
class Not:
    operand: object


@dataclass(frozen=True)
class BoolOp:
    op: str  # AND / OR
    operands: tuple[object, ...]


@dataclass(frozen=True)
class OrderItem:
    field: FieldRef
    descending: bool
    nulls_first: bool


@dataclass
class Query:
    sobject: str
    sobject_pos: int
    fields: list[FieldRef] = field(default_factory=list)
    count_only: bool = False
    where: object | None = None
    order_by: list[OrderItem] = field(default_factory=list)
    limit: int | None = None
    offset: int | None = None


# -- parser ------------------------------------------------------------------------------------
_UNSUPPORTED_CLAUSES = {
    "GROUP": "GROUP BY",
    "HAVING": "HAVING",
    "WITH": "WITH",
    "FOR": "FOR",
    "USING": "USING SCOPE",
    "TYPEOF": "TYPEOF",
}
_RESERVED = {"SELECT", "FROM", "WHERE", "AND", "OR", "NOT", "IN", "LIKE", "ORDER", "BY", "LIMIT"}
_RELATIVE_WORDS = {"TODAY", "YESTERDAY", "TOMORROW"}


def parse(text: str) -> Query:
    return _Parser(text).parse_query()


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.index = 0

    # token helpers
    @property
    def current(self) -> Token:
        return self.tokens[self.index]

    def advance(self) -> Token:
        token = self.current
        self.index += 1
        return token

    def fail(self, token: Token | None = None, hint: str = "") -> SoqlSyntaxError:
        token = token or self.current
        return _error(self.text, token.pos, token.text, hint)

    def expect_keyword(self, word: str) -> Token:
        if not self.current.is_keyword(word):
            raise self.fail()
        return self.advance()

    def expect(self, kind: str) -> Token:
        if self.current.kind != kind:
            raise self.fail()
        return self.advance()

    # grammar
    def parse_query(self) -> Query:
        self.expect_keyword("SELECT")
        fields, count_only = self.parse_select_list()
        self.expect_keyword("FROM")
        name = self.current
        if name.kind != "IDENT" or "." in name.text:
            raise self.fail()
        self.advance()
        query = Query(name.text, name.pos, fields, count_only)
        if self.current.is_keyword("WHERE"):
            self.advance()
            query.where = self.parse_condition()
        if self.current.is_keyword("ORDER"):
            self.advance()
            self.expect_keyword("BY")
            query.order_by.append(self.parse_order_item())
            while self.current.kind == ",":
                self.advance()
                query.order_by.append(self.parse_order_item())
        if self.current.is_keyword("LIMIT"):
            self.advance()
            query.limit = self.parse_count()
        if self.current.is_keyword("OFFSET"):
            self.advance()
            query.offset = self.parse_count()
        if self.current.kind != "EOF":
            word = self.current.text.upper() if self.current.kind == "IDENT" else ""
            hint = (
                f" ({_UNSUPPORTED_CLAUSES[word]} is not supported by the emulator)"
                if word in _UNSUPPORTED_CLAUSES
                else ""
            )
            raise self.fail(hint=hint)
        return query

    def parse_select_list(self) -> tuple[list[FieldRef], bool]:
        if self.current.is_keyword("COUNT") and self.tokens[self.index + 1].kind == "(":
            self.advance()
            self.advance()
            if self.current.kind != ")":
                raise self.fail(hint=" (the emulator supports COUNT() only)")
            self.advance()
            return [], True
        fields = [self.parse_select_field()]
        while self.current.kind == ",":
            self.advance()
            fields.append(self.parse_select_field())
        return fields, False

    def parse_select_field(self) -> FieldRef:
        token = self.current
        if token.kind == "(":
            raise self.fail(hint=" (relationship subqueries are not supported by the emulator)")
        if token.kind == "IDENT" and self.tokens[self.index + 1].kind == "(":
            raise self.fail(hint=" (functions in SELECT are not supported by the emulator)")
        return self.parse_field()

    def parse_field(self) -> FieldRef:
        token = self.current
        if token.kind != "IDENT" or token.text.upper() in _RESERVED:
            raise self.fail()
        self.advance()
        return FieldRef(tuple(token.text.split(".")), token.pos)

    def parse_count(self) -> int:
        token = self.current
        if token.kind != "NUMBER" or not isinstance(token.value, int) or token.value < 0:
            raise self.fail()
        self.advance()
        return token.value

    def parse_order_item(self) -> OrderItem:
        ref = self.parse_field()
        descending = False
        if self.current.is_keyword("ASC", "DESC"):
            descending = self.advance().text.upper() == "DESC"
        nulls_first = not descending
        if self.current.is_keyword("NULLS"):
            self.advance()
            if not self.current.is_keyword("FIRST", "LAST"):
                raise self.fail()
            nulls_first = self.advance().text.upper() == "FIRST"
        return OrderItem(ref, descending, nulls_first)

    def parse_condition(self) -> object:
        operands = [self.parse_unary()]
        joiner = None
        while self.current.is_keyword("AND", "OR"):
            word = self.current.text.upper()
            if joiner and word != joiner:
                # Salesforce will not guess precedence: mixing needs parentheses.
                raise self.fail()
            joiner = word
            self.advance()
            operands.append(self.parse_unary())
        return BoolOp(joiner, tuple(operands)) if joiner else operands[0]

    def parse_unary(self) -> object:
        if self.current.is_keyword("NOT"):
            self.advance()
            return Not(self.parse_unary())
        if self.current.kind == "(":
            self.advance()
            inner = self.parse_condition()
            self.expect(")")
            return inner
        return self.parse_comparison()

    def parse_comparison(self) -> object:
        ref = self.parse_field()
        token = self.current
        if token.kind == "OP":
            self.advance()
            return Compare(ref, token.value, self.parse_literal())
        negated = False
        if token.is_keyword("NOT"):
            self.advance()
            negated = True
            if not self.current.is_keyword("IN"):
                raise self.fail()
        if self.current.is_keyword("IN"):
            self.advance()
            self.expect("(")
            if self.current.is_keyword("SELECT"):
                raise self.fail(hint=" (semi-join subqueries are not supported by the emulator)")
            literals = [self.parse_literal()]
            while self.current.kind == ",":
                self.advance()
                literals.append(self.parse_literal())
            self.expect(")")
            return InList(ref, tuple(literals), negated)
        if self.current.is_keyword("LIKE"):
            self.advance()
            pattern = self.current
            if pattern.kind != "STRING":
                raise self.fail()
            self.advance()
            return Like(ref, pattern.value)
        if self.current.is_keyword("INCLUDES", "EXCLUDES"):
            raise self.fail(hint=" (multi-select picklist filters are not supported)")
        raise self.fail()

    def parse_literal(self) -> Literal:
        token = self.current
        kinds = {
            "STRING": "string",
            "NUMBER": "number",
            "DATE": "date",
            "DATETIME": "datetime",
            "RELATIVE": "relative",
        }
        if token.kind in kinds:
            self.advance()
            return Literal(kinds[token.kind], token.value, token.text)
        if token.kind == "IDENT":
            word = token.text.upper()
            if word == "NULL":
                self.advance()
                return Literal("null", None, token.text)
            if word in ("TRUE", "FALSE"):
                self.advance()
                return Literal("boolean", word == "TRUE", token.text)
            if word in _RELATIVE_WORDS:
                self.advance()
                return Literal("relative", (word, 0), token.text)
            raise self.fail(hint=" (this date literal is not supported by the emulator)")
        raise self.fail()
