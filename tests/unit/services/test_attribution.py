"""services/attribution.py through in-memory fakes of its ports."""

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

from tests.fakes.attribution import FakeAttributionSalesforce, FakePersonPaths
from touchpoints.ports.attribution import InfluenceRecord, OpportunityRoles
from touchpoints.rules.attribution import PathTouchpoint
from touchpoints.rules.attribution_influence import CampaignInfluenceShare
from touchpoints.rules.attribution_opportunity import (
    FULL_PATH_MODEL,
    AttributionModel,
    Opportunity,
)
from touchpoints.rules.attribution_person import PersonAttribution
from touchpoints.services.attribution import Attribution, AttributionConfig

LEAD, CONTACT, OTHER = "00Q000000000001AAA", "003000000000001AAA", "003000000000002AAA"
OPPORTUNITY = "006000000000001AAA"
UNATTRIBUTED = PersonAttribution("a0X2", None, Decimal(0), Decimal(0), Decimal(0))
CONFIG = AttributionConfig(AttributionModel.LINEAR, FULL_PATH_MODEL, influence_model="Dated")


def on(month: int, day: int = 1) -> datetime:
    return datetime(2026, month, day, tzinfo=UTC)


def a_touchpoint(key: str, month: int, campaign: str = "701000000000001AAA") -> PathTouchpoint:
    return PathTouchpoint(key, on(month, 10), campaign)


def an_org() -> FakeAttributionSalesforce:
    sf = FakeAttributionSalesforce(created={LEAD: on(1), CONTACT: on(2, 20), OTHER: on(1)})
    sf.add_touchpoint(CONTACT, a_touchpoint("a0X1", 1), lead_id=LEAD)  # converted
    sf.add_touchpoint(CONTACT, a_touchpoint("a0X2", 2))
    sf.add_touchpoint(OTHER, a_touchpoint("a0X3", 3))
    opportunity = Opportunity(OPPORTUNITY, on(3, 1), date(2026, 3, 31), True, Decimal(900))
    sf.roles.append(OpportunityRoles(opportunity, (CONTACT, OTHER)))
    sf.models["Dated"] = "03V000000000001AAA"
    return sf


def test_an_opportunitys_other_contacts_are_on_its_path_too():
    sf = an_org()
    result = Attribution(sf, CONFIG).run([CONTACT])
    assert result.opportunities == 1
    assert sorted(row.touchpoint_key for row in sf.attribution.values()) == ["a0X1", "a0X2", "a0X3"]
    assert {row.linear for row in sf.attribution.values()} == {Decimal("33.34"), Decimal("33.33")}
    # the other contact's own touchpoint is not re-attributed at person level: not asked for
    assert sf.touchpoints["a0X3"].current.position is None
    assert result.touchpoints_updated == 2


def test_a_second_run_writes_nothing():
    sf = an_org()
    Attribution(sf, CONFIG).run([CONTACT, OTHER])
    sf.calls.clear()
    result = Attribution(sf, CONFIG).run([CONTACT, OTHER])
    assert (result.touchpoints_updated, result.attribution_written, result.influence_written) == (
        0,
        0,
        0,
    )
    assert sf.calls["update"] == 0


def test_a_leads_touchpoints_that_name_a_contact_bring_the_contacts_opportunities():
    sf = an_org()
    result = Attribution(sf, CONFIG).run([LEAD])  # converted: its touchpoint is the contact's
    assert result.opportunities == 1
    assert sf.touchpoints["a0X2"].current.position == "LC"  # the contact's whole path was read


def test_a_deleted_person_gets_no_attribution_and_loses_its_path():
    sf, paths = an_org(), FakePersonPaths()
    Attribution(sf, CONFIG, paths).run([CONTACT])
    assert [step.attribution.position for step in paths.paths[CONTACT]] == ["FT", "LC"]
    del sf.created[CONTACT]
    Attribution(sf, CONFIG, paths).run([CONTACT])
    assert CONTACT not in paths.paths


def test_a_refused_record_is_counted_by_its_code_and_the_rest_written():
    sf = an_org()
    sf.refuse.add("a0X1")
    result = Attribution(sf, CONFIG).run([CONTACT])
    assert result.failed == 1
    assert result.failure_codes == {"FIELD_CUSTOM_VALIDATION_EXCEPTION": 1}
    assert result.touchpoints_updated == 1


def test_campaign_influence_keeps_one_record_per_group_and_deletes_extras():
    sf = an_org()
    share = CampaignInfluenceShare(OPPORTUNITY, "701000000000001AAA", CONTACT, Decimal(1))
    sf.influence["0Ci1"] = InfluenceRecord("0Ci1", share)
    sf.influence["0Ci2"] = InfluenceRecord("0Ci2", share)
    result = Attribution(sf, CONFIG).run([CONTACT])
    groups = [(r.share.campaign_id, r.share.contact_id) for r in sf.influence.values()]
    assert sorted(groups) == [("701000000000001AAA", CONTACT), ("701000000000001AAA", OTHER)]
    assert sum(r.share.influence for r in sf.influence.values()) == 100
    assert result.influence_deleted == 1


def test_a_missing_influence_model_is_reported_and_nothing_written():
    sf = an_org()
    sf.models.clear()
    result = Attribution(sf, CONFIG).run([CONTACT])
    assert result.influence_model_missing is True
    assert sf.influence == {}


def test_above_the_bulk_threshold_the_writes_go_as_ingest_jobs_polled_later():
    """Nothing waits: the run submits the jobs and names them; each poll while one runs asks for a
    longer wait; once they end their rows are counted like collection outcomes."""
    sf = an_org()
    sf.refuse.add("a0X1")
    attribution = Attribution(sf, CONFIG, bulk_threshold=2)

    submitted = attribution.run([CONTACT])

    assert submitted.wait_seconds == 5
    assert {job.kind.value for job in submitted.bulk_jobs} == {
        "touchpoints",
        "attribution",
        "influence_created",
    }
    assert (submitted.touchpoints_updated, submitted.attribution_written) == (0, 0)
    waiting = attribution.poll([CONTACT], submitted.bulk_jobs, polls=0)
    assert (waiting.bulk_jobs, waiting.wait_seconds) == (submitted.bulk_jobs, 10)
    done = attribution.poll([CONTACT], submitted.bulk_jobs, polls=1)
    assert done.bulk_jobs == []
    assert (done.touchpoints_updated, done.attribution_written, done.influence_written) == (1, 3, 2)
    assert done.failure_codes == {"FIELD_CUSTOM_VALIDATION_EXCEPTION": 1}


def test_up_to_the_bulk_threshold_the_writes_go_through_collections():
    sf = an_org()
    result = Attribution(sf, CONFIG, bulk_threshold=7).run([CONTACT])
    assert result.bulk_jobs == []
    assert (result.touchpoints_updated, result.attribution_written) == (2, 3)


def test_a_bulk_job_salesforce_no_longer_has_attributes_the_persons_anew():
    sf = an_org()
    attribution = Attribution(sf, CONFIG, bulk_threshold=2)
    submitted = attribution.run([CONTACT])
    sf.bulk_jobs.clear()  # deleted, or expired; its rows were written
    sf.touchpoints["a0X2"] = replace(sf.touchpoints["a0X2"], current=UNATTRIBUTED)  # a hand edit

    restarted = attribution.poll([CONTACT], submitted.bulk_jobs, polls=0)

    assert restarted.restarted
    assert (restarted.bulk_jobs, restarted.touchpoints_updated) == ([], 1)  # read fresh: one row
    assert sf.touchpoints["a0X2"].current.position == "LC"


def test_an_opportunity_that_lost_its_last_role_loses_its_attribution_records():
    """A role deleted on its own leaves no trace in Salesforce; the contact's attribution records
    on the opportunity still lead to it, and with no contact left none is wanted."""
    sf = an_org()
    Attribution(sf, CONFIG).run([CONTACT, OTHER])
    assert sf.attribution
    sf.roles[0] = replace(sf.roles[0], contact_ids=())

    result = Attribution(sf, CONFIG).run([CONTACT])

    assert sf.attribution == {}
    assert result.attribution_deleted == 3
