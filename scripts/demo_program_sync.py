"""The demo's second act: the January conference was also run as a Marketo Engage program.

The program is linked to its Salesforce campaign (after the statuses are made to match, as the
reference recommends), members and statuses flow both ways, and touchpoints follow the campaign.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta

from emulators.world import World
from scripts.demo_support import call_api, calls_spent, deliver_campaign_change, step, table

CHANNEL = "Conference"
MARKETO_ONLY = 6  # webinar sign-ups Marketo captured that never reached Salesforce


def _tick(world: World, minutes: int) -> None:
    world.now = world.now + timedelta(minutes=minutes)
    world.org.now = world.mkto.now = world.now


def _sync(world: World, program_id: int) -> dict:
    return call_api(world, world.program_sync, "POST", f"/programs/{program_id}/sync")


def _tap(world: World) -> tuple[object, str]:
    """A rule on the default bus that sends the program sync's events to a queue we can read."""
    sqs, events = world.session.client("sqs"), world.session.client("events")
    queue = sqs.create_queue(QueueName="demo-program-sync-events")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    events.put_rule(
        Name="demo-campaign-triggers",
        EventPattern=json.dumps({"source": ["offline-touchpoints.program-sync"]}),
    )
    events.put_targets(Rule="demo-campaign-triggers", Targets=[{"Id": "q", "Arn": arn}])
    return sqs, queue


def _drain(sqs, queue: str) -> list[dict]:
    received = []
    while messages := sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get(
        "Messages", []
    ):
        for message in messages:
            received.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])
    return received


def second_act(world: World, campaign_id: str, first_step: int) -> None:
    org, mkto = world.org, world.mkto
    world.now = org.now = mkto.now = datetime(2026, 2, 9, 9, 0, tzinfo=UTC)
    print("\nAct two: the same conference was run as a Marketo Engage program.")
    org.require_fields("Lead", "LastName", "Company")  # as a real org does

    step(first_step, "The Marketo program: channel, period costs, members")
    mkto.add_channel(CHANNEL, [("Registered", 20), ("Attended", 30, True)])
    program_id = mkto.add_program(
        "January Conference 2026",
        CHANNEL,
        [
            {"startDate": "2026-01-01", "cost": 12000, "note": "booth"},
            {"startDate": "2026-01-01", "cost": 3450.75, "note": "travel"},
        ],
    )
    leads = {lead["Id"]: lead for lead in org.records("Lead")}
    in_salesforce = [
        (leads[m["LeadId"]]["Email"], m["Status"])
        for m in sorted(org.records("CampaignMember"), key=lambda m: m["Id"])
        if leads[m["LeadId"]].get("Email")
    ]
    for number, (email, status) in enumerate(in_salesforce[:40]):
        # Marketo saw a few of the booth scans attend the keynote too.
        seen = "Attended" if number % 10 == 3 else status
        mkto.set_member(program_id, mkto.add_lead(email, lastName=email.split("@")[0]), seen)
    for number in range(1, MARKETO_ONLY + 1):
        lead_id = mkto.add_lead(
            f"webinar{number}@example.org",
            firstName="Web",
            lastName=f"Guest {number}",
            company="Globex",
        )
        mkto.set_member(program_id, lead_id, "Registered" if number % 2 else "Attended")
    print(
        table(
            ["program", "channel", "period costs", "members", "only in Marketo"],
            [[program_id, CHANNEL, "12,000.00 + 3,450.75", 40 + MARKETO_ONLY, MARKETO_ONLY]],
        )
    )

    step(first_step + 1, "Link the program to the campaign (statuses must match)")
    path = f"/programs/{program_id}/campaign"
    refused = call_api(world, world.program_sync, "PUT", path, {"campaignId": campaign_id})
    print(f"HTTP {refused['status']} {refused['error']}: {refused['message']}")
    for status in org.records("CampaignMemberStatus"):
        if status["CampaignId"] == campaign_id and status["Label"] in ("Sent", "Responded"):
            org.delete_record("CampaignMemberStatus", status["Id"])
    print("Admin removes the campaign's unused statuses Sent and Responded, and links again:")
    linked = call_api(world, world.program_sync, "PUT", path, {"campaignId": campaign_id})
    print(
        f"HTTP {linked['status']}: program {linked['programId']} <-> campaign "
        f"{linked['campaignId']}, statuses {linked['statuses']}"
    )

    step(first_step + 2, "First sync: channel and cost one way, members both ways")
    print("People on both sides with different statuses are settled by the conflict rule.")
    sqs, queue = _tap(world)
    org_before, mkto_before = Counter(org.calls), Counter(mkto.calls)
    first = _sync(world, program_id)
    campaign = org.get("Campaign", campaign_id)
    print(
        table(
            ["Campaign.Type", "Campaign.ActualCost", "to Salesforce", "to Marketo", "conflicts"],
            [
                [
                    campaign["Type"],
                    f"{campaign['ActualCost']:,.2f}",
                    dict(first["toSalesforce"]),
                    dict(first["toMarketo"]),
                    len(first["conflicts"]),
                ]
            ],
        )
    )
    print(f"Marketo API calls: {calls_spent(mkto.calls, mkto_before)}")
    print(f"Salesforce API calls: {calls_spent(org.calls, org_before)}")
    print(f"Events published: {Counter(e['detail-type'] for e in _drain(sqs, queue))}")

    step(first_step + 3, "A week later: changes on both sides, one of them a conflict")
    _tick(world, 60 * 24 * 7)
    mk_people = sorted(mkto.members_by_email(program_id).items())
    registered = [email for email, status in mk_people if status == "Registered"]
    for email in registered[:3]:  # Marketo: the attendance upload marks three people Attended
        mkto.set_member(program_id, mkto.lead_by_email(email)["id"], "Attended")
    sf_leads = {lead["Email"]: lead["Id"] for lead in org.records("Lead") if lead.get("Email")}
    members = {m["LeadId"]: m for m in org.records("CampaignMember")}
    # The same week a sales rep removes one of those three in Salesforce: a conflict. Being a
    # member beats being removed, so the person comes back, Attended.
    conflict_email = registered[0]
    org.delete_record("CampaignMember", members[sf_leads[conflict_email]]["Id"])
    removed = registered[4]  # and removes one more, which Marketo follows
    org.delete_record("CampaignMember", members[sf_leads[removed]]["Id"])
    added = call_api(
        world,
        world.program_sync,
        "POST",
        f"/campaigns/{campaign_id}/members",
        {"email": "keynote.speaker@example.net", "status": "Attended", "lastName": "Speaker"},
    )
    print(
        f"Marketo: 3 people marked Attended. Salesforce: {conflict_email} and {removed} removed. "
        f"Flow action 'Add to SFDC Campaign' for {added['email']} "
        f"(lead created: {added['leadCreated']})."
    )
    second = _sync(world, program_id)
    print(
        table(
            ["to Salesforce", "to Marketo", "conflicts (winner)"],
            [
                [
                    dict(second["toSalesforce"]),
                    dict(second["toMarketo"]),
                    [
                        f"{c['email']}: {c['winner']} {c['resolvedStatus']}"
                        for c in second["conflicts"]
                    ]
                    or "none",
                ]
            ],
        )
    )
    print(
        table(
            ["event", "person", "old", "new", "changed in"],
            [
                [
                    e["detail-type"],
                    e["detail"]["person"]["email"],
                    e["detail"]["oldStatus"],
                    e["detail"]["newStatus"],
                    ",".join(e["detail"]["changedIn"]),
                ]
                for e in sorted(_drain(sqs, queue), key=lambda e: e["detail"]["person"]["email"])
            ],
        )
    )

    step(first_step + 4, "An unchanged run five minutes later")
    _tick(world, 5)
    org_before, mkto_before = Counter(org.calls), Counter(mkto.calls)
    _sync(world, program_id)
    print(f"Marketo API calls: {calls_spent(mkto.calls, mkto_before)} (writes: none)")
    print(f"Salesforce API calls: {calls_spent(org.calls, org_before)} (writes: none)")

    step(first_step + 5, "Touchpoints follow the campaign as usual")
    org.update_record(
        "Campaign",
        campaign_id,
        {"Enable_Buyer_Touchpoints__c": "Include Responded Campaign Members"},
    )
    deliver_campaign_change(world, campaign_id)
    touchpoints = org.records("Buyer_Touchpoint__c")
    from_marketo = [tp for tp in touchpoints if tp["Email__c"].startswith("webinar")]
    keynote = [tp for tp in touchpoints if tp["Email__c"] == "keynote.speaker@example.net"]
    print(
        table(
            ["touchpoints", "from Marketo-only people", "from the flow action", "channel"],
            [
                [
                    len(touchpoints),
                    len(from_marketo),
                    len(keynote),
                    sorted({tp["Marketing_Channel_Path__c"] for tp in touchpoints}),
                ]
            ],
        )
    )
    links = call_api(world, world.program_sync, "GET", "/program-links")["links"]
    last = links[0]["lastSync"]
    print(f"GET /program-links: program {links[0]['programId']}, last sync {last['startedAt']}")
