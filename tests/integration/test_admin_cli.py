"""The admin CLI against the handler in-process: signed HTTP requests become API Gateway events."""

from __future__ import annotations

import io
import re

import pytest
import requests
from botocore.credentials import Credentials
from moto import mock_aws

from emulators.api_gateway import ApiGatewayAdapter
from emulators.template_stack import load_template
from emulators.world import FUNCTIONS, World, lambda_context
from scripts import admin as cli
from tests.integration import program_sync_seeds as program_sync
from tests.integration.seeds import a_campaign, member_dates, members
from touchpoints.adapters.salesforce_transport import LOCK_RETRIES

API = "https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/Prod"
CONFERENCE_SF = "2026-01-15T00:00:00.000+0000"


@pytest.fixture
def small_bulk_world():
    """Bulk API above 50 members, so a modest campaign shows a job running across polls."""
    with mock_aws():
        world = World.create(bulk_api_threshold=50)
        world.org.bulk.polls_before_complete = 2
        yield world


def routed(world: World):
    """API Gateway's routing as template.yaml declares it: each admin route to its function."""
    functions = {logical_id: attribute for attribute, logical_id in FUNCTIONS.items()}
    routes = []
    for logical_id, resource in load_template()["Resources"].items():
        for source in resource.get("Properties", {}).get("Events", {}).values():
            if source["Type"] == "Api" and logical_id in functions:
                pattern = re.sub(r"\{[^}]+\}", "[^/]+", source["Properties"]["Path"])
                method = source["Properties"]["Method"].upper()
                routes.append((method, re.compile(f"^{pattern}$"), functions[logical_id]))

    def handler(event):
        [attribute] = [
            name
            for method, pattern, name in routes
            if method == event["httpMethod"] and pattern.match(event["path"])
        ]
        return getattr(world, attribute).lambda_handler(event, lambda_context())

    return handler


class Cloud:
    """API Gateway and the function's queue: the CLI's waits let queued job steps run."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.adapter = ApiGatewayAdapter(routed(world))
        self.session = requests.Session()
        self.session.mount(API + "/", self.adapter)
        self.waits = 0

    def wait(self, seconds: float) -> None:
        self.waits += 1
        self.world.drain_jobs(max_rounds=1)

    def run(self, *argv: str, answer: str = "y") -> tuple[int, str]:
        out = io.StringIO()
        code = cli.main(
            ["--api", API, *argv],
            session=self.session,
            credentials=Credentials("AKIDEXAMPLE", "secret", "session-token"),
            ask=lambda question: out.write(question) and answer,
            sleep=self.wait,
            out=out,
        )
        return code, out.getvalue()


def test_apply_previews_asks_applies_and_follows_the_job_to_the_end(small_bulk_world):
    world = small_bulk_world
    campaign_id = a_campaign(world.org)
    members(world.org, campaign_id, 120)
    cloud = Cloud(world)

    code, output = cloud.run("apply", campaign_id, "--date", "2026-01-15", "--status", "Attended")

    assert code == 0
    assert "members matched: 120" in output
    assert "Set 2026-01-15T00:00:00Z on 120 members? [y/N]" in output
    assert "[##############################] 120/120 updated, 0 failed (succeeded)" in output
    assert "0/120 updated, 0 failed (pending)" in output  # the bar before the job ran
    assert "succeeded" in output
    assert "Undo with: python -m scripts.admin undo" in output
    assert cloud.waits >= 2
    assert set(member_dates(world.org, campaign_id).values()) == {CONFERENCE_SF}
    for request in cloud.adapter.requests:
        assert request.headers["Authorization"].startswith(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/"
        )
        assert "/eu-west-1/execute-api/aws4_request" in request.headers["Authorization"]
        assert request.headers["X-Amz-Security-Token"] == "session-token"
    signed = cloud.adapter.requests[1].headers["Authorization"]
    assert "idempotency-key" in signed  # the key cannot be swapped in transit


def test_answering_no_changes_nothing(world):
    campaign_id = a_campaign(world.org)
    members(world.org, campaign_id, 3)
    cloud = Cloud(world)

    code, output = cloud.run("apply", campaign_id, "--date", "2026-01-15", answer="n")

    assert code == 1
    assert "Nothing changed." in output
    assert set(member_dates(world.org, campaign_id).values()) == {None}
    assert [r.method for r in cloud.adapter.requests] == ["POST"]  # the preview only


def test_a_refused_request_says_why_and_which_field(world):
    campaign_id = a_campaign(world.org)
    members(world.org, campaign_id, 3)
    cloud = Cloud(world)

    code, output = cloud.run("apply", campaign_id, "--date", "2026-05-01", "--yes")

    assert code == 1
    assert "Refused, nothing changed: HTTP 422 DATE_IN_FUTURE" in output
    assert "(field: date)" in output
    assert set(member_dates(world.org, campaign_id).values()) == {None}


@pytest.mark.parametrize(
    ("date", "said"),
    [
        ("20260115", "HTTP 422 INVALID_REQUEST: date: must be an ISO 8601 string"),
        ("0001-01-01", "HTTP 422 DATE_OUT_OF_RANGE: date 0001-01-01 is outside the accepted range"),
    ],
)
def test_a_refused_date_is_explained_before_anything_is_asked(world, date, said):
    campaign_id = a_campaign(world.org)
    members(world.org, campaign_id, 3)
    cloud = Cloud(world)

    code, output = cloud.run("apply", campaign_id, "--date", date, "--allow-future")

    assert code == 1
    assert f"Refused, nothing changed: {said}" in output
    assert "(field: date)" in output
    assert "[y/N]" not in output  # refused at the preview
    assert set(member_dates(world.org, campaign_id).values()) == {None}


def test_status_lists_member_errors_and_undo_restores(world):
    org = world.org
    campaign_id = a_campaign(org)
    ids = members(org, campaign_id, 4)
    org.inject_fault(
        "UNABLE_TO_LOCK_ROW", count=LOCK_RETRIES + 1, kinds=["composite_update"], ids=ids[:1]
    )
    cloud = Cloud(world)
    code, output = cloud.run("apply", campaign_id, "--date", "2026-01-15", "--yes")
    assert code == 2
    job_id = output.split("Job ", 1)[1].split(" ", 1)[0]

    _, status = cloud.run("status", job_id, "--errors")
    code, undone = cloud.run("undo", job_id, "--yes")

    assert "3/4 updated, 1 failed (partially_failed)" in status
    assert f"{ids[0]}  UNABLE_TO_LOCK_ROW" in status
    assert code == 0
    assert "3/3 updated, 0 failed (succeeded)" in undone
    assert set(member_dates(org, campaign_id).values()) == {None}


def test_an_unsigned_request_never_reaches_the_function(world):
    cloud = Cloud(world)

    reply = cloud.session.post(
        f"{API}/campaigns/701000000000001AAA/touchpoint-date/preview", json={}
    )

    assert reply.status_code == 403
    assert world.table_items() == []
    assert world.org.total_calls == 0


def test_sync_status_csv_writes_every_page_of_the_report_with_one_header(world):
    """The CLI follows the report's `Link: rel="next"` pages, as the handler serves them."""
    campaign_id = a_campaign(world.org)
    members(world.org, campaign_id, 3)
    world.recompute.deps.queue.enqueue(campaign_id, "test", "cli-report")
    world.drain_queue()
    served = []

    def sync_status(event):
        served.append(event["queryStringParameters"])
        if "limit" not in event["queryStringParameters"]:  # small pages
            event["queryStringParameters"]["limit"] = "2"
            event["multiValueQueryStringParameters"]["limit"] = ["2"]
        return world.sync_status.lambda_handler(event, lambda_context())

    cloud = Cloud(world)
    cloud.adapter.handler = sync_status
    code, output = cloud.run("sync-status", campaign_id, "--csv")

    assert code == 0
    lines = output.splitlines()
    assert lines[0] == (
        "member_id,person_id,email,outcome,reason,touchpoint_date,channel,"
        "previous_outcome,previous_touchpoint_date,previous_channel,changed_at"
    )
    assert len(lines) == 4
    assert sorted(line.split(",")[2] for line in lines[1:]) == [
        f"person{n}@example.com" for n in (1, 2, 3)
    ]
    assert len(served) == 2

    code, output = cloud.run("sync-status", campaign_id)
    assert code == 0, output
    assert re.search(r"Touchpoint Created\s+3", output)
    assert "touchpoints created 3, updated 0, deleted 0, failed 0" in output


# -- every other admin route ----------------------------------------------------------------------


def test_the_mapping_is_shown_as_a_table_and_one_row_changed_with_its_version(world):
    cloud = Cloud(world)

    code, shown = cloud.run("mapping")
    assert code == 0
    assert "Channel mapping, version 0" in shown
    assert re.search(r"Conference\s+Offline Event\s+Conference", shown)

    code, output = cloud.run("mapping", "set", " roadshow ", "Field Event", "Tour")
    assert code == 0
    assert "Version 0: map  roadshow  to Field Event.Tour? [y/N]" in output
    assert "Saved version 1; changed types:" in output
    _, after = cloud.run("mapping")
    assert re.search(r"roadshow\s+Field Event\s+Tour", after)

    code, output = cloud.run("mapping", "remove", "ROADSHOW", "--yes")
    assert code == 0
    assert "Saved version 2" in output
    [put] = [r for r in cloud.adapter.requests if r.method == "PUT"][-1:]
    assert put.headers["If-Match"] == '"1"'
    _, final = cloud.run("mapping")
    assert "roadshow" not in final.lower().split("version 2", 1)[1]


def test_removing_a_type_that_has_no_row_changes_nothing(world):
    cloud = Cloud(world)

    code, output = cloud.run("mapping", "remove", "Nothing Like It", "--yes")

    assert code == 1
    assert "has no row to remove; nothing changed" in output
    assert [r.method for r in cloud.adapter.requests] == ["GET"]


def test_a_mapping_changed_meanwhile_is_refused_and_nothing_is_saved(world):
    cloud = Cloud(world)
    first = {"answer": "y"}

    def someone_else_saves_first(question):
        if first.pop("answer", None):
            cloud.run("mapping", "set", "Webinar", "Online", "--yes")
        return "y"

    out = io.StringIO()
    code = cli.main(
        ["--api", API, "mapping", "set", "Roadshow", "Field Event"],
        session=cloud.session,
        credentials=Credentials("AKIDEXAMPLE", "secret", "session-token"),
        ask=someone_else_saves_first,
        out=out,
    )

    assert code == 1
    assert "Refused, nothing changed: HTTP 409 MAPPING_VERSION_CONFLICT" in out.getvalue()
    _, shown = cloud.run("mapping")
    assert "version 1" in shown
    assert "Roadshow" not in shown.split("no mapping", 1)[0]


def test_program_links_members_and_runs_go_through_their_routes(world):
    program_id = program_sync.a_program(world)
    campaign_id = program_sync.a_campaign(world)
    cloud = Cloud(world)

    code, linked = cloud.run("program", "link", str(program_id), campaign_id)
    assert code == 0, linked
    assert re.search(rf"campaign_id\s+{campaign_id}", linked)

    code, listed = cloud.run("program-links")
    assert code == 0
    assert re.search(rf"{program_id}\s+{campaign_id}\s+Conference", listed)

    code, added = cloud.run(
        "member",
        "add",
        campaign_id,
        "ada@example.com",
        "--status",
        "Registered",
        "--first-name",
        "Ada",
        "--last-name",
        "Lovelace",
        "--company",
        "Engines",
    )
    assert code == 0, added
    assert program_sync.sf_statuses(world, campaign_id) == {"ada@example.com": "Registered"}

    code, _ = cloud.run("member", "status", campaign_id, "ada@example.com", "Attended")
    assert code == 0
    code, shown = cloud.run("member", "show", campaign_id, "ada@example.com")
    assert code == 0
    assert "Attended" in shown

    code, ran = cloud.run("program", "sync", str(program_id))
    assert code == 0, ran
    assert re.search(r"completed\s+True", ran)

    code, _ = cloud.run("member", "remove", campaign_id, "ada@example.com")
    assert code == 0
    assert program_sync.sf_statuses(world, campaign_id) == {}

    code, unlinked = cloud.run("program", "unlink", str(program_id))
    assert code == 0
    assert re.search(r"unlinked\s+True", unlinked)
    _, listed = cloud.run("program-links")
    assert str(program_id) not in listed.splitlines()[-1]


def test_a_table_aligns_its_columns_and_right_aligns_numbers():
    rows = [{"status": "Touchpoint Created", "members": 1200}, {"status": "Error", "members": 3}]

    assert cli.table(rows, ["status", "members"]).splitlines() == [
        "status              members",
        "------------------  -------",
        "Touchpoint Created    1,200",
        "Error                     3",
    ]
