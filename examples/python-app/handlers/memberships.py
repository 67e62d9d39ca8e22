"""customer.subscription.* and invoice.payment_failed: the user's membership follows their subscription.

Stripe delivers events at least once and in any order, so a membership is only ever moved forward: an event older than
the one the membership was last written from is ignored (a conditional write on the event's `created`). The write goes
through `context.effects`, so it commits with the event's idempotency record, exactly once.
"""

from botocore.exceptions import ClientError

from commerce import TABLE, condition_failed, id_of, sanitize_user_id, user_pk

ACTIVE = {"active", "trialing"}


def _subscription_change(event):
    subscription = event["detail"]["data"]["object"]
    user_id = sanitize_user_id((subscription.get("metadata") or {}).get("userId")) or sanitize_user_id(id_of(subscription.get("customer")))
    items = (subscription.get("items") or {}).get("data") or [{}]
    period_end = subscription.get("current_period_end") or items[0].get("current_period_end")
    deleted = event["detail-type"] == "customer.subscription.deleted"
    status = "canceled" if deleted else ("active" if subscription.get("status") in ACTIVE else "inactive")
    return user_id, {"status": status, "stripeStatus": subscription.get("status"), "subscriptionId": subscription["id"], "currentPeriodEnd": period_end}


def _payment_failed(event):
    invoice = event["detail"]["data"]["object"]
    parent = (invoice.get("parent") or {}).get("subscription_details") or {}
    user_id = sanitize_user_id((parent.get("metadata") or {}).get("userId")) or sanitize_user_id(id_of(invoice.get("customer")))
    return user_id, {"status": "past_due", "stripeStatus": "past_due", "subscriptionId": parent.get("subscription") or invoice.get("subscription")}


def handler(event, context):
    if event["detail-type"] == "invoice.payment_failed":
        user_id, membership = _payment_failed(event)
    else:
        user_id, membership = _subscription_change(event)
    if user_id is None:
        return {"ignored": "no user for this subscription"}

    created = event["detail"]["created"]
    names = {"#type": "type", **{f"#{k}": k for k in membership}}
    values = {":membership": "MEMBERSHIP", ":created": created, **{f":{k}": v for k, v in membership.items()}}
    try:
        # boto3's resource values (str, int, None), as Table.update_item takes them; one action, committed with the
        # idempotency record. The result is stored with it and returned again for duplicates.
        return context.effects.transact_write_resource(
            TransactItems=[
                {
                    "Update": {
                        "TableName": TABLE,
                        "Key": {"PK": user_pk(user_id), "SK": "MEMBERSHIP"},
                        "UpdateExpression": "SET #type = :membership, lastEventCreated = :created, "
                        + ", ".join(f"#{k} = :{k}" for k in membership),
                        "ConditionExpression": "attribute_not_exists(lastEventCreated) OR lastEventCreated < :created",
                        "ExpressionAttributeNames": names,
                        "ExpressionAttributeValues": values,
                    }
                }
            ],
            result={"user": user_id, **membership},
        )
    except ClientError as err:
        # The condition failed: DynamoDB cancelled the transaction and wrote nothing. The event completes without it.
        if not condition_failed(err):
            raise
        return {"ignored": "a newer event already updated this membership", "user": user_id}
