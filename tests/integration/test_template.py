"""What template.yaml deploys keeps secrets and personal data out of traces and access logs."""

import json
import re

from emulators.template_stack import load_template

# $context variables that carry no part of the request URL beyond the route template, so never
# the query string where the webhook's token travels. Add one here only after checking that.
ACCESS_LOG_VARIABLES_WITHOUT_THE_URL = {
    "$context.requestId",
    "$context.extendedRequestId",
    "$context.requestTime",
    "$context.identity.caller",
    "$context.identity.userArn",
    "$context.identity.accountId",
    "$context.identity.sourceIp",
    "$context.httpMethod",
    "$context.resourcePath",
    "$context.status",
    "$context.responseLength",
    "$context.responseLatency",
    "$context.integration.status",
    "$context.error.responseType",
}


def _resources():
    return load_template()["Resources"]


def test_traces_never_capture_what_a_handler_returns_or_raises(world):
    """Replies (previews, sync-status reports) and exceptions carry member emails.

    Powertools for AWS Lambda (Python), Tracer, "Disabling response auto-capture" and
    "Disabling exception auto-capture": POWERTOOLS_TRACER_CAPTURE_RESPONSE / _CAPTURE_ERROR set to
    false stop capture_lambda_handler from recording them as X-Ray metadata; events are logged
    only with POWERTOOLS_LOGGER_LOG_EVENT true.
    https://docs.aws.amazon.com/powertools/python/latest/core/tracer/
    """
    for function in world.functions():
        assert function.environment["POWERTOOLS_TRACER_CAPTURE_RESPONSE"] == "false"
        assert function.environment["POWERTOOLS_TRACER_CAPTURE_ERROR"] == "false"
        assert function.environment["POWERTOOLS_LOGGER_LOG_EVENT"] == "false"


def test_the_admin_api_stage_does_not_trace_the_request_url():
    """API Gateway's trace segment records the request URL with its query string, the token's place.

    "AWS X-Ray traces for Amazon API Gateway APIs": the segment's http.request.url is e.g.
    "https://example.com/dev?username=demo&message=hellofromdemo/".
    https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-understanding-xray-traces.html
    """
    template = load_template()

    assert template["Resources"]["AdminApi"]["Properties"]["TracingEnabled"] is False
    assert template["Globals"]["Function"]["Tracing"] == "Active"  # the functions still trace


def test_the_admin_api_logs_who_called_which_route_and_what_came_back():
    """ "Variables for access logging for API Gateway" (the $context variables used below).

    https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-variables-for-access-logging.html
    """
    resources = _resources()
    setting = resources["AdminApi"]["Properties"]["AccessLogSetting"]
    log_group_name, attribute = setting["DestinationArn"]["Fn::GetAtt"]
    log_group = resources[log_group_name]
    fields = json.loads(setting["Format"])

    assert (log_group["Type"], attribute) == ("AWS::Logs::LogGroup", "Arn")
    assert log_group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}
    assert (
        fields.items()
        >= {
            "requestId": "$context.requestId",
            "requestTime": "$context.requestTime",
            "caller": "$context.identity.caller",
            "userArn": "$context.identity.userArn",
            "httpMethod": "$context.httpMethod",
            "resourcePath": "$context.resourcePath",
            "status": "$context.status",
            "responseLength": "$context.responseLength",
        }.items()
    )


def test_the_access_log_never_records_the_query_string():
    """The webhook's token travels in the query string (DESIGN.md): no field may carry the URL."""
    setting = _resources()["AdminApi"]["Properties"]["AccessLogSetting"]
    variables = set(re.findall(r"\$[A-Za-z.]+[A-Za-z]", setting["Format"]))

    assert variables, "the access log format names no $context variable"
    assert variables <= ACCESS_LOG_VARIABLES_WITHOUT_THE_URL, (
        variables - ACCESS_LOG_VARIABLES_WITHOUT_THE_URL
    )


def test_every_queue_is_encrypted_at_rest():
    """checkov's CKV_AWS_27 is skipped (.checkov.yaml): it does not know SSE-SQS, so this checks it."""
    queues = {
        name: r["Properties"] for name, r in _resources().items() if r["Type"] == "AWS::SQS::Queue"
    }

    assert queues
    unencrypted = {
        name
        for name, queue in queues.items()
        if queue.get("SqsManagedSseEnabled") is not True and "KmsMasterKeyId" not in queue
    }
    assert not unencrypted


def test_the_salesforce_caller_role_may_only_call_the_admin_api_with_the_stacks_external_id():
    """AwsSv4_STS: the named credential assumes this role with an IAM user's key and the external
    id (AWS IAM User Guide, "Access to AWS accounts owned by third parties": sts:ExternalId)."""
    template = load_template()
    role = template["Resources"]["AdminApiCallerRole"]["Properties"]
    [trust] = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Action"] == "sts:AssumeRole"
    assert trust["Condition"] == {
        "StringEquals": {
            "sts:ExternalId": {"Fn::Select": [2, {"Fn::Split": ["/", {"Ref": "AWS::StackId"}]}]}
        }
    }
    assert trust["Principal"]["AWS"]["Fn::If"][0] == "HasAdminApiCallerPrincipal"
    [policy] = role["Policies"]
    [statement] = policy["PolicyDocument"]["Statement"]
    assert statement["Action"] == "execute-api:Invoke"
    assert "${AdminApi}/Prod/" in statement["Resource"]["Fn::Sub"]
    outputs = template["Outputs"]
    assert (
        outputs["AdminApiCallerExternalId"]["Value"]
        == trust["Condition"]["StringEquals"]["sts:ExternalId"]
    )
