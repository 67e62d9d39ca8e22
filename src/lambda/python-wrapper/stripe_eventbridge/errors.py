"""The base of every exception the Python wrapper raises, so a handler can catch them all at once.

The layer puts this package on the function's path (`/opt/python`), so a handler imports it as
`from stripe_eventbridge.errors import StripeEventBridgeError`, e.g. around `context.effects.transact_write`.
The Node.js side's counterpart is `StripeEventBridgeError` from `@babes/stripe-eventbridge/errors`.
"""


class StripeEventBridgeError(Exception):
    """Anything the Stripe EventBridge wrapper raises."""
