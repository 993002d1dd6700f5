import json

import boto3
from moto import mock_aws

from touchpoints.adapters.attribution_queue import AttributionQueue


def received(sqs, url):
    bodies = []
    while reply := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages"):
        for message in reply:
            bodies.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return bodies


@mock_aws
def test_persons_go_a_hundred_to_a_message_once_each_in_id_order():
    sqs = boto3.client("sqs", region_name="eu-west-1")
    url = sqs.create_queue(QueueName="attribution")["QueueUrl"]
    persons = [f"003{n:015d}" for n in range(250)]

    sent = AttributionQueue(sqs, url).enqueue_persons(reversed(persons + persons[:10]), "test")

    assert sent == 3
    bodies = received(sqs, url)
    assert sorted(len(body["person_ids"]) for body in bodies) == [50, 100, 100]
    assert sorted(p for body in bodies for p in body["person_ids"]) == persons
    assert {body["cause"] for body in bodies} == {"test"}


@mock_aws
def test_no_persons_send_nothing():
    sqs = boto3.client("sqs", region_name="eu-west-1")
    url = sqs.create_queue(QueueName="attribution")["QueueUrl"]
    assert AttributionQueue(sqs, url).enqueue_persons([], "test") == 0
    assert received(sqs, url) == []
