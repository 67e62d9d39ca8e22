"""examples/python-app, synthesized from Python with the installed wheel, keeps the promises that the TypeScript
template tests (test/construct/) check: rules and their patterns on the bus of each payload style, the dead-letter
queue on every failure path, the idempotency table, and wrapped functions whose layers really are in the package (the
Stripe SDK's only for the handler of thin events, which has a Stripe key)."""

import hashlib
import json
import tarfile
from pathlib import Path

import babes_stripe_eventbridge
from aws_cdk.assertions import Match

from conftest import EXAMPLE_DIR, REPO_ROOT

SOURCE_PREFIX = [{"prefix": "aws.partner/stripe.com/"}]
WRAPPER = "python/stripe_eventbridge/wrapper.py"
POWERTOOLS = "python/aws_lambda_powertools/utilities/idempotency/idempotency.py"
STRIPE_SDK = "python/stripe/__init__.py"
METER_ERRORS = "v1.billing.meter.error_report_triggered"


def logical_id(stack, construct) -> str:
    """The logical id of a construct's CloudFormation resource, through the integration's public fields."""
    return stack.get_logical_id(construct.node.default_child)


def only(resources: dict):
    assert len(resources) == 1, list(resources)
    return next(iter(resources.items()))


def idempotency_table_id(synthesized) -> str:
    return logical_id(synthesized.stack, synthesized.stack.stripe.idempotency_table)


def commerce_table_id(synthesized) -> str:
    return logical_id(synthesized.stack, synthesized.stack.commerce_table)


def layer_ids(synthesized) -> tuple:
    """The logical ids of the Python wrapper layer and the Stripe layer, by their descriptions."""
    layers = synthesized.resources("AWS::Lambda::LayerVersion")
    assert len(layers) == 2, list(layers)
    (wrapper,) = [i for i, layer in layers.items() if "Powertools idempotency" in layer["Properties"]["Description"]]
    (stripe,) = [i for i, layer in layers.items() if "stripe-python" in layer["Properties"]["Description"]]
    return wrapper, stripe


def test_the_library_comes_from_the_installed_wheel():
    installed = Path(babes_stripe_eventbridge.__file__).resolve()
    assert "site-packages" in installed.parts
    assert REPO_ROOT / ".tmp" in installed.parents  # the fresh virtual environment, not a copy elsewhere


class TestRules:
    def test_one_rule_per_handler_object_with_the_source_prefix_and_its_event_types(self, synthesized):
        stack, integration = synthesized.stack, synthesized.stack.stripe
        rules = synthesized.resources("AWS::Events::Rule")
        routes = {route.handler_name: route for route in integration.routes}
        assert sorted(routes) == ["Memberships", "MeterErrors", "Orders"]
        assert len(rules) == 3

        orders = rules[logical_id(stack, routes["Orders"].rule)]
        assert orders["Properties"]["EventPattern"] == {
            "source": SOURCE_PREFIX,
            "detail-type": ["checkout.session.completed"],
        }
        # One handler object under a wildcard key and an exact key: one rule with both.
        memberships = rules[logical_id(stack, routes["Memberships"].rule)]
        assert memberships["Properties"]["EventPattern"] == {
            "source": SOURCE_PREFIX,
            "detail-type": ["invoice.payment_failed", {"wildcard": "customer.subscription.*"}],
        }
        # A thin type: the same source prefix, its own detail-type.
        meter_errors = rules[logical_id(stack, routes["MeterErrors"].rule)]
        assert meter_errors["Properties"]["EventPattern"] == {"source": SOURCE_PREFIX, "detail-type": [METER_ERRORS]}
        assert {name: route.event_types for name, route in routes.items()} == {
            "Orders": ["checkout.session.completed"],
            "Memberships": ["customer.subscription.*", "invoice.payment_failed"],
            "MeterErrors": [METER_ERRORS],
        }
        assert {name: [p.value for p in route.event_payloads] for name, route in routes.items()} == {
            "Orders": ["SNAPSHOT"],
            "Memberships": ["SNAPSHOT"],
            "MeterErrors": ["THIN"],
        }

    def test_rules_sit_on_the_partner_bus_of_their_payload_style_which_accepts_the_source_and_is_retained(self, synthesized, example_app):
        stack = synthesized.stack
        buses = synthesized.resources("AWS::Events::EventBus")
        by_name = {bus["Properties"]["Name"]: bus_id for bus_id, bus in buses.items()}
        assert sorted(by_name) == sorted([example_app.EVENT_SOURCE_NAME, example_app.THIN_EVENT_SOURCE_NAME])
        for name, bus_id in by_name.items():
            assert buses[bus_id]["Properties"] == {"Name": name, "EventSourceName": name}
            assert buses[bus_id]["DeletionPolicy"] == "Retain"
        rules = synthesized.resources("AWS::Events::Rule")
        on_bus = {route.handler_name: rules[logical_id(stack, route.rule)]["Properties"]["EventBusName"] for route in stack.stripe.routes}
        assert on_bus == {
            "Orders": {"Ref": by_name[example_app.EVENT_SOURCE_NAME]},
            "Memberships": {"Ref": by_name[example_app.EVENT_SOURCE_NAME]},
            "MeterErrors": {"Ref": by_name[example_app.THIN_EVENT_SOURCE_NAME]},
        }

    def test_each_rule_targets_its_own_handler_function(self, synthesized):
        stack, integration = synthesized.stack, synthesized.stack.stripe
        rules = synthesized.resources("AWS::Events::Rule")
        for route in integration.routes:
            targets = rules[logical_id(stack, route.rule)]["Properties"]["Targets"]
            assert [t["Arn"] for t in targets] == [{"Fn::GetAtt": [logical_id(stack, route.function), "Arn"]}]


class TestDeadLetterQueue:
    def test_every_rule_target_retries_185_times_over_24_hours_then_the_queue(self, synthesized):
        queue_id, _ = only(synthesized.resources("AWS::SQS::Queue"))
        for rule in synthesized.resources("AWS::Events::Rule").values():
            (target,) = rule["Properties"]["Targets"]
            assert target["RetryPolicy"] == {"MaximumRetryAttempts": 185, "MaximumEventAgeInSeconds": 86400}
            assert target["DeadLetterConfig"] == {"Arn": {"Fn::GetAtt": [queue_id, "Arn"]}}

    def test_failed_invocations_go_to_the_same_queue_after_two_lambda_retries_within_6_hours(self, synthesized):
        queue_id, _ = only(synthesized.resources("AWS::SQS::Queue"))
        functions = set(synthesized.resources("AWS::Lambda::Function"))
        configs = synthesized.resources("AWS::Lambda::EventInvokeConfig").values()
        assert {c["Properties"]["FunctionName"]["Ref"] for c in configs} == functions
        for config in configs:
            assert config["Properties"] == {
                "FunctionName": config["Properties"]["FunctionName"],
                "Qualifier": "$LATEST",
                "MaximumRetryAttempts": 2,
                "MaximumEventAgeInSeconds": 21600,
                "DestinationConfig": {"OnFailure": {"Destination": {"Fn::GetAtt": [queue_id, "Arn"]}}},
            }

    def test_the_queue_is_encrypted_tls_only_and_keeps_messages_14_days(self, template, synthesized):
        template.resource_count_is("AWS::SQS::Queue", 1)
        template.has_resource_properties("AWS::SQS::Queue", {"SqsManagedSseEnabled": True, "MessageRetentionPeriod": 1209600})
        template.has_resource_properties(
            "AWS::SQS::QueuePolicy",
            {
                "PolicyDocument": {
                    "Statement": Match.array_with(
                        [
                            Match.object_like(
                                {"Effect": "Deny", "Action": "sqs:*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
                            )
                        ]
                    )
                }
            },
        )
        assert synthesized.stack.resolve(synthesized.stack.stripe.dead_letter_queue.queue_arn) == {
            "Fn::GetAtt": [only(synthesized.resources("AWS::SQS::Queue"))[0], "Arn"]
        }


class TestIdempotencyTable:
    def test_the_created_table_has_the_powertools_schema_and_is_retained(self, synthesized):
        # The integration's idempotency table and the shop's own commerce table.
        synthesized.template.resource_count_is("AWS::DynamoDB::Table", 2)
        table = synthesized.resources("AWS::DynamoDB::Table")[idempotency_table_id(synthesized)]
        expected = {
            "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
            "TimeToLiveSpecification": {"AttributeName": "expiration", "Enabled": True},
            "BillingMode": "PAY_PER_REQUEST",
            "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
            "SSESpecification": {"SSEEnabled": True},
        }
        assert {key: table["Properties"].get(key) for key in expected} == expected
        assert (table["DeletionPolicy"], table["UpdateReplacePolicy"]) == ("Retain", "Retain")

    def test_functions_may_only_get_put_update_and_delete_items_in_it(self, synthesized):
        table_id = idempotency_table_id(synthesized)
        policies = synthesized.resources("AWS::IAM::Policy").values()
        assert len(policies) == 3
        for policy in policies:
            on_table = [s for s in policy["Properties"]["PolicyDocument"]["Statement"] if table_id in json.dumps(s["Resource"])]
            assert on_table == [
                {
                    "Action": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"],
                    "Effect": "Allow",
                    "Resource": {"Fn::GetAtt": [table_id, "Arn"]},
                }
            ]


class TestWrappedFunctions:
    def test_the_python_wrapper_is_the_handler_and_the_user_handler_is_in_the_environment(self, synthesized, example_app):
        stack, integration = synthesized.stack, synthesized.stack.stripe
        table_id = idempotency_table_id(synthesized)
        wrapper_layer, stripe_layer = layer_ids(synthesized)
        functions = synthesized.resources("AWS::Lambda::Function")
        assert len(functions) == 3
        routes = {route.handler_name: route for route in integration.routes}
        for name, user_handler in (("Orders", "orders.handler"), ("Memberships", "memberships.handler"), ("MeterErrors", "meter_errors.handler")):
            props = functions[logical_id(stack, routes[name].function)]["Properties"]
            assert props["Handler"] == "stripe_eventbridge.wrapper.handler"
            assert props["Runtime"] == "python3.13"
            assert props["Architectures"] == ["arm64"]
            assert (props["MemorySize"], props["Timeout"]) == (512, 30)
            # The Stripe SDK's layer only where context.stripe can be used: a function of thin events with a key.
            thin = name == "MeterErrors"
            assert props["Layers"] == [{"Ref": wrapper_layer}, *([{"Ref": stripe_layer}] if thin else [])]
            assert props["Environment"]["Variables"] == {
                "STRIPE_EB_USER_HANDLER": user_handler,
                "STRIPE_EB_HANDLER_NAME": name,
                "STRIPE_EB_IDEMPOTENCY_TABLE": {"Ref": table_id},
                # Scoped by stack name and construct path; records kept 36 days (the 30-day archive's replays, plus retries).
                "STRIPE_EB_IDEMPOTENCY_KEY_PREFIX": f"Payments/Stripe.{name}",
                "STRIPE_EB_IDEMPOTENCY_TTL_SECONDS": str(36 * 86400),
                "POWERTOOLS_SERVICE_NAME": name,
                "POWERTOOLS_METRICS_NAMESPACE": "StripeEventBridge",
                "STRIPE_EB_METRICS_INTEGRATION": "Payments/Stripe",
                "COMMERCE_TABLE": {"Ref": commerce_table_id(synthesized)},
                # The thin handler's payload style, and the SecretId of its key (imported by name: its name).
                **({"STRIPE_EB_EVENT_PAYLOADS": "thin", "STRIPE_EB_STRIPE_API_KEY_SECRET_ID": example_app.STRIPE_READ_KEY_SECRET_NAME} if thin else {}),
            }

    def test_only_the_thin_handler_may_read_the_stripe_key_secret(self, synthesized, example_app):
        stack = synthesized.stack
        roles = {route.handler_name: logical_id(stack, route.function.role) for route in stack.stripe.routes}
        reads = {}
        for policy in synthesized.resources("AWS::IAM::Policy").values():
            (role,) = policy["Properties"]["Roles"]
            statements = [s for s in policy["Properties"]["PolicyDocument"]["Statement"] if "secretsmanager" in json.dumps(s["Action"])]
            reads[next(name for name, role_id in roles.items() if role == {"Ref": role_id})] = statements
        assert reads["Orders"] == [] and reads["Memberships"] == []
        (statement,) = reads["MeterErrors"]
        assert statement["Action"] == ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
        assert f":secret:{example_app.STRIPE_READ_KEY_SECRET_NAME}-??????" in json.dumps(statement["Resource"])

    def test_the_function_code_is_the_example_handlers_directory(self, synthesized):
        for fn in synthesized.resources("AWS::Lambda::Function").values():
            staged = synthesized.asset_dir(fn["Properties"]["Code"]["S3Key"])
            handlers = ["commerce.py", "memberships.py", "meter_errors.py", "orders.py"]
            assert sorted(p.name for p in staged.iterdir()) == handlers
            for handler in handlers:
                assert (staged / handler).read_bytes() == (EXAMPLE_DIR / "handlers" / handler).read_bytes()

    def test_the_handlers_may_read_and_write_the_commerce_table(self, synthesized):
        table_arn = {"Fn::GetAtt": [commerce_table_id(synthesized), "Arn"]}
        for policy in synthesized.resources("AWS::IAM::Policy").values():
            on_table = [s for s in policy["Properties"]["PolicyDocument"]["Statement"] if s["Resource"] == table_arn]
            assert on_table == [{"Action": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"], "Effect": "Allow", "Resource": table_arn}]

    def test_the_python_layers_assets_are_the_layers_shipped_in_the_wheel(self, synthesized):
        """The layers' assets are the pre-built Python wrapper layer (the wrapper and Powertools for AWS Lambda (Python))
        and Stripe layer (stripe-python) that the wheel carries in the npm tarball jsii embeds, so a Python app needs
        neither pip nor Docker at synth; stripe-python is in the second only."""
        layers = synthesized.resources("AWS::Lambda::LayerVersion")
        wrapper_layer, stripe_layer = (synthesized.asset_dir(layers[i]["Properties"]["Content"]["S3Key"]) for i in layer_ids(synthesized))

        package_dir = Path(babes_stripe_eventbridge.__file__).parent
        (tarball,) = (package_dir / "_jsii").glob("*.tgz")
        with tarfile.open(tarball) as tgz:
            for staged_dir, asset, member in (
                (wrapper_layer, "python-wrapper", WRAPPER),
                (wrapper_layer, "python-wrapper", POWERTOOLS),
                (wrapper_layer, "python-wrapper", "python/stripe_eventbridge/_contract.py"),
                (stripe_layer, "python-stripe", STRIPE_SDK),
            ):
                shipped = tgz.extractfile(f"package/assets/lambda/{asset}/{member}").read()
                assert hashlib.sha256((staged_dir / member).read_bytes()).digest() == hashlib.sha256(shipped).digest(), member
            assert b"STRIPE_EB_USER_HANDLER" in tgz.extractfile("package/assets/lambda/python-wrapper/python/stripe_eventbridge/_contract.py").read()
        assert not (wrapper_layer / "python" / "stripe").exists()
        assert sorted(p.name for p in (stripe_layer / "python").iterdir())[0] == "stripe"

    def test_one_python_wrapper_layer_and_one_stripe_layer_for_the_whole_stack(self, template):
        template.resource_count_is("AWS::Lambda::LayerVersion", 2)
        for description in ("Powertools idempotency", "stripe-python"):
            template.has_resource_properties(
                "AWS::Lambda::LayerVersion", {"CompatibleArchitectures": ["arm64", "x86_64"], "Description": Match.string_like_regexp(description)}
            )


class TestAlarms:
    def test_every_failure_path_has_an_alarm_and_each_notifies_the_one_topic(self, synthesized):
        topic_id, _ = only(synthesized.resources("AWS::SNS::Topic"))
        alarms = synthesized.resources("AWS::CloudWatch::Alarm")
        # A fixed set whatever the number of handlers: failed and invalid events (every handler at once),
        # 2 dead-letter queue, 2 idempotency table, 1 silence, and 4 Metrics Insights queries: the rules'
        # failed invocations, dead-letter failures and throttling, the functions' destination delivery failures.
        assert len(alarms) == 11
        assert len(synthesized.stack.stripe.alarms) == 11
        for alarm in alarms.values():
            assert alarm["Properties"]["AlarmActions"] == [{"Ref": topic_id}]
            assert alarm["Properties"]["OKActions"] == [{"Ref": topic_id}]
        assert synthesized.stack.resolve(synthesized.stack.stripe.alarm_topic.topic_arn) == {"Ref": topic_id}

    def test_the_oncall_address_is_subscribed_to_the_topic(self, synthesized, example_app):
        topic_id, _ = only(synthesized.resources("AWS::SNS::Topic"))
        _, subscription = only(synthesized.resources("AWS::SNS::Subscription"))
        assert subscription["Properties"] == {"Protocol": "email", "Endpoint": example_app.ONCALL_EMAIL, "TopicArn": {"Ref": topic_id}}

    def test_six_hours_without_a_stripe_event_on_either_partner_source_fires(self, synthesized, example_app):
        (no_events,) = [a for k, a in synthesized.resources("AWS::CloudWatch::Alarm").items() if k.startswith("StripeMonitoringNoEvents")]
        props = no_events["Properties"]
        assert (props["Threshold"], props["ComparisonOperator"], props["TreatMissingData"]) == (1, "LessThanThreshold", "breaching")
        # The events of both sources, summed.
        expression, *sources = props["Metrics"]
        assert expression["Expression"] == "m0 + m1" and expression["ReturnData"] is True
        assert [s["MetricStat"] for s in sources] == [
            {
                "Metric": {"Namespace": "AWS/Events", "MetricName": "Events", "Dimensions": [{"Name": "EventSourceName", "Value": name}]},
                "Period": 6 * 3600,
                "Stat": "Sum",
            }
            for name in (example_app.EVENT_SOURCE_NAME, example_app.THIN_EVENT_SOURCE_NAME)
        ]

    def test_the_dead_letter_queue_alarms_on_any_message(self, synthesized):
        queue_id, _ = only(synthesized.resources("AWS::SQS::Queue"))
        synthesized.template.has_resource_properties(
            "AWS::CloudWatch::Alarm",
            {
                "Namespace": "AWS/SQS",
                "MetricName": "ApproximateNumberOfMessagesVisible",
                "Dimensions": [{"Name": "QueueName", "Value": {"Fn::GetAtt": [queue_id, "QueueName"]}}],
                "Threshold": 1,
                "ComparisonOperator": "GreaterThanOrEqualToThreshold",
            },
        )

    def test_metric_methods_are_callable_from_python(self, synthesized):
        (orders,) = [route for route in synthesized.stack.stripe.routes if route.handler_name == "Orders"]
        metric = orders.metric_events_failed()
        assert (metric.namespace, metric.metric_name) == ("StripeEventBridge", "EventsFailed")
        received = synthesized.stack.stripe.metric_events_received()
        assert received.to_metric_config().math_expression.expression == "m0 + m1"
        assert synthesized.stack.resolve(metric.dimensions) == {"integration": "Payments/Stripe", "service": "Orders"}
        everyone = synthesized.stack.stripe.metric_events_failed()
        assert synthesized.stack.resolve(everyone.dimensions) == {"integration": "Payments/Stripe"}


class TestOutputsAndWarnings:
    def test_the_outputs_name_the_queue_and_tables_the_commands_need(self, synthesized):
        outputs = synthesized.template.to_json()["Outputs"]
        assert sorted(outputs) == [
            "CommerceTableName", "StripeArchiveArn", "StripeDashboardUrl", "StripeDeadLetterQueueUrl", "StripeIdempotencyTableName", "StripeThinArchiveArn",
        ]
        assert outputs["StripeDeadLetterQueueUrl"]["Description"].endswith("npx stripe-eventbridge redrive --queue-url <this URL> --dry-run")
        assert outputs["CommerceTableName"]["Value"] == {"Ref": commerce_table_id(synthesized)}

    def test_its_alarms_have_a_destination_so_synth_does_not_warn(self, synthesized):
        from aws_cdk.assertions import Annotations

        assert Annotations.from_stack(synthesized.stack).find_warning("*", Match.string_like_regexp("alarmsWithoutDestination")) == []


def test_the_warning_names_the_python_spelling_of_the_props():
    """The same warning from Python spells the API the Python way (email_addresses, alarm_topic, add_subscription)."""
    from aws_cdk import aws_lambda as lambda_
    from aws_cdk.assertions import Annotations

    from babes_stripe_eventbridge import StripeEventBridgeIntegration, StripeEventBus, StripeEventHandler
    from conftest import new_stack

    stack = new_stack()
    StripeEventBridgeIntegration(
        stack,
        "Stripe",
        event_bus=StripeEventBus.from_partner_event_source("aws.partner/stripe.com/ed_test_EXAMPLE"),
        handlers={
            "checkout.session.completed": StripeEventHandler.from_code(
                code=lambda_.Code.from_inline("exports.handler = async () => null;"), handler="index.handler"
            )
        },
    )
    [warning] = Annotations.from_stack(stack).find_warning("*", Match.string_like_regexp("alarmsWithoutDestination"))
    text = warning.entry.data
    assert "set alarms.email_addresses, or subscribe to the integration's alarm_topic (alarm_topic.add_subscription(…)" in text
    # One hint of how to acknowledge it: CDK's own tag.
    assert text.endswith("acknowledge this warning on the integration (TestStack/Stripe). [ack: @babes/stripe-eventbridge:alarmsWithoutDestination]")
    assert "acknowledge_warning" not in text
