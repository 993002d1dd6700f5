"""The light path's readers (edge/light_api.py): a value read as the documented resolver would
read it, or `Unsure` whenever it might read it otherwise. Both paths answering alike, through
the handlers: tests/integration/test_admin_api_light_path.py."""

import pytest

from touchpoints.edge.light_api import (
    LightApi,
    Reply,
    Unsure,
    body_text,
    json_object,
    proxy_result,
    salesforce_id,
    whole_number,
)

CAMPAIGN_15, CAMPAIGN_18 = "7015g0000000001", "7015g0000000001AAA"


def test_an_id_is_read_in_its_18_character_form_and_a_wrong_suffix_is_not_the_light_paths():
    assert salesforce_id(CAMPAIGN_15) == CAMPAIGN_18
    assert salesforce_id(CAMPAIGN_18) == CAMPAIGN_18
    for unsure in (None, "", "7015g0000000001AAB", "7015g00000000-1", CAMPAIGN_18 + "\n"):
        with pytest.raises(Unsure):
            salesforce_id(unsure)


@pytest.mark.parametrize("text", ["0", "+5", " 5", "5.0", "007", "1_000", "٣", "101"])
def test_a_number_not_in_plain_digits_or_past_its_maximum_is_not_the_light_paths(text):
    with pytest.raises(Unsure):
        whole_number(text, default=1, maximum=100)


def test_a_number_in_plain_digits_is_read_and_an_absent_one_is_its_default():
    assert whole_number("100", default=1, maximum=100) == 100
    assert whole_number(None, default=20, maximum=100) == 20


def test_an_object_needs_its_required_fields_and_no_others():
    required, optional = frozenset({"a"}), frozenset({"b"})

    assert json_object({"a": 1, "b": 2}, required, optional) == {"a": 1, "b": 2}
    for unsure in ({"b": 2}, {"a": 1, "c": 3}, [("a", 1)], None):
        with pytest.raises(Unsure):
            json_object(unsure, required, optional)


def test_body_text_is_a_string_within_its_lengths_that_encodes():
    assert body_text("Attended", 1, 80) == "Attended"
    for unsure in (3, None, "", "x" * 81, "\ud800"):
        with pytest.raises(Unsure):
            body_text(unsure, 1, 80)


def test_a_reply_is_shaped_as_powertools_shapes_a_rest_proxy_result():
    result = proxy_result(Reply(201, {"a": "é"}, headers={"Location": "/jobs/1"}))

    assert result == {
        "statusCode": 201,
        "body": '{"a":"\\u00e9"}',
        "isBase64Encoded": False,
        "multiValueHeaders": {"Content-Type": ["application/json"], "Location": ["/jobs/1"]},
    }


class _Documented:
    def __init__(self) -> None:
        self.events: list[dict] = []

    def append_context(self, **context):
        self.context = context

    def resolve(self, event, context):
        self.events.append(event)
        return {"statusCode": 299}


def _event(path, query=None):
    return {
        "httpMethod": "GET",
        "path": path,
        "multiValueQueryStringParameters": query,
        "multiValueHeaders": {"Accept": ["*/*"]},
        "requestContext": {"identity": {"userArn": "arn:aws:iam::1:user/x"}},
    }


def test_a_repeated_parameter_an_unknown_route_and_a_refusal_take_the_right_path():
    documented = _Documented()
    light = LightApi({LookupError: (404, "NOT_HERE")}, lambda: documented)

    @light.route("GET", "/things/<thing_id>")
    def read_thing(request, deps):
        if request.query.get("missing"):
            raise LookupError("no such thing")
        return Reply(200, {"thing": request.path["thing_id"], "by": request.caller})

    assert light.resolve(_event("/things/a%40b"), None, deps=None)["body"] == (
        '{"thing":"a%40b","by":"arn:aws:iam::1:user/x"}'
    )
    refused = light.resolve(_event("/things/a", {"missing": ["1"]}), None, deps=None)
    assert (refused["statusCode"], refused["body"]) == (
        404,
        '{"error":"NOT_HERE","message":"no such thing"}',
    )
    assert documented.events == []
    assert (
        light.resolve(_event("/things/a", {"x": ["1", "2"]}), None, deps=None)["statusCode"] == 299
    )
    assert light.resolve(_event("/elsewhere"), None, deps=None)["statusCode"] == 299
    assert len(documented.events) == 2
