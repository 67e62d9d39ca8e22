"""Synth-time validation reaches Python as an exception carrying the library's message, word for word the
message the TypeScript tests expect (test/construct/handlers.test.ts), with the API's names spelt as Python
spells them (`allow_unknown_event_types`, not `allowUnknownEventTypes`) and no `Error: ` before the message."""

import re

import pytest
from aws_cdk import Duration, Stack
from aws_cdk import aws_lambda as lambda_
from aws_cdk.assertions import Match, Template

from babes_stripe_eventbridge import (
    StripeEventBridgeIntegration,
    StripeEventBus,
    StripeEventHandler,
    StripeIdempotencyOptions,
    StripeLivemode,
)
from conftest import new_stack, stripe_package_version

EVENT_SOURCE = "aws.partner/stripe.com/ed_test_EXAMPLE"


def handler(**options) -> StripeEventHandler:
    return StripeEventHandler.from_code(
        code=lambda_.Code.from_inline("exports.handler = async () => null;"), handler="index.handler", **options
    )


def integrate(handlers: dict, **props) -> StripeEventBridgeIntegration:
    return StripeEventBridgeIntegration(
        new_stack(), "Stripe", event_bus=StripeEventBus.from_partner_event_source(EVENT_SOURCE), handlers=handlers, **props
    )


def test_an_unknown_event_type_fails_with_the_did_you_mean_message():
    with pytest.raises(RuntimeError) as raised:
        integrate({"checkout.sesion.completed": handler()})
    assert str(raised.value) == (
        "[TestStack/Stripe] handlers: 'checkout.sesion.completed' is not a Stripe event type (did you mean 'checkout.session.completed'?). "
        f"If it is a Stripe event type newer than stripe@{stripe_package_version()} (which this library checks against), "
        "set allow_unknown_event_types=True."
    )


def test_allow_unknown_event_types_accepts_a_well_formed_newer_type():
    integration = integrate({"checkout.session.brand_new_thing": handler()}, allow_unknown_event_types=True)
    assert integration.event_types == ["checkout.session.brand_new_thing"]


def test_a_wildcard_that_matches_no_type_fails_with_a_suggestion():
    with pytest.raises(RuntimeError, match=re.escape("handlers: 'customer.subscriptions.*' matches no Stripe event type (did you mean 'customer.subscription.*'?)")):
        integrate({"customer.subscriptions.*": handler()})


def test_factory_validation_raises_where_the_factory_is_called():
    with pytest.raises(RuntimeError, match=re.escape("handler: 'index' is not a Lambda handler string; expected '<file>.<export>'")):
        StripeEventHandler.from_code(code=lambda_.Code.from_inline("x"), handler="index")
    with pytest.raises(RuntimeError) as raised:
        StripeEventBus.from_partner_event_source("aws.partner/stripe.com")
    # A static method's error reads as its message alone, as a constructor's does: no "ValidationError: " before it.
    assert str(raised.value).startswith("event_bus: 'aws.partner/stripe.com' is not a Stripe partner event source name.")


def test_errors_from_static_methods_carry_the_message_alone():
    from babes_stripe_eventbridge import EventPatternTester

    with pytest.raises(RuntimeError) as raised:
        EventPatternTester.to_event_bridge_event('{"id": "x"}')
    assert str(raised.value) == (
        'to_event_bridge_event: not a Stripe event (needs "id", "type" and "object": "event", '
        'or "object": "v2.core.event" for a thin event)'
    )
    with pytest.raises(RuntimeError) as raised:
        EventPatternTester.matches('{"detail-type": "invoice.paid"}', '{"detail-type": "invoice.paid"}')
    assert str(raised.value) == 'Event pattern is not valid. Reason: "detail-type" must be an object or an array'


def test_a_partner_source_arn_names_the_part_to_keep_and_every_stripe_form_is_accepted():
    with pytest.raises(RuntimeError) as raised:
        StripeEventBus.from_partner_event_source("arn:aws:events:us-east-1::event-source/aws.partner/stripe.com/ed_test_EXAMPLE")
    assert (
        "is not a Stripe partner event source name. It is an ARN; pass only the name, the part after 'event-source/': "
        "'aws.partner/stripe.com/ed_test_EXAMPLE'."
    ) in str(raised.value)
    for name in (
        "aws.partner/stripe.com/ed_61RbFxDsJ2cTpQk7b16RaKa7L4SQ0bVIVs1A8q06eRfY",
        "aws.partner/stripe.com/ed_test_EXAMPLE",
        "aws.partner/stripe.com/acct_1Nv0FGQ9RKHgCVdK/ed_61RbFxDsJ2cTpQk7b16RaKa7L4SQ0bVIVs1A8q06eRfY",
    ):
        assert StripeEventBus.from_partner_event_source(name).source_prefix == "aws.partner/stripe.com/"


def test_struct_props_accept_the_struct_class_or_a_plain_dict():
    as_struct = integrate(
        {"checkout.session.completed": handler()},
        idempotency=StripeIdempotencyOptions(record_lifetime=Duration.days(40), key_scope="Payments"),
        livemode=StripeLivemode.LIVE_ONLY,
    )
    as_dict = integrate(
        {"checkout.session.completed": handler()}, idempotency={"record_lifetime": Duration.days(40), "key_scope": "Payments"}
    )
    for integration in (as_struct, as_dict):
        Template.from_stack(Stack.of(integration)).has_resource_properties(
            "AWS::Lambda::Function",
            {
                "Environment": {
                    "Variables": Match.object_like(
                        {
                            "STRIPE_EB_IDEMPOTENCY_TTL_SECONDS": str(40 * 86400),
                            "STRIPE_EB_IDEMPOTENCY_KEY_PREFIX": "Payments.CheckoutSessionCompleted",
                        }
                    )
                }
            },
        )
    with pytest.raises(RuntimeError, match=re.escape("idempotency.record_lifetime: 7 days is shorter than 34 days 6 hours")):
        integrate({"checkout.session.completed": handler()}, idempotency={"record_lifetime": Duration.days(7)})


def test_a_wrong_python_type_is_a_type_error_before_reaching_the_library():
    with pytest.raises(TypeError, match="event_bus"):
        StripeEventBridgeIntegration(new_stack(), "Stripe", event_bus=EVENT_SOURCE, handlers={"checkout.session.completed": handler()})


def test_route_placement_and_per_handler_alarms_from_python():
    """Nested stacks from the first handler, and per-handler alarms on top of the integration's fixed set."""
    from babes_stripe_eventbridge import StripeRoutePlacement

    stripe = integrate(
        {"checkout.session.completed": handler(name="Orders", reserved_concurrent_executions=2)},
        route_placement=StripeRoutePlacement.NESTED_STACKS,
        alarms={"handler_alarms": True},
    )
    assert len(stripe.nested_stacks) == 1
    assert stripe.routes[0].concurrency_limit == 2
    # 11 for the integration, 10 for the handler, 1 for its waiting throttled events.
    assert len(stripe.alarms) == 22
    Template.from_stack(Stack.of(stripe)).resource_count_is("AWS::CloudFormation::Stack", 1)
    Template.from_stack(Stack.of(stripe)).resource_count_is("AWS::CloudWatch::Dashboard", 1)


def test_a_variable_the_wrapper_reads_is_refused_with_the_prop_to_use_instead():
    with pytest.raises(RuntimeError) as raised:
        integrate({"checkout.session.completed": handler(name="Orders", environment={"POWERTOOLS_METRICS_NAMESPACE": "Mine"})})
    assert str(raised.value) == (
        "[TestStack/Stripe/Orders] handlers.Orders.environment: POWERTOOLS_METRICS_NAMESPACE is read by the Stripe event wrapper. "
        "The integration sets it: use `metrics_namespace`. Remove it."
    )
