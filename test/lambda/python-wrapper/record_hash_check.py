"""Hashes JSON values read from stdin (one per line) as the Python wrapper's idempotency store hashes a key or a
payload-validation value (`StripeIdempotencyStore._get_hashed_payload`, through its `_generate_hash`), one result per
line. Used by record-contract.test.ts to check it against Powertools (TypeScript)'s own hashing."""

import json
import sys

from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig
from stripe_eventbridge.idempotency import StripeIdempotencyStore

store = StripeIdempotencyStore(table_name="unused", endpoint="http://127.0.0.1:9", on_result_rejected=lambda key, reason: None)
store.configure(IdempotencyConfig(event_key_jmespath="v", payload_validation_jmespath="v"), key_prefix="p")

for line in sys.stdin:
    print(json.dumps(store._get_hashed_payload({"v": json.loads(line)})))
