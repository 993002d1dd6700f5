import boto3
import pytest
from moto import mock_aws


@pytest.fixture
def state_table_and_client():
    """The state table on moto, as template.yaml shapes its keys, with a low-level client (what
    the state store saves and loads members through) beside its resource Table."""
    with mock_aws():
        table = boto3.resource("dynamodb", region_name="eu-west-1").create_table(
            TableName="state",
            KeySchema=[
                {"AttributeName": "PK", "KeyType": "HASH"},
                {"AttributeName": "SK", "KeyType": "RANGE"},
            ],
            AttributeDefinitions=[
                {"AttributeName": "PK", "AttributeType": "S"},
                {"AttributeName": "SK", "AttributeType": "S"},
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        yield table, boto3.client("dynamodb", region_name="eu-west-1")
