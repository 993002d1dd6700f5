"""Member statuses written back through one Bulk API 2.0 update job (the adapter the recompute
uses above the Bulk threshold): submitted without waiting, polled later, refusals read by Id.
Against the emulator's Bulk API 2.0 ingest (tests/emulator/test_bulk2.py cites its pages)."""

from collections import Counter

from tests.integration.seeds import a_campaign, members


def submit_staged(salesforce, statuses: dict[str, str]) -> list:
    """The statuses staged, then submitted as the recompute does above the Bulk threshold."""
    staged = salesforce.stage_member_statuses()
    for member_id, status in statuses.items():
        staged.add(member_id, status)
    assert staged.count == len(statuses)
    return staged.submit()


def test_statuses_go_in_one_update_job_that_is_polled_later_and_refusals_come_back_by_id(world):
    org = world.org
    campaign_id = a_campaign(org)
    member_ids = members(org, campaign_id, 450)
    gone = member_ids[-1]
    org.delete_record("CampaignMember", gone)
    salesforce = world.recompute.deps.salesforce
    statuses = {member_id: "Touchpoint Created" for member_id in member_ids}
    before = Counter(org.calls)

    [job] = submit_staged(salesforce, statuses)
    submitted = Counter(org.calls) - before
    status = salesforce.bulk_status(job)

    assert submitted == {"bulk2_create_job": 1, "bulk2_upload": 1, "bulk2_close": 1}
    assert (job.sobject, job.operation) == ("CampaignMember", "update")
    assert not status.running
    assert status.processed == 450
    assert status.failed == 1
    [refused] = salesforce.member_status_failures(status)
    assert (refused.ref, refused.success) == (gone, False)
    assert all(
        org.get("CampaignMember", member_id)["Touchpoint_Status__c"] == "Touchpoint Created"
        for member_id in member_ids[:-1]
    )


def test_a_job_still_running_reports_so_and_nothing_is_waited_for(world):
    org = world.org
    org.bulk.ingest_polls_before_complete = 2
    campaign_id = a_campaign(org)
    member_ids = members(org, campaign_id, 3)
    salesforce = world.recompute.deps.salesforce

    [job] = submit_staged(salesforce, dict.fromkeys(member_ids, "No Touchpoint"))

    assert salesforce.bulk_status(job).running
    assert salesforce.bulk_status(job).running
    finished = salesforce.bulk_status(job)
    assert finished.succeeded
    assert salesforce.member_status_failures(finished) == []
