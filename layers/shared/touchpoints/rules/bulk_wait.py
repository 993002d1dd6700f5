"""Rule: how long a run waits between polls of a Bulk API 2.0 job it submitted.

A run never sleeps on a job: it asks to be woken after this long, and polls once then. Jobs of a
few thousand rows end within seconds; a million rows take minutes: the gaps grow, to a minute.
"""

FIRST_WAIT_SECONDS = 5
MAX_WAIT_SECONDS = 60


def bulk_wait_seconds(polls_so_far: int) -> int:
    """5 s before the first poll, then twice as long after each poll, up to a minute."""
    return min(FIRST_WAIT_SECONDS << max(polls_so_far, 0), MAX_WAIT_SECONDS)
