"""The table policies template.yaml gives each function, enforced on its DynamoDB calls in the
World: moto does not evaluate IAM, so without this a function could touch items its deployed
role may not, and only AWS would tell.

While a deployed function's handler runs, each DynamoDB call it makes is checked against the
statements of its `Policies` on the state table: the action (a transaction's Put, Update,
Delete and ConditionCheck each as dynamodb:PutItem, UpdateItem, DeleteItem, ConditionCheckItem;
"Actions, resources, and condition keys for Amazon DynamoDB",
https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazondynamodb.html),
and the partition key of every item it names against `dynamodb:LeadingKeys` ("Using IAM policy
conditions for fine-grained access control",
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/specifying-conditions.html).
`ForAllValues` holds when every key matches one value (StringEquals) or pattern (StringLike,
`*` and `?`). A Query of a global secondary index needs a statement on the index's ARN
(`<table ARN>/index/<name>`), and its leading keys are the index's partition key values ("Using
IAM to control access to indexes" in the same guide). SAM's DynamoDBCrudPolicy and DynamoDBReadPolicy grant their documented actions on
the whole table ("AWS SAM policy templates",
https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/serverless-policy-template-list.html).
A call the role does not allow answers AccessDeniedException, as DynamoDB does. Calls made
outside a handler (test set-up and checks) are not restricted.
"""

from __future__ import annotations

import contextvars
import fnmatch
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.awsrequest import AWSResponse

# The function whose handler is running (its template logical id), set by the World.
CALLER: contextvars.ContextVar[str | None] = contextvars.ContextVar("caller", default=None)

SAM_TABLE_POLICIES = {
    "DynamoDBCrudPolicy": frozenset(
        {
            "GetItem",
            "DeleteItem",
            "PutItem",
            "Scan",
            "Query",
            "UpdateItem",
            "BatchWriteItem",
            "BatchGetItem",
            "DescribeTable",
            "ConditionCheckItem",
        }
    ),
    "DynamoDBReadPolicy": frozenset({"GetItem", "Scan", "Query", "BatchGetItem", "DescribeTable"}),
}
TRANSACTION_ACTIONS = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
    "Get": "GetItem",
}
_EQUALS = re.compile(r"(#?[A-Za-z_][\w]*)\s*=\s*(:[\w]+)")


@dataclass(frozen=True, slots=True)
class TableGrant:
    """One Allow statement on the table: its actions and, when restricted, the partition keys
    (`like`: StringLike patterns; otherwise exact values). None: any key."""

    actions: frozenset[str]
    leading_keys: tuple[str, ...] | None = None
    like: bool = False
    index: str | None = None  # a global secondary index's name; None: the table itself

    def allows(self, action: str, keys: list[str], index: str | None = None) -> bool:
        if action not in self.actions or index != self.index:
            return False
        if self.leading_keys is None:
            return True
        return all(self.matches(key) for key in keys)

    def matches(self, key: str) -> bool:
        if self.like:
            return any(fnmatch.fnmatchcase(key, pattern) for pattern in self.leading_keys or ())
        return key in (self.leading_keys or ())


def table_grants(
    template: Mapping[str, Any], table: str = "StateTable"
) -> dict[str, list[TableGrant]]:
    """Each function's grants on the table, by logical id, read from its `Policies`."""
    grants: dict[str, list[TableGrant]] = {}
    for logical_id, resource in template["Resources"].items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        found: list[TableGrant] = []
        for policy in resource["Properties"].get("Policies", []):
            if not isinstance(policy, dict):
                continue
            for name, actions in SAM_TABLE_POLICIES.items():
                if name in policy and policy[name].get("TableName") == {"Ref": table}:
                    found.append(TableGrant(actions))
            for statement in policy.get("Statement", []):
                grant = _statement_grant(statement, table)
                if grant is not None:
                    found.append(grant)
        grants[logical_id] = found
    return grants


def _statement_grant(statement: Mapping[str, Any], table: str) -> TableGrant | None:
    index = _index_of(statement.get("Resource"), table)
    if statement.get("Effect") != "Allow" or index is False:
        return None
    actions = (
        statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
    )
    names = frozenset(a.split(":", 1)[1] for a in actions if a.startswith("dynamodb:"))
    for operator, keys in (statement.get("Condition") or {}).items():
        if "dynamodb:LeadingKeys" in keys:
            values = keys["dynamodb:LeadingKeys"]
            values = values if isinstance(values, list) else [values]
            like = operator.endswith("StringLike")
            return TableGrant(names, tuple(values), like, index or None)
    return TableGrant(names, index=index or None)


def _index_of(resource: Any, table: str) -> str | bool:
    """ "" for the table's own ARN, an index's name for its ARN, False for anything else."""
    if resource == {"Fn::GetAtt": [table, "Arn"]}:
        return ""
    if isinstance(resource, dict) and isinstance(resource.get("Fn::Sub"), str):
        prefix = f"${{{table}.Arn}}/index/"
        if resource["Fn::Sub"].startswith(prefix):
            return resource["Fn::Sub"].removeprefix(prefix)
    return False


def index_partition_keys(template: Mapping[str, Any], table: str = "StateTable") -> dict[str, str]:
    """Each global secondary index of the table: its partition key attribute, by index name."""
    indexes = template["Resources"][table]["Properties"].get("GlobalSecondaryIndexes", [])
    return {
        index["IndexName"]: next(
            k["AttributeName"] for k in index["KeySchema"] if k["KeyType"] == "HASH"
        )
        for index in indexes
    }


def enforce_function_policies(
    session: boto3.session.Session,
    grants: Mapping[str, list[TableGrant]],
    indexes: Mapping[str, str],
) -> None:
    """Every DynamoDB client the session creates from now on checks the running function's
    grants (`indexes`: each index's partition key attribute)."""
    session.events.register(
        "before-call.dynamodb",
        lambda model, params, **_: _refusal(model.name, params, grants, indexes),
    )


def _refusal(
    operation: str,
    params: Mapping[str, Any],
    grants: Mapping[str, list[TableGrant]],
    indexes: Mapping[str, str],
) -> tuple[AWSResponse, dict[str, Any]] | None:
    caller = CALLER.get()
    if caller is None:
        return None
    body = json.loads(params.get("body") or b"{}")
    index = body.get("IndexName")
    for action, keys in requested_keys(operation, body, indexes):
        if not any(grant.allows(action, keys, index) for grant in grants.get(caller, [])):
            return _access_denied(caller, action, keys)
    return None


def requested_keys(
    operation: str, body: Mapping[str, Any], indexes: Mapping[str, str] | None = None
) -> Iterator[tuple[str, list[str]]]:
    """(action, partition keys) pairs the call needs allowed; a Query of an index names the
    index's partition key values (`indexes`: each index's partition key attribute)."""
    if operation in ("GetItem", "DeleteItem", "UpdateItem"):
        yield operation, [_pk(body["Key"])]
    elif operation == "PutItem":
        yield operation, [_pk(body["Item"])]
    elif operation == "Query":
        index = body.get("IndexName")
        yield operation, [_queried_pk(body, (indexes or {})[index] if index else "PK")]
    elif operation == "BatchGetItem":
        yield (
            operation,
            [_pk(k) for request in body["RequestItems"].values() for k in request["Keys"]],
        )
    elif operation == "BatchWriteItem":
        keys = []
        for requests in body["RequestItems"].values():
            for request in requests:
                if "PutRequest" in request:
                    keys.append(_pk(request["PutRequest"]["Item"]))
                else:
                    keys.append(_pk(request["DeleteRequest"]["Key"]))
        yield operation, keys
    elif operation in ("TransactWriteItems", "TransactGetItems"):
        for item in body["TransactItems"]:
            for kind, action in item.items():
                yield TRANSACTION_ACTIONS[kind], [_pk(action.get("Key") or action["Item"])]
    else:  # Scan, DescribeTable, …: no partition key named
        yield operation, []


def _pk(key: Mapping[str, Mapping[str, str]]) -> str:
    return next(iter(key["PK"].values()))


def _queried_pk(body: Mapping[str, Any], attribute: str) -> str:
    """The partition key value of a Query's key condition (`<attribute> = :v`, names resolved)."""
    names = body.get("ExpressionAttributeNames") or {}
    values = body.get("ExpressionAttributeValues") or {}
    for name, value in _EQUALS.findall(body["KeyConditionExpression"]):
        if names.get(name, name) == attribute:
            return next(iter(values[value].values()))
    raise AssertionError(f"no partition key in {body['KeyConditionExpression']!r}")


def _access_denied(caller: str, action: str, keys: list[str]) -> tuple[AWSResponse, dict[str, Any]]:
    message = (
        f"User: arn:aws:sts::123456789012:assumed-role/{caller}Role/{caller} is not authorized "
        f"to perform: dynamodb:{action} on the state table (leading keys {sorted(set(keys))}) "
        "because no identity-based policy allows it"
    )
    parsed = {
        "Error": {"Code": "AccessDeniedException", "Message": message},
        "ResponseMetadata": {"HTTPStatusCode": 400, "HTTPHeaders": {}},
    }
    return AWSResponse("https://dynamodb.emulated", 400, {}, None), parsed
