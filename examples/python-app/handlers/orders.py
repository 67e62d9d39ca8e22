"""checkout.session.completed: a paid Checkout Session becomes an order.

Business logic only. The integration's wrapper has already validated the EventBridge event and runs this at most once
per Stripe event id; the writes go through `context.effects`, which commits them in one transaction with the event's
idempotency record, and its result is stored and returned again for duplicates. `event` is the unchanged EventBridge
event, a dict: `event["detail"]` is the Stripe event.
"""

from commerce import TABLE, id_of, sanitize_user_id, user_pk


def session_put(session, status, owner):
    return {"Put": {"TableName": TABLE, "Item": {"PK": f"CHECKOUT#{session['id']}", "SK": "SESSION", "status": status, "userId": owner}}}


def handler(event, context):
    session = event["detail"]["data"]["object"]
    owner = sanitize_user_id(session.get("client_reference_id")) or sanitize_user_id(id_of(session.get("customer"))) or f"guest_{session['id']}"
    if session.get("payment_status") != "paid":
        # Completed with a delayed payment method (the order waits for the payment), or with nothing to pay (a card
        # saved for later: no order).
        status = "awaiting_payment" if session.get("payment_status") == "unpaid" else "completed"
        return context.effects.transact_write_resource(
            TransactItems=[session_put(session, status, owner)],
            result={"order": None, "session": session["id"], "sessionStatus": status},
        )

    created = session.get("created") or event["detail"]["created"]
    order = {"PK": user_pk(owner), "SK": f"ORDER#{created}#{session['id']}"}
    customer = session.get("customer_details") or {}
    order_update = {
        "Update": {
            "TableName": TABLE,
            "Key": order,
            # if_not_exists: a late retry never moves a refunded order back to paid.
            "UpdateExpression": "SET #type = :order, sessionId = :session, amount = :amount, currency = :currency, email = :email, "
            "#status = if_not_exists(#status, :paid)",
            "ExpressionAttributeNames": {"#type": "type", "#status": "status"},
            "ExpressionAttributeValues": {
                ":order": "ORDER",
                ":session": session["id"],
                ":amount": session.get("amount_total"),
                ":currency": session.get("currency"),
                ":email": customer.get("email") or session.get("customer_email"),
                ":paid": "paid",
            },
        }
    }
    # The order and the session in one transaction with the idempotency record: both or neither, exactly once.
    return context.effects.transact_write_resource(
        TransactItems=[order_update, session_put(session, "completed", owner)],
        result={"order": order, "session": session["id"]},
    )
