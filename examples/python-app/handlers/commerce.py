"""The shop's single-table "commerce" table (PK/SK), shared by the handlers.

The handlers hand their writes to the wrapper (`context.effects.transact_write_resource`), which commits them in one
DynamoDB transaction with the event's idempotency record: a crash or a timeout before that commit leaves nothing, one
after it makes the retry a duplicate, so every write happens exactly once.

User ids come from outside (Checkout's client_reference_id, subscription metadata, Stripe customer ids), so they are
sanitised before they become key parts: a '#' or a slash in an id must not be able to address another user's items.
"""

import os
import re

TABLE = os.environ["COMMERCE_TABLE"]


def sanitize_user_id(raw):
    """Letters, digits, '_' and '-' only, at most 64 characters; anything else becomes '_'."""
    if not isinstance(raw, str):
        return None
    cleaned = re.sub(r"[^A-Za-z0-9_-]", "_", raw.strip())[:64]
    return cleaned if re.search(r"[A-Za-z0-9]", cleaned) else None


def id_of(field):
    """A Stripe expandable field: an id, or the object when expanded."""
    return field.get("id") if isinstance(field, dict) else field


def user_pk(user_id):
    return f"USER#{user_id}"


def condition_failed(err):
    """True for DynamoDB's "condition not met" inside a cancelled transaction (a botocore ClientError)."""
    response = getattr(err, "response", None) or {}
    reasons = response.get("CancellationReasons") or []
    return response.get("Error", {}).get("Code") == "TransactionCanceledException" and any(
        r.get("Code") == "ConditionalCheckFailed" for r in reasons
    )
