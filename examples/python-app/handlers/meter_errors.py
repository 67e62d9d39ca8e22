"""v1.billing.meter.error_report_triggered: Stripe could not record some of the usage the shop reports to a meter.

A thin event: Stripe sends only a notification (which meter, when), and the handler fetches what it needs with the
wrapper's Stripe client, authenticated with the restricted key of its `stripe_api_key_secret`:
`context.event_notification` is stripe-python's `V1BillingMeterErrorReportTriggeredEventNotification`, whose
`fetch_related_object()` returns the meter (a `stripe.billing.Meter`) and `fetch_event()` the full event, with how many
meter events failed and why. Both are reads; the report is written through `context.effects`, in one DynamoDB
transaction with the event's idempotency record, so a retry after a crash writes it once.
"""

from commerce import TABLE


def handler(event, context):
    notification = context.event_notification
    meter = notification.fetch_related_object()
    details = notification.fetch_event().data
    created = event["detail"]["created"]  # ISO 8601, as Stripe sends it: the items sort by it
    codes = sorted({error_type.code for error_type in details.reason.error_types})
    report = {
        "PK": f"METER#{meter.id}",
        "SK": f"ERROR_REPORT#{created}#{notification.id}",
        "type": "METER_ERROR_REPORT",
        "meter": meter.display_name,
        "eventName": meter.event_name,
        "errorCount": details.reason.error_count,
        "errorCodes": codes,
        "summary": details.developer_message_summary,
        "validationStart": details.validation_start,
        "validationEnd": details.validation_end,
    }
    return context.effects.transact_write_resource(
        TransactItems=[{"Put": {"TableName": TABLE, "Item": report}}],
        result={"meter": meter.id, "errors": details.reason.error_count, "codes": codes},
    )
