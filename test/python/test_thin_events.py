"""Thin events from Python, through the wheel: a thin bus beside a snapshot one (payload as a keyword), a thin
StripeEventDestination, the Stripe key secret of context.stripe as an ISecret, and the synth error that names the
prop to add, with the API's names spelt as Python spells them."""

import pytest
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk.assertions import Match, Template

from babes_stripe_eventbridge import (
    StripeEventBridgeIntegration,
    StripeEventBus,
    StripeEventDestination,
    StripeEventHandler,
    StripeEventPayload,
)
from conftest import new_stack

SNAPSHOT_SOURCE = "aws.partner/stripe.com/ed_test_SNAPSHOT"
THIN_SOURCE = "aws.partner/stripe.com/ed_test_THIN"
READ_KEY_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:stripe/handlers-read-AbCdEf"


def handler(**options) -> StripeEventHandler:
    return StripeEventHandler.from_python_code(
        code=lambda_.Code.from_inline("def handler(event, context):\n    return None\n"), handler="index.handler", **options
    )


def test_a_thin_bus_beside_a_snapshot_bus_with_a_handler_on_both():
    stack = new_stack()
    orders = handler(name="Orders")
    integration = StripeEventBridgeIntegration(
        stack,
        "Stripe",
        event_bus=StripeEventBus.from_partner_event_source(SNAPSHOT_SOURCE),
        thin_event_bus=StripeEventBus.from_partner_event_source(THIN_SOURCE, payload=StripeEventPayload.THIN),
        stripe_api_key_secret=secretsmanager.Secret.from_secret_complete_arn(stack, "ReadKey", READ_KEY_ARN),
        handlers={
            "checkout.session.completed": orders,
            "v1.checkout.session.completed": orders,
            "v2.core.account[requirements].updated": handler(name="Requirements"),
        },
    )
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::Events::EventBus", 2)
    template.resource_count_is("AWS::Events::Rule", 3)
    template.resource_count_is("AWS::Lambda::Function", 2)
    template.resource_count_is("AWS::Events::Archive", 2)
    template.has_resource_properties(
        "AWS::Lambda::Function",
        {
            "Environment": {
                "Variables": Match.object_like(
                    {"STRIPE_EB_HANDLER_NAME": "Orders", "STRIPE_EB_EVENT_PAYLOADS": "snapshot,thin", "STRIPE_EB_STRIPE_API_KEY_SECRET_ID": READ_KEY_ARN}
                )
            }
        },
    )
    route = integration.route_for(orders)
    assert [rule.node.id for rule in route.rules] == ["Rule", "ThinRule"]
    assert route.event_payloads == [StripeEventPayload.SNAPSHOT, StripeEventPayload.THIN]
    assert integration.thin_event_bus is not None and integration.thin_archive is not None


def test_a_thin_destination_and_its_bus():
    stack = new_stack()
    destination = StripeEventDestination(
        stack,
        "Thins",
        api_key_secret=secretsmanager.Secret.from_secret_name_v2(stack, "ManageKey", "stripe/event-destinations"),
        event_payload=StripeEventPayload.THIN,
    )
    StripeEventBridgeIntegration(
        stack, "Stripe", event_bus=StripeEventBus.from_destination(destination), handlers={"v2.core.account.*": handler()}
    )
    assert destination.event_payload == StripeEventPayload.THIN
    assert destination.snapshot_api_version is None
    template = Template.from_stack(stack)
    template.has_resource_properties(
        "Custom::StripeEventDestination",
        {"EventPayload": "thin", "EnabledEvents": ["v2.core.account.closed", "v2.core.account.created", "v2.core.account.updated"]},
    )


def test_a_thin_type_on_a_snapshot_only_integration_names_the_prop_to_add_in_python_spelling():
    with pytest.raises(RuntimeError) as raised:
        StripeEventBridgeIntegration(
            new_stack(),
            "Stripe",
            event_bus=StripeEventBus.from_partner_event_source(SNAPSHOT_SOURCE),
            handlers={"v2.core.account.updated": handler()},
        )
    message = str(raised.value)
    assert message.startswith(
        "[TestStack/Stripe] handlers: 'v2.core.account.updated' is a thin event type (thin types start with a version: 'v1.…', 'v2.…'), "
        "and this integration has no bus of thin events"
    )
    assert "thin_event_bus: StripeEventBus.from_partner_event_source('aws.partner/stripe.com/ed_…', { payload: StripeEventPayload.THIN })" in message


def test_the_python_block_of_docs_thin_events_synthesizes_as_pasted(tmp_path):
    """docs/thin-events.md, section thin-events-py, run as a user's app.py: a thin bus alone, with the Stripe key."""
    from conftest import readme_blocks

    (block,) = [b.code for b in readme_blocks() if b.section == "thin-events-py" and b.lang == "python"]
    (tmp_path / "handlers").mkdir()
    (tmp_path / "handlers" / "accounts.py").write_text("def handler(event, context):\n    return None\n")
    # The jsii kernel (a Node.js process started once per session) resolves relative asset paths against its own
    # working directory, not this test's: the app's `handlers` directory is given as this app directory's.
    assert 'from_asset("handlers")' in block
    app = block.replace('from_asset("handlers")', f'from_asset("{tmp_path / "handlers"}")')
    namespace = {}
    exec(compile(app, "thin-events-py", "exec"), namespace)
    template = namespace["app"].synth().get_stack_by_name("Platform").template
    rules = [r["Properties"] for r in template["Resources"].values() if r["Type"] == "AWS::Events::Rule"]
    assert [r["EventPattern"]["detail-type"] for r in rules] == [["v2.core.account[requirements].updated", {"wildcard": "v2.core.account.*"}]]
    (function,) = [
        r["Properties"] for r in template["Resources"].values()
        if r["Type"] == "AWS::Lambda::Function" and "STRIPE_EB_USER_HANDLER" in r["Properties"].get("Environment", {}).get("Variables", {})
    ]
    env = function["Environment"]["Variables"]
    assert env["STRIPE_EB_EVENT_PAYLOADS"] == "thin"
    assert env["STRIPE_EB_STRIPE_API_KEY_SECRET_ID"] == "stripe/handlers-read"
