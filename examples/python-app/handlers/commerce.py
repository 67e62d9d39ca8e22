"""The shop's single-table "commerce" table (PK/SK), shared by the handlers. boto3 comes with the Lambda Python runtime.

User ids come from outside (Checkout's client_reference_id, subscription metadata, Stripe customer ids), so they are
sanitised before they become key parts: a '#' or a slash in an id must not be able to address another user's items.
"""

import os
import re

import boto3

table = boto3.resource("dynamodb").Table(os.environ["COMMERCE_TABLE"])


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
