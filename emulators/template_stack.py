"""The stack template.yaml declares, stood up on moto: the tests and the demo run what is deployed.

The table (keys, TTL), each queue (FIFO, visibility timeout, retention, redrive policy) and each
secret the template creates are made from the template itself, and each function's environment is
the template's (Globals merged with its own, parameters and references resolved). A template change
is therefore a test change. Only what the project's template uses is understood; anything else
raises, so a new construct cannot be silently ignored.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import yaml

from emulators.dynamodb_limits import enforce_key_limits

TEMPLATE = Path(__file__).resolve().parent.parent / "template.yaml"
REGION = "eu-west-1"
ACCOUNT = "123456789012"


class TemplateError(ValueError):
    """The template uses something this loader does not understand."""


class _TemplateLoader(yaml.SafeLoader):
    """YAML with CloudFormation's short-form tags (!Ref, !GetAtt, !Sub, !If, ...)."""


def _short_form(loader: yaml.SafeLoader, tag_suffix: str, node: yaml.Node) -> dict[str, Any]:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    if tag_suffix == "Ref":
        return {"Ref": value}
    if tag_suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    return {f"Fn::{tag_suffix}": value}


_TemplateLoader.add_multi_constructor("!", _short_form)


def load_template(path: Path = TEMPLATE) -> dict[str, Any]:
    return yaml.load(path.read_text(), Loader=_TemplateLoader)  # noqa: S506 - SafeLoader subclass


@dataclass
class Stack:
    """What the template made on moto: physical ids by logical id, and each function's environment."""

    name: str
    template: dict[str, Any]
    parameters: dict[str, str]
    physical_ids: dict[str, str] = field(default_factory=dict)
    attributes: dict[tuple[str, str], str] = field(default_factory=dict)

    def function_environment(self, logical_id: str) -> dict[str, str]:
        """Globals' variables, then the function's own, resolved as CloudFormation would."""
        resource = self.template["Resources"][logical_id]
        if resource["Type"] != "AWS::Serverless::Function":
            raise TemplateError(f"{logical_id} is not a function")
        variables = dict(_variables(self.template.get("Globals", {}).get("Function", {})))
        variables.update(_variables(resource["Properties"]))
        return {name: str(self.resolve(value)) for name, value in variables.items()}

    def functions(self) -> list[str]:
        return [
            logical_id
            for logical_id, resource in self.template["Resources"].items()
            if resource["Type"] == "AWS::Serverless::Function"
        ]

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self.resolve(item) for item in value]
        if not isinstance(value, dict):
            return value
        if len(value) != 1:
            return {key: self.resolve(item) for key, item in value.items()}
        [(key, argument)] = value.items()
        if key == "Ref":
            return self._ref(argument)
        if key == "Fn::GetAtt":
            logical_id, attribute = argument
            return self.attributes[(logical_id, attribute)]
        if key == "Fn::If":
            condition, when_true, when_false = argument
            return self.resolve(when_true if self.condition(condition) else when_false)
        if key.startswith("Fn::"):
            raise TemplateError(f"{key} is not understood by the local stack")
        return {key: self.resolve(argument)}

    def condition(self, name: str) -> bool:
        return self._evaluate(self.template["Conditions"][name])

    def deploys(self, logical_id: str) -> bool:
        """Whether the resource is made with these parameters (its `Condition`, if any, holds)."""
        condition = self.template["Resources"][logical_id].get("Condition")
        return condition is None or self.condition(condition)

    def _evaluate(self, expression: dict[str, Any]) -> bool:
        [(key, argument)] = expression.items()
        if key == "Fn::Not":
            return not self._evaluate(argument[0])
        if key == "Fn::Equals":
            left, right = (self.resolve(item) for item in argument)
            return str(left) == str(right)
        if key == "Condition":
            return self.condition(argument)
        raise TemplateError(f"condition {key} is not understood by the local stack")

    def _ref(self, name: str) -> str:
        if name in self.parameters:
            return self.parameters[name]
        if name in self.physical_ids:
            return self.physical_ids[name]
        if name == "AWS::Region":
            return REGION
        if name == "AWS::AccountId":
            return ACCOUNT
        raise TemplateError(f"!Ref {name}: no such parameter or resource on the local stack")


def _variables(properties: dict[str, Any]) -> dict[str, Any]:
    return (properties.get("Environment") or {}).get("Variables") or {}


def process_environment(parameters: dict[str, str] | None = None) -> dict[str, str]:
    """What libraries read from the process environment rather than from our settings (Powertools'
    log level, service name, metrics namespace, tracer options), as the template gives every
    function. Set it before importing the layer: Powertools names its loggers at import."""
    template = load_template()
    defaults = {
        name: str(spec["Default"])
        for name, spec in template.get("Parameters", {}).items()
        if "Default" in spec
    }
    stack = Stack("process", template, {**defaults, **(parameters or {})})
    shared: dict[str, str] = {}
    for logical_id in stack.functions():
        resource = template["Resources"][logical_id]
        variables = {
            **_variables(template.get("Globals", {}).get("Function", {})),
            **_variables(resource["Properties"]),
        }
        for name, value in variables.items():
            if not (name.startswith("POWERTOOLS_") or name == "LOG_LEVEL"):
                continue
            resolved = str(stack.resolve(value))
            if shared.setdefault(name, resolved) != resolved:
                raise TemplateError(f"{name} differs between functions; one process runs them all")
    return shared


def resolve_parameters(template: dict[str, Any], given: dict[str, str]) -> dict[str, str]:
    """The template's defaults, overridden by what is given; a parameter without either is an error,
    as it is for `sam deploy`."""
    declared = template.get("Parameters", {})
    unknown = sorted(set(given) - set(declared))
    if unknown:
        raise TemplateError(f"template.yaml declares no parameter {unknown}")
    values = {}
    for name, spec in declared.items():
        if name in given:
            values[name] = str(given[name])
        elif "Default" in spec:
            values[name] = str(spec["Default"])
        else:
            raise TemplateError(f"parameter {name} has no default and no value was given")
    return values


def create_stack(
    session: boto3.session.Session, parameters: dict[str, str], name: str = "offline-touchpoints"
) -> Stack:
    """Every table, queue and secret of template.yaml, created on moto (dead-letter queues first)."""
    template = load_template()
    stack = Stack(name, template, resolve_parameters(template, parameters))
    resources = template["Resources"]
    queues = {
        k: v for k, v in resources.items() if v["Type"] == "AWS::SQS::Queue" and stack.deploys(k)
    }
    # A queue's redrive policy names its dead-letter queue: create those first.
    for logical_id in sorted(queues, key=lambda k: "RedrivePolicy" in queues[k]["Properties"]):
        _create_queue(session, stack, logical_id, queues[logical_id]["Properties"])
    key_schemas: dict[str, tuple[str, str | None]] = {}
    for logical_id, resource in resources.items():
        if not stack.deploys(logical_id):
            continue
        if resource["Type"] == "AWS::DynamoDB::Table":
            _create_table(session, stack, logical_id, resource["Properties"])
            key_schemas[stack.physical_ids[logical_id]] = _key_names(resource["Properties"])
        elif resource["Type"] == "AWS::SecretsManager::Secret":
            _create_secret(session, stack, logical_id, resource["Properties"])
    enforce_key_limits(session, key_schemas)  # as DynamoDB does where moto does not
    return stack


def _key_names(properties: dict[str, Any]) -> tuple[str, str | None]:
    names = {key["KeyType"]: key["AttributeName"] for key in properties["KeySchema"]}
    return names["HASH"], names.get("RANGE")


def _create_queue(
    session: boto3.session.Session, stack: Stack, logical_id: str, properties: dict[str, Any]
) -> None:
    sqs = session.client("sqs")
    fifo = bool(properties.get("FifoQueue"))
    attributes = {
        key: _attribute(stack.resolve(value))
        for key, value in properties.items()
        if key
        in (
            "FifoQueue",
            "ContentBasedDeduplication",
            "DeduplicationScope",
            "FifoThroughputLimit",
            "VisibilityTimeout",
            "MessageRetentionPeriod",
            "DelaySeconds",
            "ReceiveMessageWaitTimeSeconds",
        )
    }
    if "RedrivePolicy" in properties:
        attributes["RedrivePolicy"] = json.dumps(
            {key: str(value) for key, value in stack.resolve(properties["RedrivePolicy"]).items()}
        )
    queue_name = f"{stack.name}-{logical_id}" + (".fifo" if fifo else "")
    url = sqs.create_queue(QueueName=queue_name, Attributes=attributes)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    stack.physical_ids[logical_id] = url
    stack.attributes[(logical_id, "Arn")] = arn
    stack.attributes[(logical_id, "QueueName")] = queue_name
    stack.attributes[(logical_id, "QueueUrl")] = url


def _attribute(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def _create_table(
    session: boto3.session.Session, stack: Stack, logical_id: str, properties: dict[str, Any]
) -> None:
    client = session.client("dynamodb")
    table_name = f"{stack.name}-{logical_id}"
    client.create_table(
        TableName=table_name,
        KeySchema=properties["KeySchema"],
        AttributeDefinitions=properties["AttributeDefinitions"],
        BillingMode=properties["BillingMode"],
        **(
            {"GlobalSecondaryIndexes": properties["GlobalSecondaryIndexes"]}
            if "GlobalSecondaryIndexes" in properties
            else {}
        ),
    )
    ttl = properties.get("TimeToLiveSpecification")
    if ttl:
        client.update_time_to_live(TableName=table_name, TimeToLiveSpecification=ttl)
    description = client.describe_table(TableName=table_name)["Table"]
    stack.physical_ids[logical_id] = table_name
    stack.attributes[(logical_id, "Arn")] = description["TableArn"]


def _create_secret(
    session: boto3.session.Session, stack: Stack, logical_id: str, properties: dict[str, Any]
) -> None:
    """A secret the template generates: the JSON template with its key set to a random string."""
    generate = properties.get("GenerateSecretString")
    if generate is None:
        raise TemplateError(f"{logical_id}: only generated secrets are understood")
    value = json.loads(generate.get("SecretStringTemplate", "{}"))
    value[generate["GenerateStringKey"]] = secrets.token_urlsafe(
        int(generate.get("PasswordLength", 32))
    )
    arn = session.client("secretsmanager").create_secret(
        Name=f"{stack.name}/{logical_id}", SecretString=json.dumps(value)
    )["ARN"]
    stack.physical_ids[logical_id] = arn
