"""Rules of the Marketo program ↔ Salesforce campaign sync (reference 004, "Campaign Sync").

Pure: plain values in, plain values out; no clock, network or environment.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

# Marketo's status for "not a member"; it never appears in a Salesforce campaign.
NOT_IN_PROGRAM = "Not in Program"

ADDED = "Added to SFDC Campaign"
REMOVED = "Removed from SFDC Campaign"
STATUS_CHANGED = "Status Changed in SFDC Campaign"


class Side(StrEnum):
    MARKETO = "Marketo"
    SALESFORCE = "Salesforce"


# -- linking -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StatusCompatibility:
    """What each side lacks; empty on both sides means the two can be linked."""

    missing_in_salesforce: tuple[str, ...]
    missing_in_marketo: tuple[str, ...]

    @property
    def compatible(self) -> bool:
        return not (self.missing_in_salesforce or self.missing_in_marketo)

    def describe(self) -> str:
        parts = []
        if self.missing_in_salesforce:
            parts.append(
                "campaign member statuses missing in Salesforce: "
                + ", ".join(self.missing_in_salesforce)
            )
        if self.missing_in_marketo:
            parts.append(
                "progression statuses missing in the Marketo channel: "
                + ", ".join(self.missing_in_marketo)
            )
        return "; ".join(parts) or "statuses match"


def status_compatibility(
    program_statuses: Iterable[str], campaign_statuses: Iterable[str]
) -> StatusCompatibility:
    """A program can be linked to a campaign only when its channel's progression statuses (other
    than "Not in Program", which means no membership) and the campaign's member status labels are
    the same set of names, spelled the same, so every status on one side exists on the other."""
    program = {name for name in program_statuses if name != NOT_IN_PROGRAM}
    campaign = set(campaign_statuses)
    return StatusCompatibility(
        missing_in_salesforce=tuple(sorted(program - campaign)),
        missing_in_marketo=tuple(sorted(campaign - program)),
    )


def member_status(status: str | None) -> str | None:
    """A Marketo person whose status is "Not in Program" is not a member; None means no member."""
    return None if status in (None, "", NOT_IN_PROGRAM) else status


# -- one way: program → campaign ---------------------------------------------------------------


def program_cost(period_costs: Iterable[float | int | str]) -> Decimal:
    """A campaign's Actual Cost is the sum of its program's period costs, to the cent."""
    total = sum((Decimal(str(cost)) for cost in period_costs), Decimal(0))
    return total.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def campaign_updates(
    channel: str | None,
    period_costs: Iterable[float | int | str],
    campaign_type: str | None,
    campaign_actual_cost: float | int | str | None,
) -> dict[str, object]:
    """One way, Marketo → Salesforce: the program's channel becomes `Campaign.Type`, the sum of its
    period costs `Campaign.ActualCost`. Only fields that differ are returned, so an unchanged
    program writes nothing."""
    updates: dict[str, object] = {}
    if channel and channel != campaign_type:
        updates["Type"] = channel
    cost = program_cost(period_costs)
    current = None if campaign_actual_cost is None else program_cost([campaign_actual_cost])
    if current != cost:
        updates["ActualCost"] = float(cost)
    return updates


# -- both ways: members and statuses -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MemberDecision:
    """What one run does for one person. `status` is the agreed status afterwards (None: not a
    member); `write_to` the sides that must change to reach it; `changed_on` where a change was
    seen since the last run; `conflict` when both sides changed to different values."""

    status: str | None
    write_to: frozenset[Side]
    changed_on: frozenset[Side]
    conflict: bool = False
    winner: Side | None = None
    rule: str | None = None  # the rule that settled a conflict


def conflict_winner(marketo: str | None, salesforce: str | None, steps: Mapping[str, int]) -> Side:
    """When both sides changed a person differently since the last run, the change that keeps the
    most information wins, so the rule needs no clocks and gives the same answer on every run:
    1. being a member beats being removed (a removal can be repeated; lost progress cannot);
    2. otherwise the further progression status wins (the higher step of the program channel), as
       Marketo's own progression only moves forward;
    3. on the same step, Salesforce wins: it is where the campaign is reported and touchpoints
       are made, and the flow-action API writes there."""
    if marketo is None:
        return Side.SALESFORCE
    if salesforce is None:
        return Side.MARKETO
    if steps.get(marketo, -1) > steps.get(salesforce, -1):
        return Side.MARKETO
    return Side.SALESFORCE


CONFLICT_RULE = "member beats removed; further progression step wins; same step: Salesforce"
BACKWARD_RULE = (
    "a progression status cannot move back in Marketo (its Program Members API skips it, 1037): "
    "Marketo's step stands and Salesforce is set back to it"
)


def marketo_accepts(current: str | None, status: str, steps: Mapping[str, int]) -> bool:
    """Marketo moves a program member forward only: a status whose step is lower than the person's
    current step is skipped, so it cannot be written there (a same-step status can; one the
    channel lacks is not a step at all and is refused as such elsewhere)."""
    if current is None or status not in steps:
        return True
    return steps[status] >= steps.get(current, -1)


def merge_member(
    marketo: str | None,
    salesforce: str | None,
    base: str | None,
    steps: Mapping[str, int],
) -> MemberDecision:
    """Two-way sync of one person against the last agreed state (`base`): a change on one side is
    applied to the other; the same change on both needs no write; different changes on both are a
    conflict, settled by `conflict_winner` and written to the losing side. A Salesforce move to a
    status behind Marketo's step is not written to Marketo, where it cannot land (`marketo_stands`).
    """
    changed_on = frozenset(
        side
        for side, value in ((Side.MARKETO, marketo), (Side.SALESFORCE, salesforce))
        if value != base
    )
    if marketo == salesforce:
        return MemberDecision(marketo, frozenset(), changed_on)
    if changed_on == {Side.MARKETO}:
        return MemberDecision(marketo, frozenset({Side.SALESFORCE}), changed_on)
    if changed_on == {Side.SALESFORCE}:
        if salesforce is not None and not marketo_accepts(marketo, salesforce, steps):
            return marketo_stands(marketo, changed_on)
        return MemberDecision(salesforce, frozenset({Side.MARKETO}), changed_on)
    winner = conflict_winner(marketo, salesforce, steps)
    loser = Side.SALESFORCE if winner is Side.MARKETO else Side.MARKETO
    status = marketo if winner is Side.MARKETO else salesforce
    return MemberDecision(
        status, frozenset({loser}), changed_on, conflict=True, winner=winner, rule=CONFLICT_RULE
    )


def marketo_stands(marketo: str | None, changed_on: frozenset[Side]) -> MemberDecision:
    """A Salesforce status Marketo cannot take (behind the person's step there): Marketo's status
    is kept and written back to Salesforce, and the disagreement is recorded once as a conflict."""
    return MemberDecision(
        marketo,
        frozenset({Side.SALESFORCE}),
        changed_on,
        conflict=True,
        winner=Side.MARKETO,
        rule=BACKWARD_RULE,
    )


def membership_event(old: str | None, new: str | None) -> str | None:
    """The trigger a change of campaign membership fires (the reference's three triggers), or
    None when nothing changed."""
    if old == new:
        return None
    if old is None:
        return ADDED
    if new is None:
        return REMOVED
    return STATUS_CHANGED


def person_key(email: str | None) -> str | None:
    """People are matched across Marketo and Salesforce by email, compared case-insensitively."""
    cleaned = (email or "").strip().casefold()
    return cleaned or None
