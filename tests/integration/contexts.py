"""Lambda contexts whose remaining time the test controls."""

from __future__ import annotations

from types import SimpleNamespace

from emulators.world import lambda_context


def running_out(org, seconds: float, per_call: float) -> SimpleNamespace:
    """A context with `seconds` left at first, then `per_call` seconds fewer for every Salesforce
    call the org answers: time passes as the work does, the same on every machine."""
    context = lambda_context()
    calls_before = org.total_calls

    def remaining_millis() -> int:
        return int((seconds - (org.total_calls - calls_before) * per_call) * 1000)

    context.get_remaining_time_in_millis = remaining_millis
    return context


def short_on_time(org) -> SimpleNamespace:
    """Time for one chunk of members, not for a second: 150 s at first, 3 s a Salesforce call
    (the recompute starts a chunk only with 120 s left)."""
    return running_out(org, 150, 3)
