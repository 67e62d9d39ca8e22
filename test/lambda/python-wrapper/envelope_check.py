"""Runs the Python wrapper's envelope validation (from the built layer, on PYTHONPATH) over events read from stdin,
one JSON document per line ({"event": …, "maxBytes": n?, "payloads": [...]?}), and writes one JSON result per line: the rejection
({"rejected": {"reason", "message", "eventBridgeId"}}) or the summary ({"accepted": {…}}), in the Node.js wrapper's
field names. Used by envelope-parity.integration.test.ts to check both implementations on the same events."""

import json
import sys

from stripe_eventbridge.envelope import InvalidStripeEventError, InvalidStripeEventReason, validate_stripe_eventbridge_event

if sys.argv[1:] == ["reasons"]:
    print(json.dumps([r.value for r in InvalidStripeEventReason]))
    sys.exit(0)

for line in sys.stdin:
    case = json.loads(line)
    try:
        kwargs = {"max_bytes": case["maxBytes"]} if "maxBytes" in case else {}
        if "payloads" in case:
            kwargs["payloads"] = case["payloads"]
        s = validate_stripe_eventbridge_event(case["event"], **kwargs)
        summary = {
            "eventBridgeId": s.event_bridge_id,
            "source": s.source,
            "stripeEventId": s.stripe_event_id,
            "type": s.type,
            "livemode": s.livemode,
            "created": s.created,
            "apiVersion": s.api_version,
        }
        if s.thin is not None:
            thin = {"snapshotEvent": s.thin.snapshot_event, "context": s.thin.context}
            if s.thin.related_object is not None:
                r = s.thin.related_object
                thin["relatedObject"] = {"id": r.id, "type": r.type, "url": r.url}
            summary["thin"] = {k: v for k, v in thin.items() if v is not None}
        out = {"accepted": {k: v for k, v in summary.items() if v is not None}}
    except InvalidStripeEventError as err:
        out = {"rejected": {"reason": err.reason.value, "message": str(err), "eventBridgeId": err.event_bridge_id}}
    print(json.dumps(out, ensure_ascii=False))
