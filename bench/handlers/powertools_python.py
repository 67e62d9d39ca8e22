"""Variant (b) of the Python benchmark: the same business handler made idempotent by hand with Powertools for AWS
Lambda (Python)'s `@idempotent`, as its documentation shows it (a persistence layer and a config at module scope),
keyed on the Stripe event id with the same record lifetime as (c). Powertools comes from the same layer as (c)'s."""

import os

import boto3
from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer, IdempotencyConfig, idempotent

from bare_python import handler as business

persistence_layer = DynamoDBPersistenceLayer(
    table_name=os.environ["BENCH_IDEMPOTENCY_TABLE"],
    boto3_client=boto3.client("dynamodb", endpoint_url=os.environ["BENCH_DYNAMODB_ENDPOINT"]),
)
config = IdempotencyConfig(event_key_jmespath="detail.id", expires_after_seconds=7 * 24 * 60 * 60)


@idempotent(persistence_store=persistence_layer, config=config)
def handler(event, context):
    return business(event, context)
