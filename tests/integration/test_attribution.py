"""AttributionFunction through its handler, fed by the recompute: positions and person-level
models on Buyer_Touchpoint__c, opportunity attribution and Campaign Influence (DESIGN.md,
"Attribution"), with moto for AWS and the emulator for Salesforce."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from moto import mock_aws

from emulators.api_gateway import admin_request
from emulators.world import World, event, lambda_context, sqs_event
from tests.integration.seeds import a_campaign
from tests.integration.test_bulk_date_update import apply as apply_touchpoint_date
from tests.integration.test_touchpoint_recompute import recompute

JAN, FEB, MAR, APR = (
    "2026-01-15T09:00:00.000+0000",
    "2026-02-10T09:00:00.000+0000",
    "2026-03-05T09:00:00.000+0000",
    "2026-04-02T09:00:00.000+0000",
)


def a_person(org, sobject="Contact", created="2026-02-20T00:00:00.000+0000", number=1) -> str:
    record = {"LastName": f"Person {number}", "Email": f"person{number}@example.com"}
    if sobject == "Lead":
        record["Company"] = "Acme"
    return org.insert(sobject, {**record, "CreatedDate": created})


def attended(world, person_id, dated, name) -> tuple[str, str]:
    """A campaign the person attended on `dated`, recomputed: (campaign id, member id)."""
    org = world.org
    campaign_id = a_campaign(org, Name=name)
    person_field = "ContactId" if person_id.startswith("003") else "LeadId"
    member_id = org.insert(
        "CampaignMember",
        {
            "CampaignId": campaign_id,
            person_field: person_id,
            "Status": "Attended",
            "Buyer_Touchpoint_Date__c": dated,
        },
    )
    recompute(world, campaign_id)
    return campaign_id, member_id


def touchpoint_of(world, member_id) -> dict:
    [found] = [tp for tp in world.touchpoints() if tp["Campaign_Member_Id__c"] == member_id]
    return found


def person_attribution(world, member_id) -> tuple:
    tp = touchpoint_of(world, member_id)
    return (
        tp.get("Touchpoint_Position__c"),
        tp.get("First_Touch_Percent__c"),
        tp.get("Lead_Creation_Percent__c"),
        tp.get("U_Shaped_Percent__c"),
    )


def attribution_rows(world, opportunity_id) -> dict[str, dict]:
    """The opportunity's Buyer_Attribution_Touchpoint__c records, by touchpoint record id."""
    return {
        row["Buyer_Touchpoint__c"]: row
        for row in world.org.records("Buyer_Attribution_Touchpoint__c")
        if row["Opportunity__c"] == opportunity_id
    }


def an_opportunity(world, contact_id, stage="Closed Won", **fields) -> str:
    org = world.org
    opportunity_id = org.insert(
        "Opportunity",
        {
            "Name": "Acme platform",
            "StageName": stage,
            "CloseDate": "2026-03-31",
            "Amount": 120000,
            "CreatedDate": "2026-03-01T00:00:00.000+0000",
            **fields,
        },
    )
    org.insert("OpportunityContactRole", {"OpportunityId": opportunity_id, "ContactId": contact_id})
    return opportunity_id


def attribute(world, *person_ids) -> dict:
    """Ask for the persons' attribution the way the daily pass does, and run the queue."""
    body = json.dumps({"person_ids": list(person_ids), "cause": "test"})
    world.session.client("sqs").send_message(QueueUrl=world.attribution_queue_url, MessageBody=body)
    [response] = world.drain_attribution()
    return response


def test_a_three_touchpoint_person_gets_positions_and_person_level_percentages(world):
    """FT on January's conference, LC on February's webinar (the latest at or before the person
    was created, 20 February), nothing after LC on March's event; the recompute asks for it."""
    person = a_person(world.org, "Lead")
    _, first = attended(world, person, JAN, "January Conference")
    _, created = attended(world, person, FEB, "February Webinar")
    _, later = attended(world, person, MAR, "March Roadshow")

    world.drain_attribution()

    assert person_attribution(world, first) == ("FT", 100, 0, 50)
    assert person_attribution(world, created) == ("LC", 0, 100, 50)
    assert person_attribution(world, later) == (None, 0, 0, 0)


def test_a_touchpoint_between_ft_and_lc_takes_the_u_shapes_twenty(world):
    person = a_person(world.org, "Lead", created="2026-03-10T00:00:00.000+0000")
    _, first = attended(world, person, JAN, "January Conference")
    _, between = attended(world, person, FEB, "February Webinar")
    _, created = attended(world, person, MAR, "March Roadshow")

    world.drain_attribution()

    assert person_attribution(world, first) == ("FT", 100, 0, 40)
    assert person_attribution(world, between) == (None, 0, 0, 20)
    assert person_attribution(world, created) == ("LC", 0, 100, 40)


def test_attributing_again_with_nothing_changed_writes_nothing(world):
    person = a_person(world.org, "Lead")
    attended(world, person, JAN, "January Conference")
    attended(world, person, MAR, "March Roadshow")
    world.drain_attribution()
    writes_before = world.org.write_calls

    assert attribute(world, person) == {"batchItemFailures": []}

    assert world.org.write_calls == writes_before


def test_an_opportunity_gets_w_shaped_and_full_path_percentages_and_revenue(world):
    """Contact created 20 Feb (LC: February's webinar), opportunity created 1 March (OC: the latest
    at or before it, still February's), won on 31 March (Closed: March's roadshow); April's event
    is after the close date and left out."""
    person = a_person(world.org)
    touchpoints = {
        name: attended(world, person, dated, name)[1]
        for name, dated in (("Jan", JAN), ("Feb", FEB), ("Mar", MAR), ("Apr", APR))
    }
    opportunity = an_opportunity(world, person)

    attribute(world, person)

    rows = attribution_rows(world, opportunity)
    by_name = {name: rows.get(touchpoint_of(world, m)["Id"]) for name, m in touchpoints.items()}
    assert by_name["Apr"] is None
    assert {n: r["Touchpoint_Position__c"] for n, r in by_name.items() if r} == {
        "Jan": "FT",
        "Feb": "LC, OC",
        "Mar": "Closed",
    }
    # W: 30 FT, 60 on LC+OC, 10 over the rest (March's, whose Closed is no W position)
    assert {n: r["W_Shaped_Percent__c"] for n, r in by_name.items() if r} == {
        "Jan": 30,
        "Feb": 60,
        "Mar": 10,
    }
    # Full Path: 22.5 each on FT, LC, OC, Closed; no rest, so its 10 goes in proportion
    assert {n: r["Full_Path_Percent__c"] for n, r in by_name.items() if r} == {
        "Jan": 25,
        "Feb": 50,
        "Mar": 25,
    }
    assert {n: r["Revenue__c"] for n, r in by_name.items() if r} == {
        "Jan": 30000,
        "Feb": 60000,
        "Mar": 30000,
    }
    assert {r["Linear_Percent__c"] for r in rows.values()} == {33.34, 33.33}


def test_a_lost_opportunity_loses_its_closed_position_and_a_won_one_gets_it(world):
    person = a_person(world.org)
    attended(world, person, JAN, "January Conference")
    _, last = attended(world, person, MAR, "March Roadshow")
    opportunity = an_opportunity(world, person)
    attribute(world, person)
    march = touchpoint_of(world, last)["Id"]
    assert attribution_rows(world, opportunity)[march]["Touchpoint_Position__c"] == "Closed"

    world.org.update_record("Opportunity", opportunity, {"StageName": "Closed Lost"})
    attribute(world, person)
    rows = attribution_rows(world, opportunity)
    assert rows[march]["Touchpoint_Position__c"] is None
    assert sum(row["Full_Path_Percent__c"] for row in rows.values()) == 100

    world.org.update_record("Opportunity", opportunity, {"StageName": "Closed Won"})
    attribute(world, person)
    assert attribution_rows(world, opportunity)[march]["Touchpoint_Position__c"] == "Closed"


def test_a_member_removed_loses_its_attribution_and_the_path_is_reattributed(world):
    person = a_person(world.org, "Lead")
    campaign, first = attended(world, person, JAN, "January Conference")
    _, second = attended(world, person, FEB, "February Webinar")
    world.drain_attribution()
    assert person_attribution(world, second)[0] == "LC"

    world.org.delete_record("CampaignMember", first)
    recompute(world, campaign)
    world.drain_attribution()

    assert person_attribution(world, second) == ("FT, LC", 100, 100, 100)


@pytest.mark.parametrize("model", ["Offline_Event_Dated"])
def test_campaign_influence_is_written_and_then_corrected(model):
    """One CampaignInfluence per opportunity x campaign x contact under the locked model, with the
    chosen model's percentage (Full Path); a re-dated touchpoint corrects only what changed."""
    with mock_aws():
        world = World.create(parameters={"CampaignInfluenceModel": model})
        model_id = world.org.insert(
            "CampaignInfluenceModel",
            {"DeveloperName": model, "MasterLabel": "Offline event dated", "IsModelLocked": True},
        )
        person = a_person(world.org)
        january, _ = attended(world, person, JAN, "January Conference")
        march, late = attended(world, person, MAR, "March Roadshow")
        opportunity = an_opportunity(world, person, Amount=1000)

        attribute(world, person)

        def influence():
            return {
                r["CampaignId"]: (r["Influence"], r["RevenueShare"])
                for r in world.org.records("CampaignInfluence")
                if r["ModelId"] == model_id and r["OpportunityId"] == opportunity
            }

        # FT + LC + OC on January (67.5 of 90), Closed on March (22.5 of 90)
        assert influence() == {january: (75, 750), march: (25, 250)}

        # The March event happened in April after all: it falls after the close date.
        world.org.update_record("CampaignMember", late, {"Buyer_Touchpoint_Date__c": APR})
        recompute(world, march)
        world.drain_attribution()

        assert influence() == {january: (100, 1000)}


@pytest.mark.handler_errors_expected
def test_an_attribution_message_that_is_not_one_is_handed_back(world):
    sqs = world.session.client("sqs")
    sqs.send_message(QueueUrl=world.attribution_queue_url, MessageBody='{"person_ids": []}')
    reply = sqs.receive_message(QueueUrl=world.attribution_queue_url, AttributeNames=["All"])
    response = world.attribution.lambda_handler(
        sqs_event(reply["Messages"]), lambda_context("attribution")
    )
    assert len(response["batchItemFailures"]) == 1


def test_the_sweep_reattributes_an_opportunity_won_after_the_last_run(world):
    """No touchpoint changed, the opportunity did: the sweep asks for its contacts' attribution
    (and its first run, a daily full pass, for every person with a touchpoint)."""
    person = a_person(world.org)
    attended(world, person, JAN, "January Conference")
    _, last = attended(world, person, MAR, "March Roadshow")
    opportunity = an_opportunity(world, person, stage="Negotiation")
    sweep = event("schedule-sweep.json")
    world.sweep.lambda_handler(sweep, lambda_context("sweep"))
    world.drain_queue()
    world.drain_attribution()
    march = touchpoint_of(world, last)["Id"]
    assert attribution_rows(world, opportunity)[march]["Touchpoint_Position__c"] is None

    world.now += timedelta(hours=1)
    world.org.advance(hours=1)
    world.org.update_record("Opportunity", opportunity, {"StageName": "Closed Won"})
    world.sweep.lambda_handler(sweep, lambda_context("sweep"))
    world.drain_attribution()

    assert attribution_rows(world, opportunity)[march]["Touchpoint_Position__c"] == "Closed"


def test_a_converted_leads_contact_keeps_the_leads_creation_date(world):
    """The lead was created on 15 February and converted on 20 March: lead creation is February's
    touchpoint, not the latest before the contact record was made."""
    org = world.org
    contact = a_person(org, created="2026-03-20T00:00:00.000+0000")
    org.insert(
        "Lead",
        {
            "LastName": "Person 1",
            "Company": "Acme",
            "IsConverted": True,
            "ConvertedContactId": contact,
            "CreatedDate": "2026-02-15T00:00:00.000+0000",
        },
    )
    _, first = attended(world, contact, JAN, "January Conference")
    _, created = attended(world, contact, FEB, "February Webinar")
    _, later = attended(world, contact, MAR, "March Roadshow")

    world.drain_attribution()

    assert person_attribution(world, first)[0] == "FT"
    assert person_attribution(world, created)[0] == "LC"
    assert person_attribution(world, later)[0] is None


def test_a_touchpoint_redated_by_the_bulk_date_update_moves_positions(world):
    """The webinar's members were loaded without a date, so its touchpoint is dated when they were
    added (5 February); the admin dates the webinar 10 January with the bulk touchpoint date
    update, and it becomes the first touch, the January conference the lead creation."""
    person = a_person(world.org, "Lead", created="2026-03-20T00:00:00.000+0000")
    _, conference = attended(world, person, JAN, "January Conference")
    webinar, member = attended(world, person, None, "Webinar loaded late")  # dated 5 February
    world.drain_attribution()
    assert person_attribution(world, conference)[0] == "FT"
    assert person_attribution(world, member)[0] == "LC"

    status, job = apply_touchpoint_date(world, webinar, {"date": "2026-01-10"})
    assert (status, job["state"]) == (201, "succeeded")
    world.drain_queue()  # the recompute the job asked for re-dates the touchpoint
    world.drain_attribution()

    assert person_attribution(world, member) == ("FT", 100, 0, 50)
    assert person_attribution(world, conference) == ("LC", 0, 100, 50)


@pytest.mark.handler_errors_expected
def test_the_api_limit_postpones_the_attribution_and_the_retry_converges(world):
    person = a_person(world.org)
    attended(world, person, JAN, "January Conference")
    world.drain_attribution()  # the person level, written after the recompute
    opportunity = an_opportunity(world, person)
    sqs = world.session.client("sqs")
    body = json.dumps({"person_ids": [person], "cause": "test"})
    sqs.send_message(QueueUrl=world.attribution_queue_url, MessageBody=body)
    world.org.inject_fault("REQUEST_LIMIT_EXCEEDED", count=1, kinds=["composite_upsert"])
    [message] = sqs.receive_message(QueueUrl=world.attribution_queue_url, AttributeNames=["All"])[
        "Messages"
    ]

    reply = world.attribution.lambda_handler(sqs_event([message]), lambda_context())

    assert reply == {"batchItemFailures": [{"itemIdentifier": message["MessageId"]}]}
    assert sqs.receive_message(QueueUrl=world.attribution_queue_url).get("Messages") is None
    assert attribution_rows(world, opportunity) == {}
    sqs.change_message_visibility(  # the backoff has passed
        QueueUrl=world.attribution_queue_url,
        ReceiptHandle=message["ReceiptHandle"],
        VisibilityTimeout=0,
    )
    world.drain_attribution()
    assert len(attribution_rows(world, opportunity)) == 1


def person_path(world, person_id):
    request = admin_request("GET", f"/persons/{person_id}/path")
    reply = world.sync_status.lambda_handler(request, lambda_context())
    return reply["statusCode"], json.loads(reply["body"])


def test_sync_status_shows_a_persons_path_with_positions_and_percentages(world):
    person = a_person(world.org, "Lead")
    january, first = attended(world, person, JAN, "January Conference")
    february, created = attended(world, person, FEB, "February Webinar")
    march, later = attended(world, person, MAR, "March Roadshow")
    assert person_path(world, person)[0] == 404  # not attributed yet

    world.drain_attribution()

    status, path = person_path(world, person[:15])
    assert status == 200
    assert path["person_id"] == person
    assert [
        (
            step["campaign_id"],
            step["touchpoint_date"][:10],
            step["position"],
            step["first_touch_percent"],
            step["lead_creation_percent"],
            step["u_shaped_percent"],
        )
        for step in path["touchpoints"]
    ] == [
        (january, "2026-01-15", "FT", 100, 0, 50),
        (february, "2026-02-10", "LC", 0, 100, 50),
        (march, "2026-03-05", None, 0, 0, 0),
    ]
    assert [step["touchpoint_id"] for step in path["touchpoints"]] == [
        touchpoint_of(world, member)["Id"] for member in (first, created, later)
    ]
    assert "email" not in json.dumps(path)


@pytest.mark.handler_errors_expected
def test_a_person_path_for_an_id_that_is_not_one_is_refused(world):
    assert person_path(world, "not-an-id")[0] == 422


def attribution_requests(world) -> list[list[str]]:
    sqs = world.session.client("sqs")
    bodies = []
    while messages := sqs.receive_message(
        QueueUrl=world.attribution_queue_url, MaxNumberOfMessages=10
    ).get("Messages"):
        for message in messages:
            bodies.append(json.loads(message["Body"])["person_ids"])
            sqs.delete_message(
                QueueUrl=world.attribution_queue_url, ReceiptHandle=message["ReceiptHandle"]
            )
    return bodies


def test_the_recompute_hands_over_only_the_persons_whose_touchpoints_it_changed(world):
    first, second = a_person(world.org, "Lead"), a_person(world.org, "Lead", number=2)
    campaign, member = attended(world, first, JAN, "January Conference")
    world.org.insert("CampaignMember", {"CampaignId": campaign, "LeadId": second})
    recompute(world, campaign)
    assert attribution_requests(world) == [[first], [second]]

    recompute(world, campaign)  # nothing changed
    assert attribution_requests(world) == []

    world.org.update_record("CampaignMember", member, {"Buyer_Touchpoint_Date__c": FEB})
    recompute(world, campaign)
    assert attribution_requests(world) == [[first]]


def test_above_the_bulk_threshold_attribution_goes_as_ingest_jobs_and_never_waits():
    """Six writes (three touchpoints, three opportunity records) above a threshold of three: the
    run submits ingest jobs and sends its continuation; the next delivery polls (still running,
    so another continuation), then counts the rows, and the records are those collections write."""
    with mock_aws():
        world = World.create(bulk_api_threshold=3)
        person = a_person(world.org)
        members = {
            name: attended(world, person, dated, name)[1]
            for name, dated in (("Jan", JAN), ("Feb", FEB), ("Mar", MAR))
        }
        opportunity = an_opportunity(world, person)
        sqs = world.session.client("sqs")
        sqs.purge_queue(QueueUrl=world.attribution_queue_url)  # the recompute's hand-overs
        world.org.bulk.ingest_polls_before_complete = 1  # each job still runs at its first poll
        jobs_before = set(world.org.bulk.jobs)

        responses = attribute_until_done(world, person)

        assert all(response == {"batchItemFailures": []} for response in responses)
        assert len(responses) == 3  # submitted; polled while running; polled and counted
        ingest = [
            (job.sobject, job.operation)
            for job_id, job in world.org.bulk.jobs.items()
            if job_id not in jobs_before
        ]
        assert sorted(ingest) == [
            ("Buyer_Attribution_Touchpoint__c", "upsert"),
            ("Buyer_Touchpoint__c", "update"),
        ]
        assert person_attribution(world, members["Jan"])[0] == "FT"
        assert person_attribution(world, members["Feb"])[0] == "LC"
        rows = attribution_rows(world, opportunity)
        assert sum(row["Full_Path_Percent__c"] for row in rows.values()) == 100
        assert {row["Touchpoint_Position__c"] for row in rows.values()} == {
            "FT",
            "LC, OC",
            "Closed",
        }
        assert world.drain_attribution() == []  # nothing left: the run is over
        writes_before = world.org.write_calls
        attribute(world, person)  # converged: nothing to write, not even a job
        assert world.org.write_calls == writes_before


def attribute_until_done(world, person_id) -> list[dict]:
    """Ask for one person's attribution and hand the queue to the function until it is empty: the
    request and each continuation a Bulk run sends (delayed 0 s in the World)."""
    body = json.dumps({"person_ids": [person_id], "cause": "test"})
    world.session.client("sqs").send_message(QueueUrl=world.attribution_queue_url, MessageBody=body)
    return world.drain_attribution()


def test_the_sweep_asks_for_the_contacts_of_a_deleted_opportunity_through_the_recycle_bin(world):
    """A deleted opportunity takes its contact roles to the Recycle Bin ("OpportunityContactRole",
    IsDeleted): only `queryAll` sees either, so the next sweep asks for the contact."""
    person = a_person(world.org)
    attended(world, person, JAN, "January Conference")
    opportunity = an_opportunity(world, person)
    sweep = event("schedule-sweep.json")
    world.sweep.lambda_handler(sweep, lambda_context("sweep"))  # the first: a daily full pass
    world.drain_queue()
    world.drain_attribution()

    world.now += timedelta(hours=1)
    world.org.advance(hours=1)
    world.org.delete_record("Opportunity", opportunity)
    world.sweep.lambda_handler(sweep, lambda_context("sweep"))

    assert attribution_requests(world) == [[person]]
