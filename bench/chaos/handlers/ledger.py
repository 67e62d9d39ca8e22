"""The chaos run's Python handler: a ledger entry per refund, beside the Node.js handlers of The Babes Club on their
idempotency table. The entry (`PK = EVENT#<event id>`, `SK = LEDGER`) counts its writes in `effects`, so the run counts
effects, not calls. The write is handed to the wrapper (`context.effects.transact_write`), which commits it with the
event's idempotency record.

It also swallows the wrapper's errors: whatever `transact_write` raises (the transaction failed, its outcome is
unknown, the record was taken over by another delivery), it catches and returns as if all went well. The wrapper
must fail the invocation anyway, so that Lambda retries it: the entry is written exactly once, or the event ends in
the dead-letter queue.
"""

import os

TABLE = os.environ["LEDGER_TABLE"]


def handler(event, context):
    event_id = event["detail"]["id"]
    refund = event["detail"]["data"]["object"]
    entry = {
        "Update": {
            "TableName": TABLE,
            "Key": {"PK": {"S": f"EVENT#{event_id}"}, "SK": {"S": "LEDGER"}},
            "UpdateExpression": "ADD effects :one SET eventType = :type, amountRefunded = :amount",
            "ExpressionAttributeValues": {
                ":one": {"N": "1"},
                ":type": {"S": event["detail-type"]},
                ":amount": {"N": str(refund.get("amount_refunded") or 0)},
            },
        }
    }
    try:
        return context.effects.transact_write(TransactItems=[entry], result={"changed": True, "ledger": event_id})
    except Exception as err:  # noqa: BLE001 (the point: a handler that swallows everything)
        return {"swallowed": type(err).__name__}
