"""A Python CDK app that carries Stripe events to wrapped Lambda handlers with babes-stripe-eventbridge.

Run it from this directory (no AWS account needed to synthesize):

    python3 -m venv .venv && . .venv/bin/activate
    pip install -r requirements.txt
    python3 app.py            # or: npx cdk synth

To try an unreleased version, build the wheel in the repository root first
(`npx projen bundle && npx projen compile && npx projen package:python`) and install it with
`pip install ../../dist/python/babes_stripe_eventbridge-*.whl -r requirements.txt`.

The handlers are Python (handlers/): business logic only, writing orders, memberships and meter error reports to the
shop's "commerce" table through `context.effects`, which commits each event's writes with its idempotency record in one DynamoDB
transaction (exactly once). The integration wraps each one with validation, idempotency on the Stripe event id (Powertools for AWS Lambda
(Python)), structured logs and metrics. The shop's usage-based plans report usage to a Stripe meter; Stripe tells
about meter events it could not record only as thin events (`v1.billing.meter.error_report_triggered`), which come
from a second destination, on a second bus, to a handler that fetches the meter and the event's details with
`context.event_notification` and a restricted key from Secrets Manager. The repository's test/python/ synthesizes
this app and checks its template; `npm run demo -- --app examples/python-app` replays a stream of Stripe events
(replay/events.jsonl) through it on your machine, the meter's from a local Stripe API (replay/stripe-objects.json).
"""

from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from babes_stripe_eventbridge import (
    StripeAlarmOptions,
    StripeEventBridgeIntegration,
    StripeEventBus,
    StripeEventHandler,
    StripeEventPayload,
)

HANDLERS_DIR = Path(__file__).parent / "handlers"

# The partner event source of your Stripe event destination (Stripe Workbench → Webhooks → the destination,
# or "Partner event sources" in the EventBridge console). Accept it within 7 days of creating the destination.
EVENT_SOURCE_NAME = "aws.partner/stripe.com/ed_61RbFxDsJ2cTpQk7b16RaKa7L4SQ0bVIVs1A8q06eRfY"
# The partner event source of the shop's second destination, of thin events (event_payload "thin" in Workbench).
THIN_EVENT_SOURCE_NAME = "aws.partner/stripe.com/ed_61RbThnPq7Lm2VwX9c4Zb8Hk3Yd5Tf6Gs1Jr0Na2Ue4Wi"
# A Secrets Manager secret whose secret string is a restricted key (rk_live_…, plain text) with Read on Billing meters
# and Events: what the meter error handler fetches with.
STRIPE_READ_KEY_SECRET_NAME = "payments/stripe-meter-read-key"

# Who hears about failed events, a growing dead-letter queue, or Stripe going quiet.
ONCALL_EMAIL = "payments-oncall@thebabesclub.example"


class PaymentsStack(cdk.Stack):
    """Orders from completed Checkout sessions, memberships from subscription and invoice events, and meter error
    reports from thin events."""

    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)

        # The shop's single-table "commerce" table: orders, checkout sessions, memberships and meter error reports.
        self.commerce_table = dynamodb.Table(
            self,
            "CommerceTable",
            partition_key=dynamodb.Attribute(name="PK", type=dynamodb.AttributeType.STRING),
            sort_key=dynamodb.Attribute(name="SK", type=dynamodb.AttributeType.STRING),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(point_in_time_recovery_enabled=True),
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        # Beside the integration's own outputs (dead-letter queue, idempotency table, archive): the shop's table.
        cdk.CfnOutput(
            self,
            "CommerceTableName",
            value=self.commerce_table.table_name,
            description="The commerce table (orders, checkout sessions, memberships, meter error reports; PK/SK) the Stripe handlers write",
        )

        code = lambda_.Code.from_asset(str(HANDLERS_DIR), exclude=["__pycache__"])
        environment = {"COMMERCE_TABLE": self.commerce_table.table_name}

        # One handler object under several event types: one function and one rule for all of them.
        memberships = StripeEventHandler.from_python_code(
            code=code, handler="memberships.handler", name="Memberships", environment=environment
        )

        # Only this handler calls Stripe, so only it has the key (and the Stripe SDK's layer): the others stay as they were.
        meter_errors = StripeEventHandler.from_python_code(
            code=code,
            handler="meter_errors.handler",
            name="MeterErrors",
            environment=environment,
            stripe_api_key_secret=secretsmanager.Secret.from_secret_name_v2(self, "StripeMeterReadKey", STRIPE_READ_KEY_SECRET_NAME),
        )

        self.stripe = StripeEventBridgeIntegration(
            self,
            "Stripe",
            event_bus=StripeEventBus.from_partner_event_source(EVENT_SOURCE_NAME),
            # Each key goes to the bus of its payload style: the v1.billing.meter.* type to this one.
            thin_event_bus=StripeEventBus.from_partner_event_source(THIN_EVENT_SOURCE_NAME, payload=StripeEventPayload.THIN),
            handlers={
                "checkout.session.completed": StripeEventHandler.from_python_code(
                    code=code, handler="orders.handler", name="Orders", environment=environment
                ),
                "customer.subscription.*": memberships,
                "invoice.payment_failed": memberships,
                "v1.billing.meter.error_report_triggered": meter_errors,
            },
            # Every failure path has an alarm on one SNS topic. The shop sells around the clock, so six hours
            # without a single Stripe event already means a disabled destination or a lost partner source.
            alarms=StripeAlarmOptions(
                email_addresses=[ONCALL_EMAIL],
                no_events_period=cdk.Duration.hours(6),
            ),
        )

        # Each handler reads and writes items; none deletes or scans.
        for route in self.stripe.routes:
            self.commerce_table.grant(route.function, "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem")


if __name__ == "__main__":
    app = cdk.App()
    PaymentsStack(app, "Payments")
    app.synth()
