"""The dashboard and alarms template.yaml deploys (issue 21) name only metrics that exist: every
custom metric is one the code publishes (read from the code itself: Powertools `add_metric`
names, the dicts handed to `add_counts` and built in `edge/run_reports.py`, and `ColdStart` where
the metrics decorator captures it), in the namespace and with the service dimension the functions
publish under; AWS metrics name the template's own functions and queues; every look-ahead alarm
links a runbook section that exists."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

from emulators.template_stack import load_template

ROOT = Path(__file__).resolve().parents[2]
CODE = [*(ROOT / "layers/shared/touchpoints").rglob("*.py"), *(ROOT / "functions").glob("*/app.py")]
TEMPLATE = load_template()
RESOURCES = TEMPLATE["Resources"]
ENVIRONMENT = TEMPLATE["Globals"]["Function"]["Environment"]["Variables"]
NAMESPACE = ENVIRONMENT["POWERTOOLS_METRICS_NAMESPACE"]
SERVICE = ENVIRONMENT["POWERTOOLS_SERVICE_NAME"]
RUNBOOK = ROOT / "docs" / "runbook.md"


def _call_name(node: ast.Call) -> str:
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def _dict_keys(node: ast.AST) -> tuple[set[str], set[str]]:
    """A dict literal's (or a `counts[key] = …` assignment's) constant keys, and the constant
    starts of its f-string keys."""
    keys: list[ast.AST | None] = []
    if isinstance(node, ast.Dict):
        keys = list(node.keys)
    elif isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Store):
        keys = [node.slice]
    names, prefixes = set(), set()
    for key in keys:
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            names.add(key.value)
        elif isinstance(key, ast.JoinedStr) and isinstance(key.values[0], ast.Constant):
            prefixes.add(key.values[0].value)
    return names, prefixes


def published_metrics() -> tuple[set[str], set[str], set[str]]:
    """(metric names, name prefixes of metrics named at run time, namespaces) the code publishes."""
    names, prefixes, namespaces = set(), set(), set()
    for path in CODE:
        tree = ast.parse(path.read_text())
        reports = path.name == "run_reports.py"
        for node in ast.walk(tree):
            if reports:
                found, starts = _dict_keys(node)
                names |= found
                prefixes |= starts
            if not isinstance(node, ast.Call):
                continue
            keywords = {k.arg: k.value for k in node.keywords}
            if _call_name(node) == "add_metric" and isinstance(keywords.get("name"), ast.Constant):
                names.add(keywords["name"].value)
            if _call_name(node) == "add_counts" and node.args:
                found, starts = _dict_keys(node.args[0])
                names |= found
                prefixes |= starts
            cold = keywords.get("capture_cold_start_metric")
            if _call_name(node) == "log_metrics" and isinstance(cold, ast.Constant) and cold.value:
                names.add("ColdStart")  # Powertools publishes it, by function_name and service
            if _call_name(node) == "Metrics" and isinstance(
                keywords.get("namespace"), ast.Constant
            ):
                namespaces.add(keywords["namespace"].value)
    return names, prefixes, namespaces


# Names the dashboard's Fn::Sub defines itself, for resources deployed only on a condition.
CONDITIONAL_NAMES = {
    "ChangeEventFunctionName": "ChangeEventFunction",
    "ChangeEventDeadLetterQueueName": "ChangeEventDeadLetterQueue.QueueName",
}


def dashboard() -> tuple[dict, set[str]]:
    """The dashboard body, with its `${…}` substitutions (returned, a conditional resource's name
    as the resource) replaced by placeholders."""
    body, variables = RESOURCES["OperationsDashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]
    assert set(variables) == set(CONDITIONAL_NAMES)
    for name, resource in CONDITIONAL_NAMES.items():
        body = body.replace(f"${{{name}}}", f"${{{resource}}}")
    substitutions = set(re.findall(r"\$\{([^}]+)\}", body))
    return json.loads(re.sub(r"\$\{([^}]+)\}", r"<\1>", body)), substitutions


def dashboard_rows() -> list[list]:
    body, _ = dashboard()
    return [row for widget in body["widgets"] for row in widget["properties"]["metrics"]]


def test_every_custom_metric_the_dashboard_names_is_published_by_the_code():
    names, prefixes, namespaces = published_metrics()
    assert namespaces == {NAMESPACE}
    named, searched = [], []
    for row in dashboard_rows():
        if isinstance(row[0], dict):
            searched.append(row[0]["expression"])
            continue
        namespace, metric, *dimensions = row
        if namespace.startswith("AWS/"):
            continue
        assert namespace == NAMESPACE, row
        named.append(metric)
        pairs = dict(zip(dimensions[0::2], dimensions[1::2], strict=False))
        assert pairs.get("service") == SERVICE, row
    assert named
    missing = [metric for metric in named if metric not in names]
    assert not missing, f"named on the dashboard, published nowhere: {missing}"
    for expression in searched:
        namespace, term = re.fullmatch(
            r"SEARCH\('\{(\w+),service\} (\w+)', '\w+', \d+\)", expression
        ).groups()
        assert namespace == NAMESPACE
        assert any(p.startswith(term) for p in prefixes) or term in names, expression


def test_every_custom_metric_an_alarm_watches_is_published_by_the_code():
    names, _, _ = published_metrics()
    alarms = {
        k: r["Properties"] for k, r in RESOURCES.items() if r["Type"] == "AWS::CloudWatch::Alarm"
    }
    custom = {k: a for k, a in alarms.items() if not a["Namespace"].startswith("AWS/")}
    assert {"SalesforceApiBudgetLowAlarm", "WebhookRefusalSpikeAlarm"} <= set(custom)
    for logical_id, alarm in custom.items():
        assert alarm["Namespace"] == NAMESPACE, logical_id
        assert alarm["MetricName"] in names, logical_id
        assert alarm["Dimensions"] == [{"Name": "service", "Value": SERVICE}], logical_id


def test_the_dashboard_covers_every_function_and_queue_of_the_template():
    body, substitutions = dashboard()
    functions = {k for k, r in RESOURCES.items() if r["Type"] == "AWS::Serverless::Function"}
    queues = {k for k, r in RESOURCES.items() if r["Type"] == "AWS::SQS::Queue"}
    for name in substitutions:
        resource = name.split(".")[0]
        assert resource in RESOURCES or resource.startswith("AWS::"), name
    titles = {w["properties"]["title"]: w["properties"]["metrics"] for w in body["widgets"]}
    for title in ("Cold starts per function", "Duration per function (p99, ms)", "Errors"):
        shown = {v.strip("<>") for row in titles[title] for v in row if isinstance(v, str)}
        assert functions <= shown, title
    queue_rows = {
        v.strip("<>").split(".")[0] for row in dashboard_rows() for v in row if isinstance(v, str)
    }
    assert queues <= queue_rows


def test_the_look_ahead_alarms_fire_at_20_percent_left_old_messages_and_refusal_spikes():
    budget = RESOURCES["SalesforceApiBudgetLowAlarm"]["Properties"]
    assert (budget["Threshold"], budget["ComparisonOperator"]) == (20, "LessThanThreshold")
    age = RESOURCES["RecomputeQueueAgeAlarm"]["Properties"]
    assert age["MetricName"] == "ApproximateAgeOfOldestMessage"
    assert age["Dimensions"][0]["Value"] == {"Fn::GetAtt": ["RecomputeQueue", "QueueName"]}
    for dead_letters in ("DeadLetterQueueAlarm", "BulkDateJobDeadLetterAlarm"):
        alarm = RESOURCES[dead_letters]["Properties"]
        assert (alarm["Threshold"], alarm["ComparisonOperator"]) == (0, "GreaterThanThreshold")


def test_every_alarm_with_a_runbook_link_points_at_a_section_that_exists():
    text = RUNBOOK.read_text()
    anchors = {_slug(h) for h in re.findall(r"^#+ (.+)$", text, flags=re.MULTILINE)}
    linked = {
        "SalesforceApiBudgetLowAlarm",
        "RecomputeQueueAgeAlarm",
        "WebhookRefusalSpikeAlarm",
        "DeadLetterQueueAlarm",
        "BulkDateJobDeadLetterAlarm",
        "WebhookRefusedAlarm",
    }
    for logical_id in linked:
        description = RESOURCES[logical_id]["Properties"]["AlarmDescription"]
        [anchor] = re.findall(r"docs/runbook\.md#([\w-]+)", description)
        assert anchor in anchors, (logical_id, anchor)


def test_alarms_notify_the_topic_when_one_is_given():
    assert TEMPLATE["Parameters"]["AlarmTopicArn"]["Default"] == ""
    for logical_id, resource in RESOURCES.items():
        if resource["Type"] == "AWS::CloudWatch::Alarm":
            actions = resource["Properties"]["AlarmActions"]
            assert actions == {
                "Fn::If": ["HasAlarmTopic", [{"Ref": "AlarmTopicArn"}], {"Ref": "AWS::NoValue"}]
            }, logical_id


def _slug(heading: str) -> str:
    """GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
