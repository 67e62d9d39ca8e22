"""Variant (a) of the Python benchmark, and the business logic of (b) and (c): bare.ts in Python. Its effect is one
atomic counter update per Stripe event in a business table. No idempotency of its own."""

import os

import boto3

client = boto3.client("dynamodb", endpoint_url=os.environ.get("BENCH_DYNAMODB_ENDPOINT"))


def handler(event, context):
    out = client.update_item(
        TableName=os.environ["BENCH_BUSINESS_TABLE"],
        Key={"pk": {"S": event["detail"]["id"]}},
        UpdateExpression="ADD effects :one SET eventType = :t",
        ExpressionAttributeValues={":one": {"N": "1"}, ":t": {"S": event["detail-type"]}},
        ReturnValues="UPDATED_NEW",
    )
    return {"handled": event["detail"]["id"], "effects": int(out["Attributes"]["effects"]["N"])}
