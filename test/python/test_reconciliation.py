"""The scheduled reconciliation from Python: `reconciliation` takes the struct class or a plain dict (the secret is
an ISecret, the schedule an aws_events.Schedule), deploys the check on its schedule with its alarm, and a mistake
raises the library's message (test/construct/reconciliation.test.ts checks the same in TypeScript)."""

import json
import re

import pytest
from aws_cdk import Duration, Stack
from aws_cdk import aws_events as events
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk.assertions import Template

from babes_stripe_eventbridge import (
    StripeEventBridgeIntegration,
    StripeEventBus,
    StripeEventHandler,
    StripeEventReconciliation,
    StripeReconciliationOptions,
)
from conftest import new_stack

EVENT_SOURCE = "aws.partner/stripe.com/ed_test_EXAMPLE"
SECRET_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:stripe/read-events-AbCdEf"


def integrate(reconciliation) -> StripeEventBridgeIntegration:
    stack = new_stack()
    orders = StripeEventHandler.from_code(
        code=lambda_.Code.from_inline("exports.handler = async () => null;"), handler="index.handler", name="Orders"
    )
    secret = secretsmanager.Secret.from_secret_complete_arn(stack, "ReadEventsKey", SECRET_ARN)
    return StripeEventBridgeIntegration(
        stack,
        "Stripe",
        event_bus=StripeEventBus.from_partner_event_source(EVENT_SOURCE),
        handlers={"checkout.session.completed": orders},
        reconciliation=reconciliation(secret),
    )


def reconcile_function(integration):
    functions = Template.from_stack(Stack.of(integration)).find_resources("AWS::Lambda::Function")
    return [f for f in functions.values() if "STRIPE_EB_RECONCILE_CONFIG" in f["Properties"]["Environment"]["Variables"]]


@pytest.mark.parametrize(
    "options",
    [
        lambda secret: StripeReconciliationOptions(
            api_key_secret=secret, schedule=events.Schedule.rate(Duration.hours(2)), backfill=True
        ),
        lambda secret: {"api_key_secret": secret, "schedule": events.Schedule.rate(Duration.hours(2)), "backfill": True},
    ],
    ids=["struct", "dict"],
)
def test_reconciliation_from_python_deploys_the_scheduled_check_with_its_alarm(options):
    integration = integrate(options)
    assert isinstance(integration.reconciliation, StripeEventReconciliation)
    [fn] = reconcile_function(integration)
    variables = fn["Properties"]["Environment"]["Variables"]
    assert variables["STRIPE_EB_RECONCILE_SECRET_ID"] == SECRET_ARN
    config = "".join(p if isinstance(p, str) else "<ref>" for p in variables["STRIPE_EB_RECONCILE_CONFIG"]["Fn::Join"][1])
    assert json.loads(config)["backfill"] is True
    template = Template.from_stack(Stack.of(integration))
    template.has_resource_properties("AWS::Events::Rule", {"ScheduleExpression": "rate(2 hours)"})
    template.has_resource_properties("AWS::CloudWatch::Alarm", {"MetricName": "EventsMissed", "Namespace": "StripeEventBridge"})
    assert integration.reconciliation.metric_events_missed().metric_name == "EventsMissed"


def test_a_window_beyond_stripes_30_days_raises_the_librarys_message():
    with pytest.raises(RuntimeError, match=re.escape("window: 31 days is outside 1 hour to 30 days (Stripe's Events API keeps 30 days of events)")):
        integrate(lambda secret: {"api_key_secret": secret, "window": Duration.days(31)})
