"""Rule: attribution is kept in step by writing only the difference (DESIGN.md, "Attribution")."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Changes[K, V]:
    """What to write (created when `K` is not held yet, else updated) and what to delete."""

    write: dict[K, V]
    delete: tuple[K, ...]


def attribution_changes[K, V](desired: Mapping[K, V], held: Mapping[K, V]) -> Changes[K, V]:
    """Only the difference is written: a wanted value missing from what Salesforce holds, or held
    with another value, is written; a held value no longer wanted is deleted; an equal one is left
    alone. Deletions come in key order, so a rerun makes the same calls."""
    write = {key: value for key, value in desired.items() if held.get(key) != value}
    delete = tuple(sorted((key for key in held if key not in desired), key=str))
    return Changes(write, delete)
