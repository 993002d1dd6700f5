"""What both acts of the demo use: printing tables and steps, calling the admin API and delivering
a campaign change through the webhook, all in-process against the test world."""

from __future__ import annotations

import json
from collections import Counter

from emulators.api_gateway import admin_request
from emulators.outbound_messages import CAMPAIGN_FIELDS, record_notifications
from emulators.world import World, lambda_context


def table(headers: list[str], rows: list[list[object]]) -> str:
    cells = [[str(c) for c in row] for row in [headers, *rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    line = "+" + "+".join("-" * (w + 2) for w in widths) + "+"
    out = [line]
    for index, row in enumerate(cells):
        out.append("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |")
        if index == 0:
            out.append(line)
    out.append(line)
    return "\n".join(out)


def step(number: int, title: str) -> None:
    print(f"\n=== {number}. {title} " + "=" * max(0, 70 - len(title)))


def calls_spent(calls: Counter, before: Counter) -> str:
    """The API calls made since `before`, by kind (an emulator's `calls` counter)."""
    spent = calls - before
    return ", ".join(f"{kind}={count}" for kind, count in sorted(spent.items())) or "none"


def call_api(world: World, handler, method: str, path: str, body=None, headers=None) -> dict:
    reply = handler.lambda_handler(admin_request(method, path, body, headers), lambda_context())
    return {"status": reply["statusCode"], **json.loads(reply["body"])}


def deliver_campaign_change(world: World, campaign_id: str) -> dict:
    notification = record_notifications(
        "Campaign", [world.org.get("Campaign", campaign_id)], CAMPAIGN_FIELDS
    )
    reply = world.deliver(world.message(notification))
    world.drain_queue()
    return reply
