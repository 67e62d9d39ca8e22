"""Runs the Python wrapper's latest-state rule (stripe_eventbridge.latest_state, from the built layer on PYTHONPATH) over
cases read from stdin, one JSON document per line ({"stored": <item in client shape> | null, "candidate": {...},
"fetched": {...}?, "thin": "<created>"?}), and writes one JSON result per line: the decision, the event's condition, the
unchanged condition, the fetched range, a thin range, or the error. Used by latest-state-parity.integration.test.ts."""

import json
import sys

from stripe_eventbridge.latest_state import Candidate, LatestStateError, decide_latest, event_condition, fence_of, fetched_range, thin_range, unchanged_condition

for line in sys.stdin:
    case = json.loads(line)
    c = case["candidate"]
    candidate = Candidate(c["id"], c["type"], c["lo"], c["hi"], c.get("status"), c["terminal"], c.get("item"))
    out = {}
    try:
        action, decision = decide_latest(case["stored"], candidate)
        out["decision"] = {"action": action, **({"decision": decision} if decision is not None else {})}
    except LatestStateError as err:
        out["decision"] = {"error": str(err)}
    out["eventCondition"] = event_condition(candidate)
    fence = fence_of(case["stored"])
    out["unchangedCondition"] = unchanged_condition(fence)
    if "fetched" in case:
        f = case["fetched"]
        lo, hi = fetched_range(fence, c["lo"], f["ms"], f["margin"])
        out["fetchedRange"] = {"lo": lo, "hi": hi}
    if "thin" in case:
        lo, hi = thin_range(case["thin"])
        out["thinRange"] = {"lo": lo, "hi": hi}
    print(json.dumps(out))
