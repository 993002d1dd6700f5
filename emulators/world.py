"""The world the handlers run in locally (tests and the demo): AWS on moto, Salesforce on the emulator.

Handlers are driven through their real entry points with real-shaped events; nothing of the
project's own code is mocked.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import uuid
import warnings
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any, Literal

import boto3

from emulators.change_events import partner_event_source
from emulators.handler_watch import HANDLER_WATCH, HandlerWatch
from emulators.iam_policies import (
    CALLER,
    enforce_function_policies,
    index_partition_keys,
    table_grants,
)
from emulators.marketo import MarketoEmulator
from emulators.marketo.world import (
    INTEGRATION_USER,
    create_program_sync_resources,
)
from emulators.outbound_messages import outbound_message
from emulators.salesforce import SalesforceEmulator
from emulators.salesforce.keys import key_pair
from emulators.template_stack import Stack, create_stack, process_environment
from touchpoints.services.recompute import WAITING
from touchpoints.settings import Settings, TouchpointFields, load_settings
from touchpoints.wiring import Dependencies

ROOT = Path(__file__).resolve().parent.parent
PERMISSION_SET = (
    ROOT
    / "salesforce/force-app/main/default/permissionsets/Offline_Touchpoints_Integration.permissionset-meta.xml"
)
ORG_ID = "00D5w000004qGTOEA2"
OUTBOUND_TOKEN = "demo-outbound-token"
# What an event relay of the org creates in EventBridge (ChangeEventSourceName turns CDC on).
CHANGE_EVENT_SOURCE = partner_event_source(ORG_ID)
INSTANCE_URL = "https://acme.my.salesforce.com"
SECRET = "offline-touchpoints/salesforce"
CONSUMER_KEY = "3MVG9offline.touchpoints.integration"  # the External Client App's consumer key
START = datetime(2026, 2, 5, 16, 45, tzinfo=UTC)  # both clocks start here; tests move them


def session_secret() -> dict[str, str]:
    """A Salesforce secret holding a session: the functions use it as it is, no login."""
    return {
        "instance_url": INSTANCE_URL,
        "access_token": "00D!session",
        "username": INTEGRATION_USER,
    }


def jwt_secret() -> dict[str, str]:
    """The Salesforce secret `make salesforce-auth` writes: each function environment logs in
    with the JWT bearer flow (its private key is the test process's, see keys.py)."""
    return {
        "username": INTEGRATION_USER,
        "consumer_key": CONSUMER_KEY,
        "private_key": key_pair().private_pem,
        "domain": "login",
    }


SALESFORCE_SECRETS = {"session": session_secret, "jwt": jwt_secret}


def _create_salesforce_secret(
    session: boto3.session.Session, login: Literal["session", "jwt"]
) -> str:
    """The Salesforce secret the deployer creates before `sam deploy` (SalesforceSecretArn)."""
    return session.client("secretsmanager").create_secret(
        Name=SECRET, SecretString=json.dumps(SALESFORCE_SECRETS[login]())
    )["ARN"]


def _trust_the_integration_app(org: SalesforceEmulator) -> None:
    """The org as `make salesforce-auth` and the admin leave it: the External Client App with
    the key's certificate, the integration user pre-authorised; API calls need a session the
    token endpoint issued."""
    org.register_connected_app(CONSUMER_KEY, key_pair().public_pem, INTEGRATION_USER)
    org.expire_sessions()


def quiet_powertools() -> None:
    """For the demo and benchmarks: the functions' JSON logs and metrics stay out of the way."""
    os.environ.update(
        {
            "POWERTOOLS_LOG_LEVEL": "WARNING",
            "POWERTOOLS_METRICS_DISABLED": "true",
            "POWERTOOLS_TRACE_DISABLED": "true",
            "POWERTOOLS_SERVICE_NAME": "offline-touchpoints",
        }
    )
    warnings.filterwarnings("ignore", module="aws_lambda_powertools")


def load_handler(name: str) -> ModuleType:
    """`functions/<name>/app.py` as a module (each function's file is called app.py)."""
    path = ROOT / "functions" / name / "app.py"
    spec = importlib.util.spec_from_file_location(f"functions_{name}_app", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # pydantic resolves the handler's models through it
    spec.loader.exec_module(module)
    return module


def lambda_context(name: str = "test-function") -> SimpleNamespace:
    return SimpleNamespace(
        function_name=name,
        memory_limit_in_mb=512,
        invoked_function_arn=f"arn:aws:lambda:eu-west-1:123456789012:function:{name}",
        aws_request_id="c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
        get_remaining_time_in_millis=lambda: 900_000,
    )


def event(name: str) -> dict[str, Any]:
    return json.loads((ROOT / "events" / name).read_text())


@dataclass
class DeployedFunction:
    """One function of template.yaml: its handler module, run with the environment the template
    gives it. Every call's failures (raised, or records handed back) are reported to `watch`."""

    logical_id: str
    module: ModuleType
    environment: dict[str, str]
    deps: Dependencies
    watch: HandlerWatch

    @property
    def settings(self) -> Settings:
        return self.deps.settings

    def lambda_handler(
        self, event: dict[str, Any], context: Any, deps: Dependencies | None = None
    ) -> Any:
        caller = CALLER.set(self.logical_id)  # its DynamoDB calls are held to its policies
        try:
            response = self.module.lambda_handler(event, context, deps=deps or self.deps)
        except Exception as error:
            self.watch.failed(self.logical_id, f"raised {type(error).__name__}: {error}")
            raise
        finally:
            CALLER.reset(caller)
        if isinstance(response, dict):
            failed = [
                item
                for item in response.get("batchItemFailures", [])
                if item["itemIdentifier"] not in self.watch.waiting
            ]
            if failed:
                self.watch.failed(self.logical_id, f"handed back batch items {failed}")
        return response


# The template's functions, by the attribute a test reaches them through.
FUNCTIONS = {
    "webhook": "CampaignWebhookFunction",
    "recompute": "TouchpointRecomputeFunction",
    "sweep": "ReconciliationSweepFunction",
    "sync_status": "SyncStatusFunction",
    "bulk_date": "BulkDateApiFunction",
    "bulk_date_jobs": "BulkDateJobFunction",
    "program_sync": "ProgramSyncFunction",
    "program_sync_api": "ProgramSyncApiFunction",
    "channel_mapping": "ChannelMappingFunction",
    "change_events": "ChangeEventFunction",  # only with ChangeEventSourceName
    "attribution": "AttributionFunction",
}

NUMERIC_FIELD_TYPES = ("<type>Percent</type>", "<type>Currency</type>", "<type>Number</type>")


def _learn_numeric_fields(org: SalesforceEmulator) -> None:
    """The shipped objects' number fields (salesforce/…/objects/*/fields) are numbers before
    anything writes them, so a Bulk CSV cell is typed as the org would type it."""
    objects = ROOT / "salesforce/force-app/main/default/objects"
    for field_file in objects.glob("*/fields/*.field-meta.xml"):
        if any(kind in field_file.read_text() for kind in NUMERIC_FIELD_TYPES):
            sobject = field_file.parent.parent.name
            org.schema.learn(sobject, field_file.name.removesuffix(".field-meta.xml"), 0.0)


@dataclass
class World:
    """AWS on moto (the stack template.yaml declares) plus one Salesforce org on the emulator and a
    Marketo instance, and each function wired to them with its own deployed environment."""

    session: boto3.session.Session
    org: SalesforceEmulator
    mkto: MarketoEmulator  # Marketo Engage, for the program sync
    stack: Stack
    now: datetime = START

    def __post_init__(self) -> None:
        self.marketo_sleeps: list[float] = []  # the program sync's rate-limit backoffs
        self.watch = HANDLER_WATCH
        self.watch.attach()
        self.queue_url = self.stack.physical_ids["RecomputeQueue"]
        self.dlq_url = self.stack.physical_ids["RecomputeDeadLetterQueue"]
        self.job_queue_url = self.stack.physical_ids["BulkDateJobQueue"]
        self.attribution_queue_url = self.stack.physical_ids["AttributionQueue"]
        self.table_name = self.stack.physical_ids["StateTable"]
        os.environ.update(process_environment(self.stack.parameters))
        for attribute, logical_id in FUNCTIONS.items():
            setattr(self, attribute, self._deploy(logical_id))

    def functions(self) -> list[DeployedFunction]:
        """Every function the template deploys with these parameters, as deployed here."""
        return [getattr(self, a) for a in FUNCTIONS if getattr(self, a) is not None]

    def _deploy(self, logical_id: str) -> DeployedFunction | None:
        if not self.stack.deploys(logical_id):
            return None  # its condition is false: the stack has no such function
        environment = self.stack.function_environment(logical_id)
        settings = replace(
            load_settings(environment),
            job_continue_delay_seconds=0,  # watchdogs and Bulk API polls run at the next drain
        )
        deps = Dependencies(
            settings,
            http_session_factory=self.org.session,
            marketo_session_factory=lambda: self.mkto.session(),
            sleep=self.marketo_sleeps.append,
            clock=lambda: self.now,
            boto3_session=self.session,
        )
        code_uri = self.stack.template["Resources"][logical_id]["Properties"]["CodeUri"]
        module = load_handler(Path(code_uri).name)
        return DeployedFunction(logical_id, module, environment, deps, self.watch)

    @classmethod
    def create(
        cls,
        page_size: int = 2000,
        bulk_api_threshold: int | None = None,
        parameters: dict[str, str] | None = None,
        permission_set: Path = PERMISSION_SET,
        salesforce_login: Literal["session", "jwt"] = "session",
    ) -> World:
        """The stack deployed with the template's defaults, the secrets it expects, and `parameters`
        (template parameter overrides, as `sam deploy --parameter-overrides` takes them). The org
        has the touchpoint object the deployed settings name and the integration user holds
        `permission_set`. `salesforce_login`: the Salesforce secret holds a "session" (no login:
        the org's calls are the runs' own) or a "jwt" login (each function environment logs in
        once, as deployed)."""
        session = boto3.session.Session(region_name="eu-west-1")
        org = SalesforceEmulator(
            instance_url=INSTANCE_URL, page_size=page_size, now=START, org_id=ORG_ID
        )
        org.enforce_permission_set(permission_set)  # the API runs as the integration user
        if salesforce_login == "jwt":
            _trust_the_integration_app(org)
        overrides = {
            "SalesforceSecretArn": _create_salesforce_secret(session, salesforce_login),
            "AllowedOrgIds": ORG_ID,
            **({"BulkApiThreshold": str(bulk_api_threshold)} if bulk_api_threshold else {}),
            **(parameters or {}),
        }
        mkto = MarketoEmulator(now=START)
        overrides.setdefault("MarketoSecretArn", create_program_sync_resources(session, org, mkto))
        stack = create_stack(session, overrides)
        enforce_function_policies(
            session, table_grants(stack.template), index_partition_keys(stack.template)
        )
        # The webhook's token secret is generated by the template; the admin may put a value of
        # their choosing, as the tests and the sample events do.
        session.client("secretsmanager").put_secret_value(
            SecretId=stack.physical_ids["OutboundTokenSecret"],
            SecretString=json.dumps({"outbound_token": OUTBOUND_TOKEN}),
        )
        world = cls(session, org, mkto, stack)
        fields = world.touchpoint_fields
        org.define_external_id(fields.sobject, fields.key)
        # The shipped lookups are SetNull (salesforce/…/Buyer_Touchpoint__c/fields/*.field-meta.xml)
        for target, field in (
            ("Campaign", fields.campaign),
            ("Lead", fields.lead),
            ("Contact", fields.contact),
        ):
            org.define_set_null_lookup(fields.sobject, field, target)
        attribution = world.attribution.settings.attribution_fields
        org.define_external_id(attribution.sobject, attribution.key)
        _learn_numeric_fields(org)
        return world

    @property
    def touchpoint_fields(self) -> TouchpointFields:
        return self.recompute.settings.touchpoint_fields

    # -- driving the handlers ----------------------------------------------------------------

    def deliver(
        self, xml: str, token: str | None = OUTBOUND_TOKEN, **changes: Any
    ) -> dict[str, Any]:
        """Salesforce POSTs an outbound message to the webhook through API Gateway."""
        api_event = event("outbound-campaign-created.json")
        api_event["body"] = xml
        api_event["queryStringParameters"] = {"token": token} if token is not None else None
        api_event.update(changes)
        return self.webhook.lambda_handler(api_event, lambda_context("webhook"))

    def message(self, notifications) -> str:
        return outbound_message(ORG_ID, notifications)

    def relay(self, change: dict[str, Any]) -> dict[str, Any] | None:
        """Event Relay puts a change event on the partner event bus; the template's rule hands it
        to the change event function if its pattern matches (None when it does not)."""
        if self.change_events is None:
            raise AssertionError("deploy with ChangeEventSourceName to have change events")
        rule = self.stack.template["Resources"]["ChangeEventFunction"]["Properties"]["Events"]
        pattern = self.stack.resolve(rule["ChangeEvents"]["Properties"]["Pattern"])
        if any(change.get(key) not in allowed for key, allowed in pattern.items()):
            return None
        return self.change_events.lambda_handler(change, lambda_context("change-events"))

    def deliver_recompute(self, request: dict[str, Any], context: Any = None) -> dict[str, Any]:
        """Hand one recompute request (the body of `sqs_event`'s record) to its handler through
        the real queue, so its receipt handle is one SQS gave, and again each time the handler
        keeps the message to poll a Bulk job (SQS would redeliver it once hidden; the emulator's
        jobs move on per poll, not per second). Returns the last response."""
        sqs = self.session.client("sqs")
        body = request["Records"][0]["body"]
        sent = sqs.send_message(
            QueueUrl=self.queue_url,
            MessageBody=body,
            MessageGroupId=json.loads(body)["campaign_id"],
            MessageDeduplicationId=uuid.uuid4().hex,
        )["MessageId"]
        while True:
            message = self._receive(sent)
            response = self.recompute.lambda_handler(
                sqs_event([message]), context or lambda_context()
            )
            held = {item["itemIdentifier"] for item in response["batchItemFailures"]}
            if sent not in held or not self._waiting_on_bulk_jobs([message], held):
                # done, or failed: this one request is not delivered again (tests that follow a
                # failed request's redelivery drain the queue instead)
                sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])
                return response
            sqs.change_message_visibility(
                QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
            )

    def _receive(self, message_id: str) -> dict[str, Any]:
        """One message of the recompute queue by id; the others received with it stay visible."""
        sqs = self.session.client("sqs")
        reply = sqs.receive_message(
            QueueUrl=self.queue_url, MaxNumberOfMessages=10, AttributeNames=["All"]
        )
        found = None
        for message in reply.get("Messages", []):
            if message["MessageId"] == message_id:
                found = message
            else:
                sqs.change_message_visibility(
                    QueueUrl=self.queue_url,
                    ReceiptHandle=message["ReceiptHandle"],
                    VisibilityTimeout=0,
                )
        if found is None:
            raise AssertionError(f"message {message_id} is not deliverable (held in its group?)")
        return found

    def drain_queue(self, max_rounds: int = 20) -> list[dict[str, Any]]:
        """Hand every queued recompute to the recompute handler, as the SQS event source does.
        Failed records stay on the queue (partial batch failure); returns the batch responses."""
        sqs = self.session.client("sqs")
        responses = []
        for _ in range(max_rounds):
            reply = sqs.receive_message(
                QueueUrl=self.queue_url, MaxNumberOfMessages=10, AttributeNames=["All"]
            )
            messages = reply.get("Messages", [])
            if not messages:
                break
            response = self.recompute.lambda_handler(
                sqs_event(messages), lambda_context("recompute")
            )
            failed = {item["itemIdentifier"] for item in response["batchItemFailures"]}
            waiting = self._waiting_on_bulk_jobs(messages, failed)
            for message in messages:
                if message["MessageId"] not in failed:
                    sqs.delete_message(
                        QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"]
                    )
                elif message["MessageId"] in waiting:
                    # waiting on a Bulk job: the emulator's jobs move on per poll, not per second
                    sqs.change_message_visibility(
                        QueueUrl=self.queue_url,
                        ReceiptHandle=message["ReceiptHandle"],
                        VisibilityTimeout=0,
                    )
            responses.append(response)
            if failed - waiting:
                break
        return responses

    def _waiting_on_bulk_jobs(self, messages: list[dict[str, Any]], failed: set[str]) -> set[str]:
        """The handed-back messages whose campaign's run waits on a Bulk job (its checkpoint says
        so), held on purpose rather than failed; known without the INFO log line, so a quieted
        World (the demo, the benchmarks) follows them too."""
        state = self.recompute.deps.state
        waiting = set()
        for message in messages:
            if message["MessageId"] not in failed:
                continue
            checkpoint = state.load_checkpoint(json.loads(message["Body"])["campaign_id"])
            if checkpoint and checkpoint.get("phase") in WAITING:
                waiting.add(message["MessageId"])
        return waiting

    def drain_jobs(self, context: Any = None, max_rounds: int = 100) -> int:
        """Hand queued bulk date continuations to the bulk date job function one at a time, as its
        SQS event source does; stops at a failed one. Returns how many invocations ran."""
        sqs = self.session.client("sqs")
        ran = 0
        for _ in range(max_rounds):
            reply = sqs.receive_message(QueueUrl=self.job_queue_url, MaxNumberOfMessages=1)
            messages = reply.get("Messages", [])
            if not messages:
                break
            response = self.bulk_date_jobs.lambda_handler(
                sqs_event(messages), context or lambda_context("bulk-date-jobs")
            )
            ran += 1
            if response["batchItemFailures"]:
                break
            sqs.delete_message(
                QueueUrl=self.job_queue_url, ReceiptHandle=messages[0]["ReceiptHandle"]
            )
        return ran

    def drain_attribution(self, max_rounds: int = 50) -> list[dict[str, Any]]:
        """Hand queued attribution requests to the attribution function, as its SQS event source
        does (batches of five); failed records stay on the queue. Returns the batch responses."""
        sqs = self.session.client("sqs")
        responses = []
        for _ in range(max_rounds):
            reply = sqs.receive_message(
                QueueUrl=self.attribution_queue_url, MaxNumberOfMessages=5, AttributeNames=["All"]
            )
            messages = reply.get("Messages", [])
            if not messages:
                break
            response = self.attribution.lambda_handler(
                sqs_event(messages), lambda_context("attribution")
            )
            failed = {item["itemIdentifier"] for item in response["batchItemFailures"]}
            for message in messages:
                if message["MessageId"] not in failed:
                    sqs.delete_message(
                        QueueUrl=self.attribution_queue_url, ReceiptHandle=message["ReceiptHandle"]
                    )
            responses.append(response)
            if failed:
                break
        return responses

    def queued_messages(self) -> list[dict[str, Any]]:
        sqs = self.session.client("sqs")
        attributes = sqs.get_queue_attributes(
            QueueUrl=self.queue_url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return attributes

    def queue_depth(self) -> int:
        attributes = self.queued_messages()
        return int(attributes["ApproximateNumberOfMessages"]) + int(
            attributes["ApproximateNumberOfMessagesNotVisible"]
        )

    def touchpoints(self) -> list[dict[str, Any]]:
        return self.org.records(self.touchpoint_fields.sobject)

    def table_items(self) -> list[dict[str, Any]]:
        table = self.session.resource("dynamodb").Table(self.table_name)
        return table.scan()["Items"]


def sqs_event(messages: list[dict[str, Any]]) -> dict[str, Any]:
    """An SQS event as Lambda's event source mapping delivers it."""
    return {
        "Records": [
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": m.get("Attributes", {}),
                "messageAttributes": {},
                "md5OfBody": m["MD5OfBody"],
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:eu-west-1:123456789012:recompute.fifo",
                "awsRegion": "eu-west-1",
            }
            for m in messages
        ]
    }
