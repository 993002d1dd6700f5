"""Rule: a Salesforce record id is 15 case-sensitive alphanumerics, or those 15 followed by a
3-character suffix that encodes their case; the 18-character form is the one we store and compare.

Salesforce returns the 18-character form from every API and accepts it in any case (the suffix says
which letters are upper case), so a 15-character id, its 18-character form and that form in another
case are one record. Anything else is not a Salesforce id.
"""

import string

ID_15_LENGTH = 15
ID_18_LENGTH = 18
_ALPHANUMERIC = frozenset(string.ascii_letters + string.digits)
# One suffix character per 5-character chunk: bit n is set when the chunk's n-th char is upper case.
_SUFFIX_ALPHABET = string.ascii_uppercase + "012345"


def case_suffix(id15: str) -> str:
    """The 3 characters Salesforce appends to a 15-character id to make it case-insensitive."""
    suffix = []
    for start in range(0, ID_15_LENGTH, 5):
        flags = sum(1 << bit for bit, char in enumerate(id15[start : start + 5]) if char.isupper())
        suffix.append(_SUFFIX_ALPHABET[flags])
    return "".join(suffix)


def canonical_id(text: str | None) -> str | None:
    """The 18-character form of a 15- or 18-character Salesforce id, or None when `text` is not one.

    An 18-character id is read case-insensitively, as Salesforce reads it: its suffix restores the
    case of the first 15 characters. A suffix that marks a digit as upper case is not an id.
    """
    if not isinstance(text, str) or len(text) not in (ID_15_LENGTH, ID_18_LENGTH):
        return None
    if not _ALPHANUMERIC.issuperset(text):
        return None
    if len(text) == ID_15_LENGTH:
        return text + case_suffix(text)
    suffix = text[ID_15_LENGTH:].upper()
    if not set(_SUFFIX_ALPHABET).issuperset(suffix):
        return None
    chars = list(text[:ID_15_LENGTH])
    for chunk, code in enumerate(suffix):
        flags = _SUFFIX_ALPHABET.index(code)
        for bit in range(5):
            position = chunk * 5 + bit
            upper = bool(flags >> bit & 1)
            if chars[position].isalpha():
                chars[position] = chars[position].upper() if upper else chars[position].lower()
            elif upper:
                return None
    id15 = "".join(chars)
    return id15 + suffix


CONTACT_KEY_PREFIX = "003"  # a Contact id starts so in every org (a Lead's with 00Q)


def is_contact_id(record_id: str) -> bool:
    """A person id names a contact (else a lead): ids carry their object's key prefix."""
    return record_id.startswith(CONTACT_KEY_PREFIX)
